import { sql } from 'kysely';
import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { normalizeEmail, normalizePhone } from '../identity/normalize-contact.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';

// The organization's own do-not-contact list: phones and emails kept by their keyed hash (the
// value itself is not stored), so routing can match them against any owner's contact points.
// Anyone may add (an owner asked an agent not to call again); taking off needs a manager (the
// table's policies say so too).

const Entry = z.object({
  phone: z.string().trim().min(1).optional(),
  email: z.string().trim().min(1).optional(),
  reason: z.string().trim().max(500).optional(),
  source: z.string().trim().min(1).max(100).optional(),
}).strict().refine((e) => !!e.phone !== !!e.email, { message: 'give a phone or an email (one of them)' });

function contactOf(e: z.output<typeof Entry>): { kind: 'phone' | 'email'; value: string } {
  if (e.phone) {
    const value = normalizePhone(e.phone);
    if (!value) throw validation('phone', `'${e.phone}' is not a phone number`);
    return { kind: 'phone', value };
  }
  const value = normalizeEmail(e.email!);
  if (!value) throw validation('email', `'${e.email}' is not an email address`);
  return { kind: 'email', value };
}

export function createDncService(deps: { db: Database; pii: Pii }) {
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  return {
    /** Put a phone or email on the list; adding it again changes nothing. */
    async add(actor: Actor, input: unknown) {
      const e = parseInput(Entry, input);
      const { kind, value } = contactOf(e);
      return tenant(actor, async (trx) => {
        const r = await sql<{ id: string; display: string; added: boolean }>`
          INSERT INTO dnc_entry (organization_id, kind, value_hash, display, reason, source, created_by)
          VALUES (app_org_id(), ${kind}, ${deps.pii.hash(value)}, ${maskContact(kind, value)}, ${e.reason ?? null}, ${e.source ?? 'manual'}, app_user_id())
          ON CONFLICT (organization_id, kind, value_hash) DO UPDATE SET reason = coalesce(dnc_entry.reason, EXCLUDED.reason)
          RETURNING id, display, (xmax = 0) AS added`.execute(trx);
        return { kind, ...r.rows[0]! };
      });
    },

    /** Take a phone or email off the list. */
    async remove(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'take a phone or email off the do-not-contact list');
      const { kind, value } = contactOf(parseInput(Entry, input));
      return tenant(actor, async (trx) => {
        const r = await sql<{ id: string }>`
          DELETE FROM dnc_entry WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${deps.pii.hash(value)} RETURNING id`.execute(trx);
        if (!r.rows[0]) throw notFound(`${kind} on the do-not-contact list`, maskContact(kind, value));
        return { kind, id: r.rows[0].id, removed: true };
      });
    },

    list: (actor: Actor) => tenant(actor, async (trx) => (await sql<{ id: string; kind: string; display: string; reason: string | null; source: string; created_at: Date }>`
      SELECT id, kind, display, reason, source, created_at FROM dnc_entry WHERE organization_id = app_org_id() ORDER BY created_at DESC, id`.execute(trx)).rows),
  };
}

export type DncService = ReturnType<typeof createDncService>;
