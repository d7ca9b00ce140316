import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { LEAD_STATUSES, TIERS } from '../../db/schema.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { storedSettings } from '../tenancy/org-settings.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { SCORER_NAMES, SCORERS, type ScorerName } from './scorers.ts';
import { mergeScoringSettings, readScoringSettings, writeScoringSettings } from './scoring-settings.ts';
import { scoringRepository as repo } from './scoring.repository.ts';
import { segmentConditionsOf } from '../segments/segments.service.ts';

// One scoring engine for every scorer: the selected leads are scored a chunk at a time, by
// every scorer asked for in one pass, each chunk in its own transaction, so a rescore of a million leads holds no lock for long and a
// rescore cut short is simply run again (a lead whose score did not move is not written).

export const ScoreRequest = z.object({
  /** One scorer, several (a list or 'roof,contagion'), or all. */
  scorer: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()) : v),
    z.array(z.string()).min(1).superRefine((names, ctx) => {
      const unknown = names.filter((n) => n !== 'all' && !(SCORER_NAMES as readonly string[]).includes(n));
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `'${unknown.join("', '")}' is not a scorer (${SCORER_NAMES.join(', ')}, or all)` });
    })).default(['all']),
  /** Leads whose parcel has a contagion score, or that had one (what a contagion run moves). */
  near_contagion: z.literal(true).optional(),
  lead_ids: z.array(z.uuid()).min(1).max(10_000).optional(),
  status: z.array(z.enum(LEAD_STATUSES)).min(1).optional(),
  tier: z.array(z.enum(TIERS)).min(1).optional(),
  tags: z.array(z.string().min(1).max(50)).min(1).optional(),
  zip: z.array(z.string().regex(/^\d{5}$/, 'a 5-digit ZIP')).min(1).optional(),
  source: z.string().min(1).max(100).optional(),
  /** A saved segment (name or id): only its leads. */
  segment: z.string().trim().min(1).max(100).optional(),
}).strict();
export type ScoreRequest = z.input<typeof ScoreRequest>;

export interface ScoreProgress {
  /** The scorer, or all: every scorer asked for scores a chunk in the same pass. */
  scorer: string;
  done: number;
  total: number;
}

export interface ScorerOutcome {
  scorer: ScorerName;
  version: number;
  /** Leads the scorer could score (motivation and roof need a parcel). */
  scored: number;
  /** Leads whose score moved, each with a history row. */
  changed: number;
  /** Leads whose score, label or urgency from this scorer moved (a lead is written once for all). */
  updated: number;
  /** The whole rescore's time: the scorers score each chunk in one pass. */
  seconds: number;
  standing: { label: string | null; n: number; avg: number | null }[];
}

const CHUNK = 10_000;

export function createScoringService(deps: { db: Database; chunkSize?: number }) {
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  const size = deps.chunkSize ?? CHUNK;

  return {
    /** Rescore the selected leads (all of the organization's by default) with one or every scorer. */
    async rescore(actor: Actor, input: unknown, onProgress?: (p: ScoreProgress) => void): Promise<ScorerOutcome[]> {
      requireRole(actor, 'manager', 'rescore leads');
      const req = parseInput(ScoreRequest, input);
      const { scorer: which, segment, ...rest } = req;
      const filter = { ...rest, where: segment ? await tenant(actor, (trx) => segmentConditionsOf(segment, trx)) : undefined };
      const { settings, total: selected } = await tenant(actor, async (trx) => ({ settings: await readScoringSettings(trx), total: await repo.count(filter, trx) }));
      const names = which.includes('all') ? SCORER_NAMES : SCORER_NAMES.filter((n) => which.includes(n));
      const scorers = names.map((name) => SCORERS[name]);
      const started = performance.now();
      const total = Object.fromEntries(scorers.map((x) => [x.name, { scored: 0, changed: 0, updated: 0 }]));
      let done = 0;
      for (let after: string | null = null; ;) {
        const r = await tenant(actor, async (trx) => {
          const ids = await repo.nextLeads(filter, after, size, trx);
          return ids.length ? { ids, by: await repo.applyChunk(scorers, ids, settings, trx) } : null;
        });
        if (!r) break;
        after = r.ids.at(-1)!;
        for (const [name, c] of Object.entries(r.by)) {
          const t = total[name]!;
          t.scored += c.scored;
          t.changed += c.changed;
          t.updated += c.updated;
        }
        done += r.ids.length;
        onProgress?.({ scorer: which.join(','), done, total: selected });
      }
      const seconds = (performance.now() - started) / 1000;
      const out: ScorerOutcome[] = [];
      for (const scorer of scorers) {
        const standing = await tenant(actor, (trx) => repo.standing(scorer, filter, trx));
        out.push({ scorer: scorer.name, version: scorer.version, ...total[scorer.name]!, seconds, standing });
      }
      return out;
    },

    settings: (actor: Actor) => tenant(actor, (trx) => readScoringSettings(trx)),

    async updateSettings(actor: Actor, patch: unknown) {
      requireRole(actor, 'admin', 'change the scoring weights');
      return tenant(actor, async (trx) => {
        const next = mergeScoringSettings(await storedSettings('scoring', trx), patch);
        await writeScoringSettings(next, trx);
        return next;
      });
    },
  };
}

export type ScoringService = ReturnType<typeof createScoringService>;
