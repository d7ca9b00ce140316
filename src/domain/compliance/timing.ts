import { DateTime } from 'luxon';
import data from './tables/calling-hours.json' with { type: 'json' };
import { anyHoliday, isHoliday } from './holidays.ts';

// When a call or marketing text may reach a recipient (COMPLIANCE.md §0, §1, §2): every rule of
// every jurisdiction that applies, in every time zone the recipient may be in, plus frequency
// caps. The answer is now, or the earliest instant at which all of them allow it, with the rule
// that held it back. Pure and in-process: no database, so the gate can decide thousands a second.

export type TimedChannel = 'call' | 'ai_call' | 'sms';
type Window = [string, string] | null;

interface Rule {
  state: string;
  effective_from: string;
  channels: TimedChannel[];
  hours: Record<string, Window>;
  holidays?: boolean;
  consent_exempt?: boolean;
  fixed_offset?: string;
  weekdays_only?: boolean;
  cap?: { count: number; hours: number };
}

const RULES = data.rules as unknown as Rule[];
const SAFE = data.safe_window as unknown as { zone: string } & Record<TimedChannel, Record<string, Window>>;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SPANS = new Map<string, [number, number] | null>();
/** A short name for each hours table (they are static), for the span cache's keys. */
const HOURS_IDS = new WeakMap<object, number>();
const hoursId = (h: object) => HOURS_IDS.get(h) ?? (HOURS_IDS.set(h, HOURS_IDS_NEXT.n++), HOURS_IDS_NEXT.n - 1);
const HOURS_IDS_NEXT = { n: 0 };

export interface TimingFacts {
  channel: TimedChannel;
  /** J: the states whose rules apply (the owner's mailing state and the area code's). */
  states: string[];
  /** Z: every zone the recipient may be in; empty when none is known (the universal safe window). */
  zones: string[];
  /** The zone the recipient most likely is in (mailing ZIP, else the area code's): a rule held back elsewhere is TZ_INTERSECTION. */
  primaryZone: string | null;
  at: Date;
  /** Prior outbound phone-channel attempts on the same subject. */
  prior: Date[];
  /** Prior express consent (or written) is on record: rules that bind only without it step aside. */
  hasConsent: boolean;
  /** The lead's own quiet hours (local HH:MM, may wrap midnight), beyond the law: LEAD_QUIET_HOURS. */
  quietHours?: { start: string; end: string; zone: string } | null;
  /** The organization's own frequency cap on prior attempts, beyond the states': FREQ_CAP_ORG. */
  orgCap?: { count: number; hours: number } | null;
}

export type TimingAnswer =
  | { allowed: true }
  | { allowed: false; until: Date; reason: string; reasons: string[] }
  /** No instant in the next weeks suits every rule in every zone (a territory against a mainland area code). */
  | { allowed: false; never: true; reason: string; reasons: string[] };

interface Constraint {
  /** The reason code when it holds a touch back at instant `t` (epoch ms). */
  blocks(t: number): string | null;
  /** The earliest instant >= t at which it allows. */
  next(t: number): number;
  zone: string | null;
}

const HOUR = 3_600_000;
const OFFSETS = new Map<string, number>();
/** A zone's UTC offset in minutes at an instant, asked of the time zone database once an hour per zone. */
function offsetAt(zone: string, t: number): number {
  const key = `${zone}|${Math.floor(t / HOUR)}`;
  let o = OFFSETS.get(key);
  if (o === undefined) {
    o = DateTime.fromMillis(t, { zone }).offset;
    if (OFFSETS.size > 100_000) OFFSETS.clear();
    OFFSETS.set(key, o);
  }
  return o;
}
/** The local day (YYYY-MM-DD) and weekday (0 = Monday) of an instant in a zone. */
function localDay(zone: string, t: number): { day: string; weekday: number } {
  const local = new Date(t + offsetAt(zone, t) * 60_000);
  return { day: local.toISOString().slice(0, 10), weekday: (local.getUTCDay() + 6) % 7 };
}
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const weekdayOf = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;

