import { describe, expect, it } from 'vitest';
import { GSM_BASIC, GSM_EXTENSION, smsSegments } from './sms-segments.ts';

const a = (n: number) => 'a'.repeat(n);
const zh = (n: number) => 'ж'.repeat(n); // Cyrillic: not in GSM-7, one UTF-16 unit
const EMOJI = '😀'; // outside the BMP: a surrogate pair, two units

describe('the GSM-7 alphabet', () => {
  it('has the 127 default characters (ESC aside) and 10 extension characters, no overlap', () => {
    expect(new Set(GSM_BASIC).size).toBe(127);
    expect([...GSM_BASIC]).toHaveLength(127);
    expect(new Set(GSM_EXTENSION).size).toBe(10);
    expect([...GSM_EXTENSION].filter((c) => GSM_BASIC.includes(c))).toEqual([]);
  });
});

describe('smsSegments', () => {
  it.each([
    [0, 0], [1, 1], [160, 1], [161, 2], [306, 2], [307, 3], [459, 3], [460, 4],
  ])('%i GSM characters → %i segments', (n, segments) => {
    expect(smsSegments(a(n))).toEqual({ encoding: 'GSM-7', units: n, segments, nonGsm: [] });
  });

  it.each([[70, 1], [71, 2], [134, 2], [135, 3]])('%i UCS-2 characters → %i segments', (n, segments) => {
    expect(smsSegments(zh(n))).toMatchObject({ encoding: 'UCS-2', units: n, segments });
  });

  it('one emoji forces UCS-2 for the whole text and costs two units', () => {
    expect(smsSegments(`${a(100)}${EMOJI}`)).toEqual({ encoding: 'UCS-2', units: 102, segments: 2, nonGsm: [EMOJI] });
    expect(smsSegments(EMOJI)).toMatchObject({ units: 2, segments: 1 });
  });

  it('knows the accented letters GSM-7 has and the ones it lacks', () => {
    expect(smsSegments('Müller, Peña, Ørsted, Étienne, à bientôt?').nonGsm).toEqual(['ô']);
    expect(smsSegments('Está Çelik ç').nonGsm).toEqual(['á', 'ç']);
  });

  it('names the characters that forced UCS-2, once each, e.g. curly quotes pasted from a word processor', () => {
    expect(smsSegments('It’s “done” — it’s')).toMatchObject({ encoding: 'UCS-2', nonGsm: ['’', '“', '”', '—'] });
  });

  it('counts extension characters as two septets', () => {
    expect(smsSegments('{}[]~^|\\€')).toEqual({ encoding: 'GSM-7', units: 18, segments: 1, nonGsm: [] });
    expect(smsSegments(`${a(158)}€`)).toMatchObject({ units: 160, segments: 1 });
    expect(smsSegments(`${a(159)}€`)).toMatchObject({ units: 161, segments: 2 });
  });

  it('never splits an extension character across parts', () => {
    // 152 + 2 + 151 = 305 septets: part 1 takes 152 (the ^ does not fit whole), part 2 takes 153.
    expect(smsSegments(`${a(152)}^${a(151)}`)).toMatchObject({ units: 305, segments: 2 });
    // One septet more than that: ceil(306 / 153) would say 2, but the ^ pushed a septet on.
    expect(smsSegments(`${a(152)}^${a(152)}`)).toMatchObject({ units: 306, segments: 3 });
    // The same extension character one place earlier fits whole in part 1.
    expect(smsSegments(`${a(151)}^${a(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });

  it('never splits a surrogate pair across parts', () => {
    expect(smsSegments(`${zh(66)}${EMOJI}${zh(65)}`)).toMatchObject({ units: 133, segments: 2 });
    expect(smsSegments(`${zh(66)}${EMOJI}${zh(66)}`)).toMatchObject({ units: 134, segments: 3 });
    expect(smsSegments(`${zh(65)}${EMOJI}${zh(67)}`)).toMatchObject({ units: 134, segments: 2 });
  });

  it('counts line breaks as one septet each', () => {
    expect(smsSegments('a\nb\r\nc')).toMatchObject({ encoding: 'GSM-7', units: 6 });
  });
});
