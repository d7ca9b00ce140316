import { describe, expect, it } from 'vitest';
import { locateByAreaCode } from './locate.ts';
import { classifySms } from './sms-keywords.ts';

describe('locating a number by its area code', () => {
  it('gives the state and every zone the area code spans', () => {
    expect(locateByAreaCode('+13055550101')).toEqual({ areaCode: '305', state: 'FL', zones: ['America/New_York'] });
    expect(locateByAreaCode('+14055550102')).toMatchObject({ state: 'OK', zones: ['America/Chicago'] });
    expect(locateByAreaCode('+12035550110')).toMatchObject({ state: 'CT', zones: ['America/New_York'] });
    // split area codes: the Florida panhandle, El Paso (libphonenumber says Denver only; LiveVox both), Idaho
    expect(locateByAreaCode('+18505550100')!.zones).toEqual(['America/Chicago', 'America/New_York']);
    expect(locateByAreaCode('+19155550100')!.zones).toEqual(['America/Chicago', 'America/Denver']);
    expect(locateByAreaCode('+12085550100')!.zones).toEqual(expect.arrayContaining(['America/Boise', 'America/Los_Angeles']));
    expect(locateByAreaCode('+17875550100')).toMatchObject({ state: 'PR', zones: ['America/Puerto_Rico'] });
  });

  it('places no toll-free, foreign or malformed number', () => {
    for (const n of ['+18005550100', '+442071838750', '+1305555', '3055550101', '+15555550100']) expect(locateByAreaCode(n), n).toBeNull();
  });
});

describe('inbound texts', () => {
  it('reads an opt-out inside a longer message as one, for a person to check', () => {
    expect(classifySms('I said STOP')).toEqual({ class: 'OPT_OUT', review: true, matched: 'STOP' });
    expect(classifySms('')).toEqual({ class: 'NONE', review: false, matched: null });
  });
});
