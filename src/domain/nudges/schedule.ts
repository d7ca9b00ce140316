import { DateTime } from 'luxon';

// When an approved nudge goes: at a good local time for its recipient, not whenever the person
// approving happens to click. Weekdays 10:00-18:00 and Saturdays 10:00-14:00 in the client's
// zone; ten minutes after approval when that falls inside a window (time to undo), else the next
// window's start. The gate's quiet hours and holidays still apply when it goes.

const WINDOWS: Record<number, [number, number] | null> = { 1: [10, 18], 2: [10, 18], 3: [10, 18], 4: [10, 18], 5: [10, 18], 6: [10, 14], 7: null };
const GRACE_MINUTES = 10;

export function goodLocalTime(now: Date, zone: string): Date {
  let t = DateTime.fromJSDate(now, { zone }).plus({ minutes: GRACE_MINUTES });
  if (!t.isValid) t = DateTime.fromJSDate(now, { zone: 'America/New_York' }).plus({ minutes: GRACE_MINUTES });
  for (let day = 0; day < 8; day++) {
    const d = t.plus({ days: day }).startOf('day');
    const w = WINDOWS[d.weekday];
    if (!w) continue;
    const open = d.set({ hour: w[0] });
    const close = d.set({ hour: w[1] });
    if (day === 0 && t >= open && t < close) return t.toJSDate();
    if (open > t) return open.toJSDate();
  }
  return t.toJSDate();
}
