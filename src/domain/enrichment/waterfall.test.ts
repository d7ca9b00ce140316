import { describe, expect, it } from 'vitest';
import { allocate, callGroups, onePerContactPoint } from './waterfall.ts';

describe('allocate', () => {
  const c = (leadId: string, calls: number, costCents: number) => ({ leadId, calls, costCents });

  it('defers everything after the cap is reached, and skips only what the money cannot pay', () => {
    const out = allocate([c('a', 1, 15), c('b', 2, 30), c('c', 1, 15), c('d', 1, 15)], 3, 40);
    // b costs more than is left after a; c, cheaper, still fits; d then does not
    expect(out.reserve.map((x) => x.leadId)).toEqual(['a', 'c']);
    expect(out.overBudget.map((x) => x.leadId)).toEqual(['b', 'd']);
    expect(out.capped).toEqual([]);
    // past the cap, the rest waits for tomorrow, even a lead that would fit
    expect(allocate([c('a', 2, 1), c('b', 2, 1), c('c', 1, 1)], 3, 100).capped.map((x) => x.leadId)).toEqual(['b', 'c']);
  });
});

describe('callGroups', () => {
  const lead = (id: string) => ({ lead_id: id });
  const point = (id: string, kind: 'phone' | 'email') => ({ lead_id: id, kind });

  it('splits look-ups into requests of the provider\'s batch size', () => {
    const groups = callGroups(Array.from({ length: 250 }, (_, i) => lead(String(i))), [], { lookup: 100, phone: 1, email: 1 });
    expect(groups.map((g) => g.leads.length)).toEqual([100, 100, 50]);
  });

  it('keeps a lead\'s points together and each port within its batch size', () => {
    const points = [
      point('a', 'phone'), point('a', 'phone'), point('a', 'email'),
      point('b', 'phone'), point('b', 'email'), point('b', 'email'),
      point('c', 'phone'),
    ];
    const groups = callGroups([], points, { lookup: 1, phone: 3, email: 2 });
    expect(groups.map((g) => g.points.map((p) => p.lead_id).join(''))).toEqual(['aaa', 'bbbc']);
    for (const g of groups) {
      expect(g.points.filter((p) => p.kind === 'phone').length).toBeLessThanOrEqual(3);
      expect(g.points.filter((p) => p.kind === 'email').length).toBeLessThanOrEqual(2);
    }
  });

  it('gives a lead with more points than a request holds a group of its own', () => {
    const points = [point('a', 'phone'), point('b', 'phone'), point('b', 'phone'), point('b', 'phone'), point('c', 'phone')];
    const groups = callGroups([], points, { lookup: 1, phone: 2, email: 2 });
    expect(groups.map((g) => g.points.map((p) => p.lead_id).join(''))).toEqual(['a', 'bbb', 'c']);
  });

  it('makes no group of nothing', () => {
    expect(callGroups([], [], { lookup: 100, phone: 100, email: 100 })).toEqual([]);
  });
});

describe('onePerContactPoint', () => {
  it('keeps each contact point once, under its first lead, and names the leads left with nothing', () => {
    const p = (lead: string, cp: string) => ({ lead_id: lead, contact_point_id: cp });
    const out = onePerContactPoint([p('a', '1'), p('a', '2'), p('b', '1'), p('b', '2'), p('c', '2'), p('c', '3')]);
    expect(out.points).toEqual([p('a', '1'), p('a', '2'), p('c', '3')]);
    expect(out.emptied).toEqual(['b']);
  });
});
