import data from './tables/holidays.json' with { type: 'json' };

// The holiday calendars of the states that forbid solicitation calls on holidays, computed per
// year from the rules in tables/holidays.json (COMPLIANCE.md §1.3). Dates are ISO days (YYYY-MM-DD).

interface StateCalendar {
  federal: boolean;
  rules: string[];
  observed: 'sat_fri_sun_mon' | 'weekend_mon';
  dates?: string[];
}

const CALENDARS = data.states as Record<string, StateCalendar>;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FEDERAL = ['01-01', '3rd mon jan', '3rd mon feb', 'last mon may', '06-19', '07-04', '1st mon sep', '2nd mon oct', '11-11', '4th thu nov', '12-25'];

const iso = (d: Date) => d.toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d));

/** Easter Sunday (the Gregorian computus). */
function easter(y: number): Date {
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4, f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30, i = Math.floor(c / 4), k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(y, month - 1, day);
}

/** A rule's date in a year: 'MM-DD', '2nd mon aug', 'last mon may', 'mardi_gras', 'good_friday'. */
function dateOf(rule: string, y: number): Date {
  if (rule === 'mardi_gras') return new Date(easter(y).getTime() - 47 * 86_400_000);
  if (rule === 'good_friday') return new Date(easter(y).getTime() - 2 * 86_400_000);
  const fixed = /^(\d{2})-(\d{2})$/.exec(rule);
  if (fixed) return utc(y, Number(fixed[1]) - 1, Number(fixed[2]));
  const m = /^(1st|2nd|3rd|4th|last) (\w{3}) (\w{3})$/.exec(rule);
  if (!m) throw new Error(`holidays.json: cannot read the rule '${rule}'`);
  const month = MONTHS.indexOf(m[3]!), weekday = DAYS.indexOf(m[2]!);
  if (m[1] === 'last') {
    const last = utc(y, month + 1, 0);
    return utc(y, month, last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7));
  }
  const first = utc(y, month, 1);
  return utc(y, month, 1 + ((weekday - first.getUTCDay() + 7) % 7) + 7 * (Number(m[1]![0]) - 1));
}

const cache = new Map<string, Set<string>>();

/** The state's blocked days in a year (empty for a state without a holiday rule). */
export function holidaysOf(state: string, year: number): Set<string> {
  const key = `${state}:${year}`;
  let days = cache.get(key);
  if (days) return days;
  days = new Set<string>();
  const cal = CALENDARS[state];
  if (cal) {
    for (const rule of [...(cal.federal ? FEDERAL : []), ...cal.rules]) {
      const d = dateOf(rule, year);
      days.add(iso(d));
      const dow = d.getUTCDay();
      const shift = dow === 6 ? (cal.observed === 'weekend_mon' ? 2 : -1) : dow === 0 ? 1 : 0;
      if (shift) days.add(iso(new Date(d.getTime() + shift * 86_400_000)));
    }
    for (const d of cal.dates ?? []) if (d.startsWith(`${year}-`)) days.add(d);
  }
  cache.set(key, days);
  return days;
}

/** A blocked day, also when it is the observed day of the next year's holiday (1 January on a Saturday is kept on 31 December). */
export const isHoliday = (state: string, isoDay: string) => {
  const y = Number(isoDay.slice(0, 4));
  return holidaysOf(state, y).has(isoDay) || (isoDay.endsWith('-12-31') && holidaysOf(state, y + 1).has(isoDay));
};

/** Every configured calendar's days in a year (the universal safe window avoids them all). */
export const anyHoliday = (isoDay: string) => Object.keys(CALENDARS).some((s) => isHoliday(s, isoDay));
