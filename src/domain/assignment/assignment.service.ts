import { z } from 'zod';
import type { Expression, SqlBool } from 'kysely';
import { AppError, notFound } from '../../app/errors.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { LEAD_STATUSES } from '../../db/schema.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { filterConditions } from '../leads/leads.repository.ts';
import { segmentConditionsOf } from '../segments/segments.service.ts';
import { tenancyRepository } from '../tenancy/tenancy.repository.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { assignmentRepository as repo, CLOSED_STATUSES } from './assignment.repository.ts';
import { cityTerritory, describeTerritory, ownedElsewhere, territoryRepository, zipTerritory, type TerritoryKey } from './territories.ts';

// Handing leads to people: in bulk by a strategy (round robin, least loaded, territory) or one
// lead by hand. A run takes the organization's assignment lock, so runs at once take turns; it
// hands out only unassigned leads unless told to reassign, so running it again changes nothing.

const STRATEGIES = ['round_robin', 'least_loaded', 'territory'] as const;
const OPEN_STATUSES = LEAD_STATUSES.filter((s) => !(CLOSED_STATUSES as readonly string[]).includes(s));

export const AssignRequest = z.strictObject({
  strategy: z.enum(STRATEGIES),
  segment: z.string().trim().min(1).max(100).optional().describe('a saved segment (name or id): only its leads'),
  status: z.array(z.enum(LEAD_STATUSES)).min(1).optional().describe('only leads in these statuses (default: every open status)'),
  unassigned_only: z.boolean().default(true).describe('false hands out assigned leads afresh too'),
  limit: z.number().int().min(1).max(1_000_000).optional().describe('at most this many leads, best lead score first'),
});
export type AssignRequest = z.input<typeof AssignRequest>;

