import { describe, expect, it } from 'vitest';
import { allowanceFor } from './plan-limits.ts';

describe('plan allowances', () => {
  it('counts a trial over its whole life and paid plans by the month', () => {
    expect(allowanceFor('trial', 3, 4)).toEqual({ limit: 25, scope: 'trial', counted: 4, remaining: 21, over_limit: false });
    expect(allowanceFor('trial', 10, 30)).toEqual({ limit: 25, scope: 'trial', counted: 30, remaining: 0, over_limit: true });
    expect(allowanceFor('professional', 3, 4)).toEqual({ limit: 500, scope: 'month', counted: 3, remaining: 497, over_limit: false });
    expect(allowanceFor('enterprise', 9000, 9000)).toEqual({ limit: null, scope: 'month', counted: 9000, remaining: null, over_limit: false });
  });
});
