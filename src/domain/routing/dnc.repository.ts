import { sql } from 'kysely';
import { copyRows } from '../../db/bulk.ts';
import { asSessionRole, type Trx } from '../../db/tenant.ts';

// The organization's own do-not-contact list in bulk (a CSV of phones and emails), and what
// `dnc check` shows about one phone or email: its entry and its consents.

export interface ListRow {
  line: number;
  kind: 'phone' | 'email';
  hash: Buffer;
  display: string;
  reason: string | null;
  source: string;
}

/** The staging table of a list import; see prepareRegistryStage for why it is made before the transaction. */
export async function prepareListStage(trx: Trx) {
  await sql`CREATE TEMP TABLE dnc_list_stage (line integer NOT NULL, kind text NOT NULL, value_hash bytea NOT NULL, display text NOT NULL, reason text, source text NOT NULL) ON COMMIT DROP`.execute(trx);
  await sql`GRANT SELECT, INSERT ON dnc_list_stage TO porchlight_app`.execute(trx);
}

export async function stageListRows(trx: Trx, rows: ListRow[]) {
  if (!rows.length) return;
  // bytea travels as its hex text form, which COPY and the INSERT fallback both read
  await asSessionRole(trx, () => copyRows(trx, 'dnc_list_stage', ['line', 'kind', 'value_hash', 'display', 'reason', 'source'],
    rows.map((r) => [r.line, r.kind, `\\x${r.hash.toString('hex')}`, r.display, r.reason, r.source])));
}

/**
 * Every staged phone and email on the list in one statement, each once (its first line's reason
 * and source). One already listed keeps its entry as it is: nothing is updated, so an agent may
 * import (adding is anyone's; changing an entry is a manager's).
 */
export async function mergeListRows(trx: Trx): Promise<{ added: number; distinct_values: number }> {
  const r = await sql<{ added: number; distinct_values: number }>`
    WITH added AS (
      INSERT INTO dnc_entry (organization_id, kind, value_hash, display, reason, source, created_by)
      SELECT DISTINCT ON (kind, value_hash) app_org_id(), kind, value_hash, display, reason, source, app_user_id()
      FROM dnc_list_stage ORDER BY kind, value_hash, line
      ON CONFLICT (organization_id, kind, value_hash) DO NOTHING
      RETURNING 1)
    SELECT (SELECT count(*)::int FROM added) AS added, (SELECT count(*)::int FROM (SELECT DISTINCT kind, value_hash FROM dnc_list_stage) d) AS distinct_values`.execute(trx);
  return r.rows[0]!;
}

export async function findListEntry(trx: Trx, kind: 'phone' | 'email', hash: Buffer) {
  const r = await sql<{ reason: string | null; source: string; created_at: Date }>`
    SELECT reason, source, created_at FROM dnc_entry WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${hash}`.execute(trx);
  return r.rows[0] ?? null;
}

/** The consents kept for a phone or email, newest first, revoked ones included. */
export async function consentsOf(trx: Trx, kind: 'phone' | 'email', hash: Buffer) {
  const r = await sql<{ seller_name: string; scope: string[]; type: 'pec' | 'pewc'; captured_at: Date; revoked_at: Date | null; revoke_channel: string | null }>`
    SELECT seller_name, scope, type, captured_at, revoked_at, revoke_channel FROM consent
    WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${hash} ORDER BY captured_at DESC, id`.execute(trx);
  return r.rows;
}
