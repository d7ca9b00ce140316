import { FIRST_NAME, type DraftFacts, type EventType } from '../../providers/llm/ports.ts';

// What a briefing says about its event: the facts (from the MLS event's columns, nothing else),
// the text its vector is made from, the headline and key intel a person reads before approving,
// and the check that a draft states no number the facts do not hold.

export const PROMPT_VERSION = 'nudge-draft-v1';

export interface EventColumns {
  event_type: EventType;
  event_at: Date | string;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  list_price_cents: string | number | null;
  previous_price_cents: string | number | null;
  close_price_cents: string | number | null;
  beds: number | null;
  baths: string | number | null;
  living_area_sqft: number | null;
  year_built: number | null;
  property_type: string | null;
  remarks: string | null;
}

const dollars = (c: string | number | null) => (c == null ? null : Math.round(Number(c) / 100));

export function factsOf(e: EventColumns): DraftFacts {
  return {
    eventType: e.event_type, address: e.address, city: e.city, state: e.state, zip: e.zip,
    price: dollars(e.list_price_cents), previousPrice: dollars(e.previous_price_cents), closePrice: dollars(e.close_price_cents),
    beds: e.beds, baths: e.baths == null ? null : Number(e.baths), sqft: e.living_area_sqft, yearBuilt: e.year_built, propertyType: e.property_type,
  };
}

const LABEL: Record<EventType, string> = {
  new_listing: 'New listing', price_change: 'Price change', back_on_market: 'Back on market', pending: 'Under contract', sold: 'Sold', expired: 'Off the market',
};
const money = (d: number) => `$${d.toLocaleString('en-US')}`;

/** The text the event's vector is made of: what kind of home, where, and what the listing says of it. */
export function describeEvent(e: EventColumns): string {
  const f = factsOf(e);
  const home = [f.beds != null ? `${f.beds} bedroom` : '', f.baths != null ? `${f.baths} bath` : '', (f.propertyType ?? 'home').replace(/_/g, ' ')].filter(Boolean).join(' ');
  return [`${LABEL[f.eventType]}: ${home} in ${[f.city, f.zip].filter(Boolean).join(' ')}.`, e.remarks ?? ''].join(' ').trim();
}

export function headline(f: DraftFacts): string {
  const where = [f.address, f.city].filter(Boolean).join(', ') || f.zip || 'a listing';
  const size = [f.beds != null ? `${f.beds} bd` : null, f.baths != null ? `${f.baths} ba` : null].filter(Boolean).join(' / ');
  const price = f.eventType === 'sold' && f.closePrice != null ? money(f.closePrice) : f.price != null ? money(f.price) : null;
  return [`${LABEL[f.eventType]}: ${where}`, size, price].filter(Boolean).join(' · ').slice(0, 300);
}

/** Why now and what changed, beside the facts the draft may use: stored with each briefing. */
export type KeyIntel = ReturnType<typeof keyIntel>;

/** Why now and what changed, for the person approving. */
export function keyIntel(f: DraftFacts, eventAt: Date, now: Date) {
  const days = Math.max(0, Math.floor((now.getTime() - eventAt.getTime()) / 86_400_000));
  const when = days === 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
  let changed: string;
  if (f.eventType === 'price_change' && f.price != null && f.previousPrice != null) {
    const pct = ((f.price - f.previousPrice) / f.previousPrice) * 100;
    changed = `price ${f.price < f.previousPrice ? 'cut' : 'raised'} from ${money(f.previousPrice)} to ${money(f.price)} (${pct > 0 ? '+' : ''}${pct.toFixed(1)}%)`;
  } else if (f.eventType === 'sold') changed = f.closePrice != null ? `sold for ${money(f.closePrice)}${f.price != null ? ` against ${money(f.price)} asked` : ''}` : 'sold';
  else changed = LABEL[f.eventType].toLowerCase();
  return { why_now: `${LABEL[f.eventType]} ${when}: the first days bring the most interest`, what_changed: changed, event_at: eventAt.toISOString(), facts: f };
}

/** Every way the facts' numbers may be written: 450000, 450,000, $450K, 3, 2.5, 1,850, 78704, 1204 (a house number), 5.3 (a change in percent). */
function allowedNumbers(f: DraftFacts): Set<string> {
  const out = new Set<string>();
  const add = (n: number | null) => {
    if (n == null) return;
    out.add(String(n));
    if (n >= 1000 && n % 1000 === 0) out.add(`${n / 1000}k`);
    if (n >= 1_000_000) out.add(`${Math.round(n / 100_000) / 10}m`);
    if (n >= 1000) out.add(`${Math.round(n / 1000)}k`);
  };
  for (const n of [f.price, f.previousPrice, f.closePrice, f.beds, f.baths, f.sqft, f.yearBuilt]) add(n);
  if (f.price != null && f.previousPrice) {
    const pct = Math.abs(((f.price - f.previousPrice) / f.previousPrice) * 100);
    for (const p of [pct.toFixed(1), pct.toFixed(0), String(Math.abs(f.price - f.previousPrice))]) out.add(String(Number(p)));
    add(Math.abs(f.price - f.previousPrice));
  }
  for (const s of [f.address, f.zip, f.city]) for (const m of (s ?? '').matchAll(/\d+/g)) out.add(String(Number(m[0])));
  return out;
}

/** The numbers a draft states that the facts do not hold ("$20,000 under market", "2 blocks from school"). */
export function unsupportedClaims(draft: string, f: DraftFacts): string[] {
  const allowed = allowedNumbers(f);
  const bad: string[] = [];
  for (const m of draft.replaceAll(FIRST_NAME, '').matchAll(/\$?\d[\d,]*(\.\d+)?\s*([kKmM](?![a-z]))?/g)) {
    const text = m[0].trim();
    const n = Number(text.replace(/[$,\s]/g, '').replace(/[kKmM]$/, ''));
    const suffix = /[kK]$/.test(text) ? 'k' : /[mM]$/.test(text) ? 'm' : '';
    if (!allowed.has(`${n}${suffix}`)) bad.push(text);
  }
  return bad;
}

/** A draft for one recipient: their first name in place of the placeholder ("there" without one). */
export function personalize(draft: string, firstName: string | null): string {
  return draft.replaceAll(FIRST_NAME, firstName?.trim() || 'there');
}