export const AssignLeadRequest = z.strictObject({
  lead_id: z.string().min(1),
  to: z.string().trim().min(1).describe('a user id or email, or none to unassign'),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const TerritoryRequest = z.strictObject({
  user: z.string().trim().min(1).describe('a user id or email'),
  zip: z.array(z.string()).max(1000).default([]),
  city: z.array(z.string()).max(1000).default([]).describe('"Austin, TX"'),
}).refine((t) => t.zip.length + t.city.length > 0, { message: 'give at least one zip or city' });

export interface AgentSummary {
  user_id: string;
  email: string;
  role: string;
  /** Leads this run gave to the user. */
  assigned: number;
  /** The user's open leads after the run. */
  open_leads: number;
}

export interface AssignResult {
  strategy: (typeof STRATEGIES)[number];
  /** Leads the run selected and planned an owner for. */
  selected: number;
  /** Leads whose owner changed (one history row each). */
  assigned: number;
  /** Selected leads that stayed with the owner they had. */
  unchanged: number;
  agents: AgentSummary[];
}

async function findUser(ref: string, trx: Trx) {
  const u = await tenancyRepository.findUser(ref, trx);
  if (!u) throw new AppError('NOT_FOUND', `user ${ref} was not found (see \`porchlight user list\`)`, [{ field: 'user', message: 'not found' }]);
  return u;
}

const REASONS = { round_robin: 'round robin', least_loaded: 'fewest open leads', territory: null } as const;

export function createAssignmentService(deps: { db: Database }) {
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  return {
    /** Hand the selected leads out by a strategy, in one transaction under the assignment lock. */
    async assign(actor: Actor, input: unknown): Promise<AssignResult> {
      requireRole(actor, 'manager', 'assign leads');
      const req = parseInput(AssignRequest, input);
      return tenant(actor, async (trx) => {
        await repo.lockCursor(trx);
        if ((await repo.activeAgentCount(trx)) === 0) {
          throw new AppError('VALIDATION', 'no active agents to assign to: add one with `porchlight user create --role agent`', [{ field: 'strategy', message: 'no active agents' }]);
        }
        const where: Expression<SqlBool>[] = [...filterConditions({ status: req.status ?? OPEN_STATUSES })];
        if (req.segment) where.push(...(await segmentConditionsOf(req.segment, trx)));
        await repo.announce(req.strategy, REASONS[req.strategy], trx);
        const plan = await repo.plan(req.strategy, { where, unassignedOnly: req.unassigned_only, limit: req.limit ?? null }, trx);
        const by = await repo.apply(plan, req.unassigned_only, trx);
        const dealt = plan.filter((p) => p.rr !== null);
        if (dealt.length) await repo.moveCursor(dealt.reduce((a, b) => (b.rr! > a.rr! ? b : a)).user_id, dealt.length, trx);
        const agents = (await repo.loads([...by.keys()], trx)).map((a) => ({ ...a, assigned: by.get(a.user_id) ?? 0 }));
        const assigned = [...by.values()].reduce((n, x) => n + x, 0);
        return { strategy: req.strategy, selected: plan.length, assigned, unchanged: plan.length - assigned, agents };
      });
    },

    /** One lead to one user (or to nobody), by hand. */
    async assignLead(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'assign leads');
      const req = parseInput(AssignLeadRequest, input);
      if (!isUuid(req.lead_id)) throw notFound('lead', req.lead_id);
      return tenant(actor, async (trx) => {
        const to = req.to.toLowerCase() === 'none' ? null : await findUser(req.to, trx);
        if (to && !to.is_active) throw new AppError('VALIDATION', `to: ${to.email} is deactivated`, [{ field: 'to', message: 'deactivated' }]);
        await repo.announce('manual', req.reason ?? null, trx);
        const r = await repo.assignOne(req.lead_id, to?.id ?? null, trx);
        if (!r) throw notFound('lead', req.lead_id);
        return { lead_id: req.lead_id, from_user_id: r.from, to_user_id: r.to, to_email: to?.email ?? null, changed: r.changed };
      });
    },

    /** Who held the lead, and how each change came about. Agents see the history of their own leads. */
    async history(actor: Actor, leadId: string) {
      if (!isUuid(leadId)) throw notFound('lead', leadId);
      return tenant(actor, async (trx) => {
        const lead = await trx.selectFrom('lead').select(['id', 'assignee_id']).where('id', '=', leadId).where('deleted_at', 'is', null).executeTakeFirst();
        if (!lead) throw notFound('lead', leadId);
        return { lead_id: lead.id, assignee_id: lead.assignee_id, data: await repo.history(leadId, trx) };
      });
    },

    /** Give ZIPs and cities to a user. A territory someone else owns is a CONFLICT naming them; one already theirs is fine. */
    async setTerritories(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'set territories');
      const req = parseInput(TerritoryRequest, input);
      const keys = dedupe([...req.zip.map(zipTerritory), ...req.city.map(cityTerritory)]);
      return tenant(actor, async (trx) => {
        const user = await findUser(req.user, trx);
        if (!user.is_active) throw new AppError('VALIDATION', `user: ${user.email} is deactivated`, [{ field: 'user', message: 'deactivated' }]);
        const rows = await territoryRepository.add(actor.organizationId, user.id, keys, actor.userId, trx);
        ownedElsewhere(rows, user.id);
        const named = (added: boolean) => rows.filter((r) => r.added === added).map((r) => describeTerritory(r as TerritoryKey));
        return { user_id: user.id, email: user.email, added: named(true), kept: named(false) };
      });
    },

    async removeTerritories(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'remove territories');
      const req = parseInput(TerritoryRequest, input);
      const keys = dedupe([...req.zip.map(zipTerritory), ...req.city.map(cityTerritory)]);
      return tenant(actor, async (trx) => {
        const user = await findUser(req.user, trx);
        const removed: string[] = [];
        for (const k of keys) {
          if (!(await territoryRepository.remove(user.id, k, trx))) {
            throw new AppError('NOT_FOUND', `${describeTerritory(k)} is not ${user.email}'s territory`, [{ field: k.kind, message: 'not found' }]);
          }
          removed.push(describeTerritory(k));
        }
        return { user_id: user.id, email: user.email, removed };
      });
    },

    async listTerritories(actor: Actor, input: { user?: string } = {}) {
      return tenant(actor, async (trx) => {
        const user = input.user ? await findUser(input.user, trx) : null;
        return { data: await territoryRepository.list(user?.id ?? null, trx) };
      });
    },
  };
}

function dedupe(keys: TerritoryKey[]) {
  const seen = new Map(keys.map((k) => [`${k.kind}|${k.value}|${k.state}`, k]));
  return [...seen.values()];
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;