function windowConstraint(rule: Pick<Rule, 'state' | 'hours' | 'holidays' | 'fixed_offset' | 'weekdays_only'>, zone: string, safe = false): Constraint {
  // the day's own entry (null: no calls that day), else every day's, else no limit from this rule
  const hoursOn = (weekday: number): Window | undefined => {
    const key = DAYS[weekday]!;
    return key in rule.hours ? rule.hours[key] : rule.hours['*'];
  };
  const holiday = (day: string) => (safe ? anyHoliday(day) : rule.holidays ? isHoliday(rule.state, day) : false);
  // the day's [start, end) as instants, narrowed by the fixed offset where the rule has one;
  // a rule's day in a zone is worked out once (zone arithmetic is most of a decision's cost)
  const span = (day: string): [number, number] | null => {
    const key = `${rule.state}|${zone}|${hoursId(rule.hours)}|${day}`;
    if (SPANS.has(key)) return SPANS.get(key)!;
    const s = daySpan(day);
    if (SPANS.size > 50_000) SPANS.clear();
    SPANS.set(key, s);
    return s;
  };
  const daySpan = (day: string): [number, number] | null => {
    const h = hoursOn(weekdayOf(day));
    const at = (hm: string, z: string) => DateTime.fromISO(`${day}T${hm}`, { zone: z }).toMillis();
    if (h === undefined) return [at('00:00', zone), at('00:00', zone) + 86_400_000 * 2]; // no limit this day
    if (h === null || holiday(day)) return null;
    let start = at(h[0], zone), end = at(h[1], zone);
    if (rule.fixed_offset) {
      const fz = `UTC${rule.fixed_offset}`;
      start = Math.max(start, at(h[0], fz));
      end = Math.min(end, at(h[1], fz));
    }
    return start < end ? [start, end] : null;
  };
  const reason = (day: string, weekday: number) => {
    const st = rule.state;
    const h = hoursOn(weekday);
    if (safe) return 'TZ_UNKNOWN_SAFE_WINDOW';
    if (holiday(day)) return `HOLIDAY:${st}`;
    if (h === null && rule.weekdays_only) return `AUTOMATED_WEEKDAYS_ONLY:${st}`;
    if (h === null && weekday === 6) return `SUNDAY:${st}`;
    if (weekday === 6 && rule.hours.sun) return `SUNDAY_HOURS:${st}`;
    return st === 'US' ? 'QUIET_HOURS_FEDERAL' : `QUIET_HOURS_STATE:${st}`;
  };
  return {
    zone,
    blocks(t) {
      const { day, weekday } = localDay(zone, t);
      const s = span(day);
      return s && t >= s[0] && t < s[1] ? null : reason(day, weekday);
    },
    next(t) {
      const { day } = localDay(zone, t);
      for (let d = 0; d < 21; d++) {
        const s = span(addDays(day, d));
        if (s && t < s[1]) return Math.max(t, s[0]);
      }
      throw new Error(`no allowed time within three weeks under ${rule.state}`);
    },
  };
}

/** Quiet hours [start, end) every day in a zone; a range that wraps midnight (21:00–09:00) is one night. */
function quietConstraint(q: { start: string; end: string; zone: string }): Constraint {
  const minutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
  const [from, to] = [minutes(q.start), minutes(q.end)];
  const localMinute = (t: number) => Math.floor((((t / 60_000 + offsetAt(q.zone, t)) % 1440) + 1440) % 1440);
  const quiet = (m: number) => (from < to ? m >= from && m < to : m >= from || m < to);
  return {
    zone: q.zone,
    blocks: (t) => (quiet(localMinute(t)) ? 'LEAD_QUIET_HOURS' : null),
    next: (t) => {
      if (!quiet(localMinute(t))) return t;
      const wait = (to - localMinute(t) + 1440) % 1440;
      return Math.floor(t / 60_000) * 60_000 + wait * 60_000;
    },
  };
}

