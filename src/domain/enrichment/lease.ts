import os from 'node:os';
import { sql } from 'kysely';
import { AppError } from '../../app/errors.ts';
import type { Trx } from '../../db/tenant.ts';

// One process works a run at a time. It holds a lease on the run's row ('host:pid' until a
// time) and renews it as it goes. Another process may take the run over once the lease lapses,
// or at once when the holder is a process on this machine that no longer exists (killed), so a
// restart after kill -9 resumes without waiting.

export const LEASE_SECONDS = 30;
export const ME = `${os.hostname()}:${process.pid}`;

export function holderIsGone(owner: string | null): boolean {
  if (!owner) return true;
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== os.hostname()) return false; // another machine: wait for the lease to lapse
  const pid = Number(owner.slice(at + 1));
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Take or renew the lease on a run; CONFLICT when a live process holds it. */
export async function takeLease(table: 'enrichment_run' | 'pull_run', id: string, trx: Trx) {
  const row = await sql<{ lease_owner: string | null; lapsed: boolean }>`
    SELECT lease_owner, lease_until IS NULL OR lease_until < now() AS lapsed FROM ${sql.table(table)} WHERE id = ${id} FOR UPDATE`.execute(trx);
  const current = row.rows[0];
  if (!current) throw new AppError('NOT_FOUND', `no run ${id}`);
  if (current.lease_owner && current.lease_owner !== ME && !current.lapsed && !holderIsGone(current.lease_owner)) {
    throw new AppError('CONFLICT', `run ${id} is being worked by ${current.lease_owner}; it resumes here if that process stops`);
  }
  await sql`UPDATE ${sql.table(table)} SET lease_owner = ${ME}, lease_until = now() + make_interval(secs => ${LEASE_SECONDS}) WHERE id = ${id}`.execute(trx);
}

export async function dropLease(table: 'enrichment_run' | 'pull_run', id: string, trx: Trx) {
  await sql`UPDATE ${sql.table(table)} SET lease_owner = NULL, lease_until = NULL WHERE id = ${id} AND lease_owner = ${ME}`.execute(trx);
}
