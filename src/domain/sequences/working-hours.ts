import { DateTime } from 'luxon';

// When a sequence may take a step that sends: its working hours on its working days, in its own
// time zone (Fish Mouth: "working hours respect timezone"). Local wall-clock times are turned
// into instants by luxon, so a window keeps its hours across a daylight-saving change; a start
// that falls in a spring-forward gap (02:30 on that Sunday) opens at the first minute after it.
// The recipient's legal hours are not this: the compliance gate defers the message for those.

export interface WorkingHours {
  zone: string;
  /** HH:MM (seconds ignored); the end may be 24:00. */
  start: string;
  end: string;
  /** ISO days: 1 Monday .. 7 Sunday. */
  days: readonly number[];
}

const minutesOf = (hhmm: string) => {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

const atMinutes = (day: DateTime, minutes: number) =>
  minutes >= 1440 ? day.plus({ days: 1 }).startOf('day') : day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });

/** `at` itself when it is inside the working hours, else the instant they next open. */
export function nextWorkingInstant(at: Date, w: WorkingHours): Date {
  const local = DateTime.fromJSDate(at, { zone: w.zone });
  const open = minutesOf(w.start), close = minutesOf(w.end);
  for (let d = 0; d <= 7; d++) {
    const day = local.startOf('day').plus({ days: d });
    if (!w.days.includes(day.weekday)) continue;
    const from = atMinutes(day, open), to = atMinutes(day, close);
    if (at < from.toJSDate()) return from.toJSDate();
    if (at < to.toJSDate()) return at;
  }
  return at; // no working day at all: the schema and the database refuse that
}

/** The next instant after `at` when the clock in `zone` reads HH:MM (a WAIT's until_time). */
export function nextTimeOfDay(at: Date, hhmm: string, zone: string): Date {
  const local = DateTime.fromJSDate(at, { zone });
  const minutes = minutesOf(hhmm);
  const today = atMinutes(local.startOf('day'), minutes);
  return (today.toJSDate() > at ? today : atMinutes(local.startOf('day').plus({ days: 1 }), minutes)).toJSDate();
}

/** `at` plus days, hours and minutes, the days counted on the zone's calendar (2 days from 10:00 is 10:00, DST or not). */
export function addWait(at: Date, wait: { days?: number; hours?: number; minutes?: number }, zone: string): Date {
  return DateTime.fromJSDate(at, { zone }).plus({ days: wait.days ?? 0 }).plus({ hours: wait.hours ?? 0, minutes: wait.minutes ?? 0 }).toJSDate();
}
