import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { readSettings as readEnrichmentSettings } from '../enrichment/settings.ts';
import { readScoringSettings } from '../scoring/scoring-settings.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { routingRepository as repo } from './routing.repository.ts';

// What follows from the scores: each lead's routing status from its quality score (thresholds
// in the enrichment settings, where the waterfall routes by the same numbers), and the billing
// of roof leads at the billable score (scoring settings, roof.billable_at).

export interface RouteOutcome {
  /** Leads whose status moved, by the status they moved to. */
  moved: { status: string; n: number }[];
  standing: { status: string; n: number; avg_quality: number | null }[];
  /** Roof leads billed now for this period (a lead already billed this period is not billed again). */
  billed: number;
  period: string;
  thresholds: { contactable: number; enriched: number; billable_at: number };
}

/** The first day of the month `at` falls in (UTC), as YYYY-MM-DD. */
export const monthOf = (at: Date) => `${at.toISOString().slice(0, 7)}-01`;

const ReadyRequest = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(250) }).strict();
const UsageRequest = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
}).strict();

export function createRoutingService(deps: { db: Database; now?: () => Date }) {
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  const now = deps.now ?? (() => new Date());

  return {
    /** Route every scored lead by its quality, then bill the roof leads that earned it this month. */
    async route(actor: Actor): Promise<RouteOutcome> {
      requireRole(actor, 'manager', 'route leads');
      const period = monthOf(now());
      return tenant(actor, async (trx) => {
        const e = await readEnrichmentSettings(trx);
        const s = await readScoringSettings(trx);
        const thresholds = { contactable: e.contactable_threshold, enriched: e.enriched_threshold };
        const moved = await repo.route(thresholds, trx);
        const billed = await repo.billRoofLeads(s.roof.billable_at, s.roof.billable_price_cents, period, trx);
        return { moved, standing: await repo.standing(trx), billed, period, thresholds: { ...thresholds, billable_at: s.roof.billable_at } };
      });
    },

    /** Contactable leads not yet in a campaign, best first. */
    async campaignReady(actor: Actor, input: unknown) {
      const { limit } = parseInput(ReadyRequest, input ?? {});
      return tenant(actor, (trx) => repo.campaignReady(limit, trx));
    },

    /** Billable usage per period and metric (this month when no dates are given). */
    async usage(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'see billable usage');
      const q = parseInput(UsageRequest, input ?? {});
      const from = q.from ?? monthOf(now());
      return tenant(actor, (trx) => repo.usage(from, q.to ?? '9999-12-31', trx));
    },
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
