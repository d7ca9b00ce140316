import { sql } from 'kysely';
import { notFound, validation } from '../../app/errors.ts';
import type { Actor, Trx } from '../../db/tenant.ts';
import { requireRole } from './tenancy.service.ts';

// Whose record a request is about: the user it names (by id or e-mail), else the caller. Acting
// for another user takes a manager. Used wherever records belong to one user (FAQ entries, clients).

export async function userIdByEmail(email: string, trx: Trx): Promise<string | null> {
  return (await sql<{ id: string }>`SELECT id FROM app_user WHERE organization_id = app_org_id() AND email = ${email.trim().toLowerCase()}`.execute(trx)).rows[0]?.id ?? null;
}

export async function actingFor(actor: Actor, r: { user_id?: string; user_email?: string }, trx: Trx, doing: string, what: string): Promise<string> {
  const id = r.user_id ?? (r.user_email ? await userIdByEmail(r.user_email, trx) : actor.userId);
  if (!id) throw r.user_email ? notFound('user', r.user_email) : validation('user_email', `name the user whose ${what} this is (--user EMAIL)`);
  if (id !== actor.userId) requireRole(actor, 'manager', `${doing} another user's ${what}`);
  return id;
}
