import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { isoInstant, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { toAppError } from '../../db/sql-errors.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { Pii } from '../pii/pii.ts';
import { composeDraft } from '../outreach/compose-draft.ts';
import type { Outbox } from '../outreach/outbox.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { loadRecipients } from '../outreach/recipients.repository.ts';

// Appointments from calls (Fish Mouth's voice_bookings): a window, an estimator, a place and a
// kind; confirmed, rescheduled, cancelled or completed. The database refuses two live bookings
// of one estimator that overlap. Each booking's confirmation and its reminder (a day before, or
// two hours when booked later) go through the outbox and its gate like any message, keyed by
// the booking's revision: a reschedule cancels the old reminder and sends new ones, once.

export const BOOKING_TYPES = ['inspection', 'consultation', 'estimate'] as const;
const REMIND_BEFORE = [24 * 3_600_000, 2 * 3_600_000];

export const CreateBookingRequest = z.strictObject({
  lead_id: z.uuid(),
  call_id: z.uuid().optional(),
  window_start: isoInstant(),
  window_end: isoInstant(),
  estimator_id: z.uuid(),
  location: z.string().trim().max(500).optional(),
  notes: z.string().max(5000).optional(),
  booking_type: z.enum(BOOKING_TYPES).default('inspection'),
}).refine((b) => new Date(b.window_end) > new Date(b.window_start), { message: 'window_end must be after window_start', path: ['window_end'] });
export const RescheduleRequest = z.strictObject({ window_start: isoInstant(), window_end: isoInstant(), estimator_id: z.uuid().optional() })
  .refine((b) => new Date(b.window_end) > new Date(b.window_start), { message: 'window_end must be after window_start', path: ['window_end'] });
export const ListBookingsQuery = z.object({
  from: isoInstant().optional(), to: isoInstant().optional(), estimator: z.uuid().optional(), lead: z.uuid().optional(),
  status: z.enum(['confirmed', 'rescheduled', 'cancelled', 'completed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100),
});

export interface BookingRow {
  id: string; lead_id: string | null; call_id: string | null; window_start: Date; window_end: Date; estimator_id: string; estimator_name: string | null;
  location: string | null; notes: string | null; booking_type: string; status: string; revision: number;
  confirmation_message_id: string | null; reminder_message_id: string | null; confirmation_sent: boolean; reminder_sent: boolean;
  created_at: Date; updated_at: Date;
}

const SELECT = sql`
  SELECT b.id, b.lead_id, b.call_id, b.window_start, b.window_end, b.estimator_id, coalesce(u.full_name, u.email) AS estimator_name, b.location, b.notes,
         b.booking_type, b.status, b.revision, b.confirmation_message_id, b.reminder_message_id,
         coalesce(c.status IN ('sent', 'delivered'), false) AS confirmation_sent, coalesce(r.status IN ('sent', 'delivered'), false) AS reminder_sent,
         b.created_at, b.updated_at
  FROM voice_booking b
  LEFT JOIN app_user u ON u.organization_id = b.organization_id AND u.id = b.estimator_id
  LEFT JOIN message c ON c.organization_id = b.organization_id AND c.id = b.confirmation_message_id
  LEFT JOIN message r ON r.organization_id = b.organization_id AND r.id = b.reminder_message_id`;

export function createBookings(deps: { db: Database; pii: Pii; outbox: Pick<Outbox, 'enqueue' | 'dispatch'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  async function one(id: string, trx: Trx): Promise<BookingRow> {
    const row = (await sql<BookingRow>`${SELECT} WHERE b.organization_id = app_org_id() AND b.id = ${id}`.execute(trx)).rows[0];
    if (!row) throw notFound('booking', id);
    return row;
  }

  /** The confirmation now and the reminder before the window, to the owner's phone (else email). */
  async function notify(trx: Trx, b: BookingRow, actor: Actor): Promise<string[]> {
    if (!b.lead_id) return [];
    const settings = await readOutreachSettings(trx);
    const tz = (await sql<{ tz: string }>`SELECT timezone AS tz FROM app_user WHERE organization_id = app_org_id() AND id = ${b.estimator_id}`.execute(trx)).rows[0]?.tz ?? 'America/New_York';
    const when = DateTime.fromJSDate(b.window_start, { zone: tz }).toFormat("ccc, LLL d 'at' h:mm a ZZZZ");
    const who = settings.sender_name ?? 'We';
    const kind = b.booking_type;
    const ids: string[] = [];
    for (const channel of ['sms', 'email'] as const) {
      const r = (await loadRecipients(trx, deps.pii, [b.lead_id], channel, settings)).get(b.lead_id);
      if (!r?.contact || !(channel === 'sms' ? settings.from_phone : settings.from_email)) continue;
      const drafts = [];
      const confirm = `${who}: your ${kind} is confirmed for ${when}${b.estimator_name ? ` with ${b.estimator_name}` : ''}${b.location ? ` at ${b.location}` : ''}. Reply to reschedule.`;
      const body = (text: string) => ({ channel, subject: channel === 'email' ? `Your ${kind}, ${when}` : null, body: text, html: null, templateId: null });
      const c = composeDraft(r, body(confirm), { key: `booking:${b.id}:${b.revision}:confirm`, source: 'manual', purpose: 'informational', senderUserId: actor.userId, at: null });
      if ('draft' in c) drafts.push({ ...c.draft, senderType: 'system' as const });
      const remindAt = REMIND_BEFORE.map((ms) => new Date(b.window_start.getTime() - ms)).find((t) => t > now());
      if (remindAt) {
        const rm = composeDraft(r, body(`${who}: a reminder of your ${kind} ${when}. Reply to reschedule.`), { key: `booking:${b.id}:${b.revision}:remind`, source: 'scheduled', purpose: 'informational', senderUserId: actor.userId, at: remindAt });
        if ('draft' in rm) drafts.push({ ...rm.draft, senderType: 'system' as const });
      }
      const made = await deps.outbox.enqueue(drafts, trx);
      const confirmId = made.get(`booking:${b.id}:${b.revision}:confirm`)?.id ?? null;
      const remindId = made.get(`booking:${b.id}:${b.revision}:remind`)?.id ?? null;
      await sql`UPDATE voice_booking SET confirmation_message_id = ${confirmId}, reminder_message_id = ${remindId} WHERE organization_id = app_org_id() AND id = ${b.id}`.execute(trx);
      if (confirmId) ids.push(confirmId);
      break;
    }
    return ids;
  }

  /** A reminder not yet gone is withdrawn (a reschedule or a cancel). */
  const withdrawReminder = (b: BookingRow, trx: Trx) => b.reminder_message_id
    ? sql`UPDATE message SET status = 'cancelled', reason = 'booking changed' WHERE organization_id = app_org_id() AND id = ${b.reminder_message_id} AND status = 'pending'`.execute(trx)
    : Promise.resolve();

  /** Insert a booking in the caller's transaction; null when the estimator is taken then (the database said so). */
  async function insert(trx: Trx, actor: Actor, b: z.output<typeof CreateBookingRequest>, opts: { orNull?: boolean } = {}): Promise<{ booking: BookingRow; messages: string[] } | null> {
    const made = (await sql<{ id: string }>`
      INSERT INTO voice_booking (organization_id, lead_id, call_id, window_start, window_end, estimator_id, location, notes, booking_type, created_by)
      VALUES (app_org_id(), ${b.lead_id}, ${b.call_id ?? null}, ${new Date(b.window_start)}, ${new Date(b.window_end)}, ${b.estimator_id},
              ${b.location ?? null}, ${b.notes ?? null}, ${b.booking_type}, ${actor.userId})
      ${opts.orNull ? sql`ON CONFLICT DO NOTHING` : sql``}
      RETURNING id`.execute(trx)).rows[0];
    if (!made) return null;
    const booking = await one(made.id, trx);
    return { booking, messages: await notify(trx, booking, actor) };
  }

  const tenant = async <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => {
    try {
      return await withTenant(deps.db, actor, fn);
    } catch (e) {
      throw toAppError(e);
    }
  };
  const send = async (actor: Actor, ids: string[]) => void (ids.length && (await deps.outbox.dispatch(actor, { ids })));

  return {
    insert,

    async create(actor: Actor, input: unknown) {
      const req = parseInput(CreateBookingRequest, input);
      const out = (await tenant(actor, (trx) => insert(trx, actor, req)))!;
      await send(actor, out.messages);
      return withTenant(deps.db, actor, (trx) => one(out.booking.id, trx));
    },

    async reschedule(actor: Actor, id: string, input: unknown) {
      const req = parseInput(RescheduleRequest, input);
      const ids = await tenant(actor, async (trx) => {
        const b = await one(id, trx);
        if (b.status === 'cancelled' || b.status === 'completed') throw new AppError('CONFLICT', `booking ${id} is ${b.status}`, [{ field: 'status', message: b.status }]);
        await withdrawReminder(b, trx);
        await sql`UPDATE voice_booking SET window_start = ${new Date(req.window_start)}, window_end = ${new Date(req.window_end)},
            estimator_id = ${req.estimator_id ?? b.estimator_id}, status = 'rescheduled', revision = revision + 1
          WHERE organization_id = app_org_id() AND id = ${id}`.execute(trx);
        return notify(trx, await one(id, trx), actor);
      });
      await send(actor, ids);
      return withTenant(deps.db, actor, (trx) => one(id, trx));
    },

    async setStatus(actor: Actor, id: string, status: 'cancelled' | 'completed') {
      return tenant(actor, async (trx) => {
        const b = await one(id, trx);
        if (b.status === status) return b;
        if (b.status === 'cancelled' || b.status === 'completed') throw new AppError('CONFLICT', `booking ${id} is ${b.status}`, [{ field: 'status', message: b.status }]);
        await withdrawReminder(b, trx);
        await sql`UPDATE voice_booking SET status = ${status} WHERE organization_id = app_org_id() AND id = ${id}`.execute(trx);
        return one(id, trx);
      });
    },

    show: (actor: Actor, id: string) => withTenant(deps.db, actor, (trx) => one(id, trx)),

    async list(actor: Actor, input: unknown) {
      const q = parseInput(ListBookingsQuery, input);
      return withTenant(deps.db, actor, async (trx) => (await sql<BookingRow>`${SELECT}
        WHERE b.organization_id = app_org_id()
          AND (${q.from ?? null}::timestamptz IS NULL OR b.window_end > ${q.from ?? null}::timestamptz)
          AND (${q.to ?? null}::timestamptz IS NULL OR b.window_start < ${q.to ?? null}::timestamptz)
          AND (${q.estimator ?? null}::uuid IS NULL OR b.estimator_id = ${q.estimator ?? null}::uuid)
          AND (${q.lead ?? null}::uuid IS NULL OR b.lead_id = ${q.lead ?? null}::uuid)
          AND (${q.status ?? null}::text IS NULL OR b.status = ${q.status ?? null}::text)
        ORDER BY b.window_start LIMIT ${q.limit}`.execute(trx)).rows);
    },
  };
}

export type Bookings = ReturnType<typeof createBookings>;