function capConstraint(rule: Pick<Rule, 'cap' | 'state'>, prior: number[], code?: string): Constraint {
  const { count, hours } = rule.cap!;
  const inWindow = (t: number) => prior.filter((p) => p <= t && p > t - hours * HOUR).sort((a, b) => a - b);
  return {
    zone: null,
    blocks: (t) => (inWindow(t).length >= count ? code ?? `FREQ_CAP_${count}_PER_${hours}H:${rule.state}` : null),
    // the oldest attempts leave the window one by one: the one that brings it under the cap
    next: (t) => {
      const w = inWindow(t);
      return w.length < count ? t : w[w.length - count]! + hours * HOUR;
    },
  };
}

/** The rules in force for this touch: the federal window and each state's, where they apply. */
function constraintsFor(f: TimingFacts): Constraint[] {
  const day = f.at.toISOString().slice(0, 10);
  const rules = RULES.filter((r) => (r.state === 'US' || f.states.includes(r.state)) && r.channels.includes(f.channel)
    && r.effective_from <= day && !(r.consent_exempt && f.hasConsent));
  const out: Constraint[] = [];
  if (!f.zones.length) out.push(windowConstraint({ state: 'SAFE', hours: SAFE[f.channel] }, SAFE.zone, true));
  else for (const r of rules) for (const z of f.zones) out.push(windowConstraint(r, z));
  const prior = f.prior.map((p) => p.getTime());
  for (const r of rules) if (r.cap) out.push(capConstraint(r, prior));
  if (f.quietHours) out.push(quietConstraint(f.quietHours));
  if (f.orgCap) out.push(capConstraint({ state: 'ORG', cap: f.orgCap }, prior, 'FREQ_CAP_ORG'));
  return out;
}

export function timing(f: TimingFacts): TimingAnswer {
  const constraints = constraintsFor(f);
  const start = f.at.getTime();
  const first = constraints.map((c) => ({ c, reason: c.blocks(start) })).filter((x) => x.reason);
  if (!first.length) return { allowed: true };
  // the earliest instant every rule allows: move to the latest next opening until none objects;
  // every rule that held it back on the way is among the reasons
  const seen = new Set(first.map((x) => x.reason!));
  let t = start;
  let settled = false;
  let elsewhere = false;
  try {
    for (let i = 0; i < 100 && !settled; i++) {
      const held = constraints.filter((c) => c.blocks(t));
      for (const c of held) {
        seen.add(c.blocks(t)!);
        if (f.zones.length > 1 && c.zone !== null && c.zone !== f.primaryZone) elsewhere = true;
      }
      if (!held.length) settled = true;
      else t = Math.max(...held.map((c) => c.next(t)));
    }
  } catch {
    settled = false;
  }
  if (!settled) return { allowed: false, never: true, reason: 'LOCATION_TERRITORY_UNRESOLVED', reasons: ['LOCATION_TERRITORY_UNRESOLVED', ...seen] };
  // the reason: of the rules holding it back where the recipient most likely is (or by count),
  // the one that opens last (a state's before the federal one); held back only in another of
  // their possible zones, TZ_INTERSECTION
  const here = first.filter((x) => x.c.zone === null || x.c.zone === f.primaryZone || f.zones.length <= 1);
  const binding = here.map((x) => ({ ...x, opens: x.c.next(start) }))
    .sort((a, b) => b.opens - a.opens || Number(a.reason!.includes('FEDERAL')) - Number(b.reason!.includes('FEDERAL')))[0];
  const reason = binding ? binding.reason! : 'TZ_INTERSECTION';
  if (elsewhere) seen.add('TZ_INTERSECTION');
  return { allowed: false, until: new Date(t), reason, reasons: [...new Set([reason, ...seen])] };
}
