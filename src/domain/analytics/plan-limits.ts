// What each plan allows (organization.plan). Billable leads are Fish Mouth's: a roof lead at the
// billable score is billed once a month (billing_usage 'roof_leads'). A trial gets 25 of them
// for the whole trial (Fish Mouth's trial_leads_remaining, which never renews); paid plans get
// a monthly allowance; enterprise is not limited. Messages and voice minutes are billed as used
// and not capped by the plan, so they have no limit here.

export type Plan = 'trial' | 'professional' | 'enterprise';

export interface PlanLimit {
  /** Billable leads allowed, or null for no limit. */
  billable_leads: number | null;
  /** 'trial': counted over the whole trial; 'month': counted per calendar month (UTC). */
  scope: 'trial' | 'month';
}

export const PLAN_LIMITS: Record<Plan, PlanLimit> = {
  trial: { billable_leads: 25, scope: 'trial' },
  professional: { billable_leads: 500, scope: 'month' },
  enterprise: { billable_leads: null, scope: 'month' },
};

export interface Allowance {
  limit: number | null;
  scope: 'trial' | 'month';
  /** What counts against the limit: this month's billable leads, or the trial's to date. */
  counted: number;
  /** limit - counted, never below 0; null without a limit. */
  remaining: number | null;
  over_limit: boolean;
}

/** The allowance for a month, given its billable leads and all billable leads up to its end. */
export function allowanceFor(plan: Plan, thisMonth: number, toDate: number): Allowance {
  const { billable_leads: limit, scope } = PLAN_LIMITS[plan];
  const counted = scope === 'trial' ? toDate : thisMonth;
  return { limit, scope, counted, remaining: limit === null ? null : Math.max(0, limit - counted), over_limit: limit !== null && counted > limit };
}
