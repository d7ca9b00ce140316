import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { LeadStatus } from '../../db/schema.ts';
import { withOwner, withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { computeAddrHash } from '../identity/addr-hash.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import type { TenancyService } from '../tenancy/tenancy.service.ts';
import { tenancyRepository } from '../tenancy/tenancy.repository.ts';
import { demoId, demoRecords } from './demo-data.ts';

// The demo organization: an owner, a manager, two agents and about 200 leads with properties,
// people and contact points. Loading it again changes nothing; its API key is kept by the
// caller's key store so every start prints a key that works.

export const DEMO_SLUG = 'demo';
const DEMO_USERS = [
  { email: 'owner@demo.example.com', full_name: 'Olivia Owner', role: 'owner' },
  { email: 'manager@demo.example.com', full_name: 'Marcus Manager', role: 'manager' },
  { email: 'agent.one@demo.example.com', full_name: 'Avery Agent', role: 'agent' },
  { email: 'agent.two@demo.example.com', full_name: 'Alex Agent', role: 'agent' },
] as const;

const PATH_TO: Record<LeadStatus, LeadStatus[]> = {
  new: [],
  contacted: ['contacted'],
  qualified: ['contacted', 'qualified'],
  nurturing: ['contacted', 'nurturing'],
  appointment_scheduled: ['contacted', 'qualified', 'appointment_scheduled'],
  proposal_sent: ['contacted', 'qualified', 'appointment_scheduled', 'proposal_sent'],
  closed_won: ['contacted', 'qualified', 'appointment_scheduled', 'proposal_sent', 'closed_won'],
  closed_lost: ['contacted', 'qualified', 'closed_lost'],
  dnc: ['contacted', 'dnc'],
  enriched: ['enriched'],
  contactable: ['enriched', 'contactable'],
  do_not_contact: ['do_not_contact'],
};

export interface KeyStore {
  read(): string | undefined;
  write(key: string): void;
}

export function createDemoService(deps: { db: Database; pii: Pii; tenancy: TenancyService }) {
  const { db, pii, tenancy } = deps;

  async function loadRecords(actor: Actor, count: number) {
    const org = actor.organizationId;
    const records = demoRecords(count);
    return withTenant(db, actor, async (trx) => {
      const users = await tenancyRepository.listUsers(trx);
      const agents = DEMO_USERS.filter((u) => u.role === 'agent').map((u) => users.find((x) => x.email === u.email)?.id ?? null);
      await trx
        .insertInto('property')
        .values(records.map((r) => ({
          organization_id: org, id: demoId(org, 'property', r.n), ...r.property,
          addr_hash: computeAddrHash(r.property.normalized_line, r.property.city, r.property.state, r.property.zip),
        })))
        .onConflict((oc) => oc.columns(['organization_id', 'id']).doNothing())
        .execute();
      await trx
        .insertInto('person')
        .values(records.map((r) => ({ organization_id: org, id: demoId(org, 'person', r.n), ...r.person })))
        .onConflict((oc) => oc.columns(['organization_id', 'id']).doNothing())
        .execute();
      const points = records.flatMap((r) => [
        ...r.phones.map((p) => ({ kind: 'phone' as const, value: p.value, type: p.type, score: p.score, verified: p.verified, n: r.n })),
        ...r.emails.map((e) => ({ kind: 'email' as const, value: e.value, type: 'personal', score: e.score, verified: e.verified, n: r.n })),
      ]);
      if (points.length > 0) {
        await trx
          .insertInto('contact_point')
          .values(points.map((p) => ({
            organization_id: org, person_id: demoId(org, 'person', p.n), kind: p.kind, ...pii.seal(p.value),
            value_hash: pii.hash(p.value), display: maskContact(p.kind, p.value), type: p.type, score: p.score,
            verified: p.verified, sources: ['demo'], first_seen_at: new Date(), last_seen_at: new Date(),
          })))
          .onConflict((oc) => oc.columns(['organization_id', 'person_id', 'kind', 'value_hash']).doNothing())
          .execute();
      }
      const inserted = await trx
        .insertInto('lead')
        .values(records.map((r) => {
          const { agent, status: _s, ...lead } = r.lead;
          return {
            organization_id: org, id: demoId(org, 'lead', r.n), person_id: demoId(org, 'person', r.n),
            property_id: demoId(org, 'property', r.n), source: 'demo', vendor_record_id: `demo-${String(r.n).padStart(4, '0')}`,
            ...lead, assignee_id: agent === null ? null : agents[agent] ?? null, first_seen_at: new Date(), last_seen_at: new Date(),
          };
        }))
        .onConflict((oc) => oc.columns(['organization_id', 'id']).doNothing())
        .returning('id')
        .execute();
      if (inserted.length > 0) await walkPipeline(records.map((r) => ({ id: demoId(org, 'lead', r.n), status: r.lead.status, score: r.lead.lead_score })), new Set(inserted.map((l) => l.id)), trx);
      return inserted.length;
    });
  }

  // New leads walk to their demo status through the pipeline's steps, so status history (and
  // the funnel built on it) has something to show; each gets its first score row.
  async function walkPipeline(leads: { id: string; status: LeadStatus; score: number }[], fresh: Set<string>, trx: Trx) {
    const mine = leads.filter((l) => fresh.has(l.id));
    for (let step = 0; step < 5; step++) {
      const byStatus = new Map<LeadStatus, string[]>();
      for (const l of mine) {
        const to = PATH_TO[l.status][step];
        if (to) byStatus.set(to, [...(byStatus.get(to) ?? []), l.id]);
      }
      for (const [status, ids] of byStatus) await trx.updateTable('lead').set({ status }).where('id', 'in', ids).execute();
    }
    await trx
      .insertInto('lead_score_history')
      .values(mine.map((l) => ({ organization_id: sql<string>`app_org_id()`, lead_id: l.id, scorer: 'demo', version: 1, score: l.score, factors: JSON.stringify({ source: 'demo data set' }) })))
      .execute();
  }

  return {
    /** Make sure the demo organization, its users and data exist; return it with a working API key. */
    async ensureDemo(keys: KeyStore, count = 200) {
      let org = await withOwner(db, 'demo', (trx) => tenancyRepository.findOrganization(DEMO_SLUG, trx));
      const created = !org;
      org ??= await tenancy.createOrganization({ slug: DEMO_SLUG, name: 'Demo Realty & Roofing' }, 'demo');
      const actor = { ...tenancy.operator(org.id, 'demo') };
      const users = await tenancy.listUsers(actor);
      for (const u of DEMO_USERS) if (!users.some((x) => x.email === u.email)) await tenancy.createUser(actor, u);
      const leadsAdded = await loadRecords(actor, count);
      // fresh statistics for the planner: the embedded engine has no autovacuum to gather them
      if (leadsAdded > 0) await withOwner(db, 'demo', (trx) => sql`ANALYZE property, person, contact_point, lead`.execute(trx));
      let apiKey = keys.read();
      const works = apiKey ? await tenancy.authenticate(apiKey).then((a) => a.organizationId === org.id, () => false) : false;
      if (!works) {
        apiKey = (await tenancy.createApiKey(actor, { user: DEMO_USERS[0].email, name: 'demo' })).key;
        keys.write(apiKey);
      }
      return { organization: org, api_key: apiKey!, created, leads_added: leadsAdded, users: DEMO_USERS.map((u) => ({ email: u.email, role: u.role })) };
    },
  };
}

export type DemoService = ReturnType<typeof createDemoService>;
