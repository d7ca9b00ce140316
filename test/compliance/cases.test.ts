import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { decide, type GateFacts } from '../../src/domain/compliance/gate.ts';
import { locateRecipient } from '../../src/domain/compliance/recipient.ts';
import { classifySms } from '../../src/domain/compliance/sms-keywords.ts';
import { timing, type TimedChannel } from '../../src/domain/compliance/timing.ts';

// Every case file in cases/ (README.md there says the format): facts in, decision out. A new case
// is a line in a file, not code.

interface Case {
  id: string;
  kind: string;
  source?: string;
  facts: Record<string, unknown>;
  expected: Record<string, unknown>;
}

const DIR = path.join(import.meta.dirname, 'cases');
const DECIDE: Record<string, (facts: Record<string, unknown>) => object> = {
  sms_keyword: (f) => classifySms(String(f.text)),
  timing: (f) => {
    const where = locateRecipient({ phone: f.phone as string, mailingZip: f.mailing_zip as string | undefined, mailingState: f.mailing_state as string | undefined });
    const a = timing({
      channel: f.channel as TimedChannel, ...where, at: new Date(String(f.at)), prior: ((f.prior as string[]) ?? []).map((p) => new Date(p)),
      hasConsent: f.consent === 'pec' || f.consent === 'pewc',
    });
    if (a.allowed) return { decision: 'ALLOW' };
    if ('never' in a) return { decision: 'DENY', reason: a.reason, reasons: a.reasons };
    const until = DateTime.fromJSDate(a.until).setZone(where.primaryZone ?? 'America/New_York').toISO({ suppressMilliseconds: true });
    return { decision: 'DEFER', until, reason: a.reason, reasons: a.reasons };
  },
  gate: (f) => {
    const d = decide(dates(f) as GateFacts);
    if (d.decision !== 'DEFER') return d;
    const zone = locateRecipient({ phone: f.phone as string, mailingZip: f.mailingZip as string | undefined, mailingState: f.mailingState as string | undefined }).primaryZone;
    return { ...d, until: DateTime.fromJSDate(d.until).setZone(zone ?? 'America/New_York').toISO({ suppressMilliseconds: true }) };
  },
};

/** ISO instants in a case's facts, as dates (a ZIP or a phone is not one). */
const dates = (v: unknown): unknown => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v)
  : Array.isArray(v) ? v.map(dates) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dates(x)])) : v);

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('compliance cases', () => {
  it('has case files, each case well formed and of a known kind, ids unique', () => {
    expect(files.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const f of files) {
      for (const c of JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Case[]) {
        expect(Object.keys(DECIDE), `${f} ${c.id}`).toContain(c.kind);
        expect(ids.has(c.id), `${f}: ${c.id} twice`).toBe(false);
        ids.add(c.id);
      }
    }
  });

  for (const f of files) {
    const cases = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Case[];
    describe(f, () => {
      it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
        expect(DECIDE[c.kind]!(c.facts), c.source).toMatchObject(c.expected);
      });
    });
  }
});
