import { describe, expect, it } from 'vitest';
import { addWait, nextTimeOfDay, nextWorkingInstant } from './working-hours.ts';

const weekdays = { zone: 'America/Chicago', start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] };
const at = (iso: string) => new Date(iso);

describe('working hours in the sequence zone', () => {
  it('lets a time inside the hours through, and moves one before or after them to the next opening', () => {
    expect(nextWorkingInstant(at('2026-01-13T16:30:00Z'), weekdays)).toEqual(at('2026-01-13T16:30:00Z')); // Tue 10:30 CST
    expect(nextWorkingInstant(at('2026-01-13T12:00:00Z'), weekdays)).toEqual(at('2026-01-13T15:00:00Z')); // Tue 06:00 → 09:00
    expect(nextWorkingInstant(at('2026-01-13T23:00:00Z'), weekdays)).toEqual(at('2026-01-14T15:00:00Z')); // Tue 17:00 → Wed 09:00
    expect(nextWorkingInstant(at('2026-01-17T16:00:00Z'), weekdays)).toEqual(at('2026-01-19T15:00:00Z')); // Sat → Mon
  });

  it('opens at 09:00 local on the far side of a daylight-saving change', () => {
    // Friday 22:00 CST; clocks go forward on Sunday 8 March: Monday 09:00 is CDT, 14:00 UTC
    expect(nextWorkingInstant(at('2026-03-07T04:00:00Z'), weekdays)).toEqual(at('2026-03-09T14:00:00Z'));
    // and back on Sunday 1 November: Monday 09:00 CST is 15:00 UTC
    expect(nextWorkingInstant(at('2026-10-31T03:00:00Z'), weekdays)).toEqual(at('2026-11-02T15:00:00Z'));
  });

  it('takes a window to midnight (24:00) and any set of days', () => {
    const late = { ...weekdays, end: '24:00', days: [6, 7] };
    expect(nextWorkingInstant(at('2026-01-18T05:30:00Z'), late)).toEqual(at('2026-01-18T05:30:00Z')); // Sat 23:30
    expect(nextWorkingInstant(at('2026-01-18T06:30:00Z'), late)).toEqual(at('2026-01-18T15:00:00Z')); // Sun 00:30 → 09:00
  });

  it('finds the next time of day, and waits whole days on the local calendar', () => {
    expect(nextTimeOfDay(at('2026-03-07T16:00:00Z'), '10:00', 'America/Chicago')).toEqual(at('2026-03-08T15:00:00Z')); // Sun 10:00 CDT
    expect(nextTimeOfDay(at('2026-03-07T15:59:00Z'), '10:00', 'America/Chicago')).toEqual(at('2026-03-07T16:00:00Z'));
    // two days from Saturday 10:00 CST is Monday 10:00 CDT: 47 hours, not 48
    expect(addWait(at('2026-03-07T16:00:00Z'), { days: 2 }, 'America/Chicago')).toEqual(at('2026-03-09T15:00:00Z'));
    expect(addWait(at('2026-03-07T16:00:00Z'), { hours: 48 }, 'America/Chicago')).toEqual(at('2026-03-09T16:00:00Z'));
  });
});
