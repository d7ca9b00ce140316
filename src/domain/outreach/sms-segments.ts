// How many SMS segments a text costs (3GPP TS 23.038 / 23.040). Carriers bill per segment, so the
// editor shows it and the outreach engine records it.
// - GSM-7 when every character is in the default alphabet or its extension table; extension
//   characters are sent as ESC + char and cost 2 septets. One segment holds 160 septets; a
//   concatenated message loses 7 septets per part to the UDH, so 153.
// - Anything else goes out as UCS-2 (UTF-16 in practice): 70 code units, 67 per part. An emoji
//   outside the BMP is a surrogate pair: 2 units.
// - A part boundary never splits an ESC sequence or a surrogate pair (the handset could not
//   decode either half), so a part may hold one unit less than its capacity.
// We do not transliterate (curly quotes → straight) the way some providers offer to: what we
// count is what the provider is asked to send, and `nonGsm` says which characters cost UCS-2.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** 0 for an empty text. */
  segments: number;
  /** The distinct characters that forced UCS-2, in order of appearance (empty for GSM-7). */
  nonGsm: string[];
}

/** The GSM 03.38 default alphabet (ESC, 0x1B, left out: it only introduces the extension table). */
export const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: ESC + char on the wire, 2 septets each (form feed included, as in the standard). */
export const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

export const LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const satisfies Record<SmsEncoding, { single: number; part: number }>;

/** Septets (GSM-7) or code units (UCS-2) of one character (one code point). */
const unitsOf = (ch: string, encoding: SmsEncoding) => (encoding === 'GSM-7' ? (EXTENSION.has(ch) ? 2 : 1) : ch.length);

export function smsSegments(text: string): SmsSegments {
  const chars = [...text]; // code points: a surrogate pair stays one element
  const nonGsm = [...new Set(chars.filter((c) => !BASIC.has(c) && !EXTENSION.has(c)))];
  const encoding: SmsEncoding = nonGsm.length === 0 ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((c) => unitsOf(c, encoding));
  const units = sizes.reduce((a, b) => a + b, 0);
  const { single, part } = LIMITS[encoding];
  if (units === 0) return { encoding, units, segments: 0, nonGsm };
  if (units <= single) return { encoding, units, segments: 1, nonGsm };
  // Concatenated: fill parts greedily; a character that does not fit whole starts the next part.
  let segments = 1, used = 0;
  for (const size of sizes) {
    if (used + size > part) { segments++; used = 0; }
    used += size;
  }
  return { encoding, units, segments, nonGsm };
}
