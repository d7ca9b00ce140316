import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import type { Pii } from '../pii/pii.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { leadsRepository as repo, type LeadFilter } from './leads.repository.ts';
import { leadFilterOf, ListLeadsQuery } from './leads.service.ts';

// Exporting leads: the list's filters, every matching lead with its owner, parcel, phones and
// emails in the clear. Exports carry contact data out of the system, so each one writes an
// export row to audit_log (who, which filter, how many) before the first row leaves.

export const EXPORT_COLUMNS = [
  'id', 'status', 'tier', 'lead_score', 'quality_score', 'source', 'tags', 'owner_name', 'is_company',
  'address_line1', 'city', 'state', 'zip', 'phones', 'emails', 'dnc_phones', 'created_at',
] as const;
export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], unknown>;

const PAGE = 1000;

export function createLeadExport(deps: { db: Database; pii: Pii }) {
  const { db, pii } = deps;

  return async function* exportLeads(actor: Actor, query: unknown, format: 'csv' | 'json'): AsyncGenerator<ExportRow[]> {
    // contact data in the clear, in bulk, out of the system: a manager's call
    requireRole(actor, 'manager', 'export leads');
    const q = parseInput(ListLeadsQuery, { ...(query as object), sort: 'created_at', limit: 200 });
    let filter: LeadFilter | undefined;
    let after: { key: string; id: string } | undefined;
    let first = true;
    for (;;) {
      const rows = await withTenant(db, actor, async (trx) => {
        filter ??= await leadFilterOf(q, actor, trx);
        if (first) {
          const count = await repo.count(filter, trx);
          const { where: _w, ...asked } = filter;
          await repo.recordAccess({ action: 'export', entity: 'lead', entity_id: null, details: { filter: { ...asked, segment: q.segment }, format, count } }, trx);
        }
        const page = await repo.list(filter, { sort: 'created_at', direction: 'asc', limit: PAGE, after }, trx);
        const personIds = [...new Set(page.map((r) => r.person_id).filter((x): x is string => !!x))];
        return { page, points: await repo.contactPointsOfMany(personIds, trx) };
      });
      first = false;
      const byPerson = new Map<string, typeof rows.points>();
      for (const p of rows.points) (byPerson.get(p.person_id) ?? byPerson.set(p.person_id, []).get(p.person_id)!).push(p);
      const slice = rows.page.slice(0, PAGE);
      yield slice.map((l) => {
        const points = (l.person_id && byPerson.get(l.person_id)) || [];
        const values = (kind: string, dnc?: boolean) =>
          points.filter((p) => p.kind === kind && (dnc === undefined || p.dnc === dnc)).map((p) => pii.open(p));
        return {
          id: l.id, status: l.status, tier: l.tier, lead_score: l.lead_score, quality_score: l.quality_score, source: l.source,
          tags: l.tags.join(';'), owner_name: l.owner_name, is_company: l.is_company, address_line1: l.address_line1, city: l.city,
          state: l.state, zip: l.zip, phones: values('phone', false).join(';'), emails: values('email').join(';'),
          dnc_phones: values('phone', true).join(';'), created_at: l.created_at,
        };
      });
      if (rows.page.length <= PAGE) return;
      const last = slice[slice.length - 1]!;
      after = { key: last.sort_key, id: last.id };
    }
  };
}
