import { z } from 'zod';
import { AppError, type ErrorDetail } from '../../app/errors.ts';
import { LEAD_STATUSES, REPLACEMENT_URGENCIES, TEMPERATURES, TIERS } from '../../db/schema.ts';
import { normalizeCity } from '../identity/normalize-address.ts';

// The segment filter language (docs/SEGMENTS.md): a JSON object whose keys are fields, each with
// its operators; keys are AND-ed, and `all`, `any` and `not` combine whole filters. Validated
// here into one canonical form (shorthands spelled out), which is what a segment stores and what
// compile-segment.ts turns into SQL. Every field maps to a fixed column below: nothing a user
// writes ever becomes SQL text.

type Kind = 'choice' | 'text' | 'number' | 'date' | 'boolean';
interface FieldDef {
  kind: Kind;
  /** The column on the aliases l (lead), p (property), pe (person). */
  column: string;
  values?: readonly string[];
  /** Compared whatever the case (city names, property types). */
  caseless?: boolean;
  pattern?: [RegExp, string];
  /** The stored form of a value (a city as parcels keep it: 'St. Louis' is SAINT LOUIS). */
  normalize?: (v: string) => string;
}

const choice = (column: string, values: readonly string[]): FieldDef => ({ kind: 'choice', column, values });
const text = (column: string, extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'text', column, ...extra });
const num = (column: string): FieldDef => ({ kind: 'number', column });
const date = (column: string): FieldDef => ({ kind: 'date', column });
const bool = (column: string): FieldDef => ({ kind: 'boolean', column });

export const FIELDS: Record<string, FieldDef> = {
  status: choice('l.status', LEAD_STATUSES),
  tier: choice('l.tier', TIERS),
  temperature: choice('l.temperature', TEMPERATURES),
  replacement_urgency: choice('l.replacement_urgency', REPLACEMENT_URGENCIES),
  source: text('l.source'),
  zip: text('p.zip', { pattern: [/^\d{5}$/, 'a 5-digit ZIP'] }),
  city: text('p.city', { caseless: true, normalize: (v) => normalizeCity(v) ?? v }),
  state: text('p.state', { caseless: true, pattern: [/^[A-Za-z]{2}$/, 'a 2-letter state'] }),
  county: text('p.county', { caseless: true }),
  subdivision: text('p.subdivision', { caseless: true }),
  property_type: text('p.property_type', { caseless: true }),
  roof_material: text('p.roof_material', { caseless: true }),
  quality_score: num('l.quality_score'),
  motivation_score: num('l.motivation_score'),
  lead_score: num('l.lead_score'),
  year_built: num('p.year_built'),
  bedrooms: num('p.bedrooms'),
  bathrooms: num('p.bathrooms'),
  living_area_sqft: num('p.living_area_sqft'),
  estimated_value_cents: num('p.estimated_value_cents'),
  equity_cents: num('p.equity_cents'),
  equity_percent: num('p.equity_percent'),
  mortgage_balance_cents: num('p.mortgage_balance_cents'),
  tax_debt_cents: num('p.tax_debt_cents'),
  violations: num('p.violations'),
  days_on_market: num('p.days_on_market'),
  condition_score: num('p.condition_score'),
  roof_age_years: num('p.roof_age_years'),
  roof_condition_score: num('p.roof_condition_score'),
  contagion_urgency: num('p.contagion_urgency'),
  owner_age: num('pe.age'),
  created_at: date('l.created_at'),
  updated_at: date('l.updated_at'),
  last_contacted_at: date('l.last_contacted_at'),
  next_follow_up_at: date('l.next_follow_up_at'),
  is_vacant: bool('p.is_vacant'),
  is_probate: bool('p.is_probate'),
  owner_occupied: bool('p.owner_occupied'),
  has_mortgage: bool('p.has_mortgage'),
  has_liens: bool('p.has_liens'),
  owner_is_company: bool('pe.is_company'),
};

/** Fields with a shape of their own, and the combinators. */
export const SPECIAL_FIELDS = ['tags', 'assignee', 'has_verified_phone', 'has_verified_email', 'near'] as const;
export const COMBINATORS = ['all', 'any', 'not'] as const;
export const FIELD_NAMES = [...Object.keys(FIELDS), ...SPECIAL_FIELDS, ...COMBINATORS];

const OPERATORS: Record<Kind | 'tags' | 'assignee' | 'near', string[]> = {
  choice: ['in', 'not_in'],
  text: ['in', 'not_in'],
  number: ['min', 'max', 'known'],
  date: ['after', 'before', 'within_days', 'older_than_days', 'known'],
  boolean: [],
  tags: ['any', 'all', 'none'],
  assignee: ['in', 'not_in'],
  near: ['lat', 'lon', 'miles'],
};

const MAX_DEPTH = 5;
const MAX_LIST = 1000;

const someOperator = (o: object) => Object.values(o).some((v) => v !== undefined);
const needOne = (kind: keyof typeof OPERATORS) => ({ message: `give at least one of ${OPERATORS[kind].join(', ')}` });

/** A bare value or list means `in`: "status": "new" and "status": ["new"] are {"in": ["new"]}. */
const listShorthand = (v: unknown) => (typeof v === 'string' ? { in: [v] } : Array.isArray(v) ? { in: v } : v);

function inList(def: FieldDef) {
  let item: z.ZodType<string> = def.values
    ? (z.enum(def.values as [string, ...string[]]) as z.ZodType<string>)
    : z.string().trim().min(1).max(200);
  if (def.pattern) item = (item as z.ZodString).regex(def.pattern[0], def.pattern[1]);
  if (def.normalize) item = item.transform(def.normalize);
  const list = z.array(item).min(1).max(MAX_LIST);
  return z.preprocess(listShorthand, z.strictObject({ in: list.optional(), not_in: list.optional() }).refine(someOperator, needOne('text')));
}

const NumberRange = z.strictObject({ min: z.number().optional(), max: z.number().optional(), known: z.boolean().optional() })
  .refine(someOperator, needOne('number'))
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min is above max' });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
/** A date-only value is midnight UTC. */
const instant = (s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
// a real day: Date.parse rolls 2024-02-30 over to March, so the day must come back as written
const realDay = (s: string) => {
  const t = Date.parse(`${s.slice(0, 10)}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s.slice(0, 10);
};
const IsoDate = z.string().refine((s) => ISO_DATE.test(s) && realDay(s) && !Number.isNaN(instant(s)), {
  message: 'an ISO date (2024-01-31, midnight UTC) or date-time with its offset (2024-01-31T09:00:00-06:00)',
});
const Days = z.number().int().min(1).max(36_500);
const DateRange = z.strictObject({
  after: IsoDate.optional(), before: IsoDate.optional(), within_days: Days.optional(), older_than_days: Days.optional(), known: z.boolean().optional(),
}).refine(someOperator, needOne('date'))
    .refine((r) => !r.after || !r.before || instant(r.after) <= instant(r.before),
    { message: 'after is later than before' });

const Tag = z.string().trim().min(1).max(50);
const Tags = z.strictObject({
  any: z.array(Tag).min(1).max(100).optional(), all: z.array(Tag).min(1).max(100).optional(), none: z.array(Tag).min(1).max(100).optional(),
}).refine(someOperator, needOne('tags'));

// 'none' is the unassigned; 'any' (assigned to somebody) is {"not_in": ["none"]}
const Assignee = z.preprocess(
  (v) => (v === 'any' ? { not_in: ['none'] } : listShorthand(v)),
  z.strictObject({
    in: z.array(z.union([z.literal('none'), z.uuid()])).min(1).max(MAX_LIST).optional(),
    not_in: z.array(z.union([z.literal('none'), z.uuid()])).min(1).max(MAX_LIST).optional(),
  }).refine(someOperator, needOne('assignee')),
);

const Near = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  miles: z.number().positive().max(500),
});

export type SegmentFilter = { [field: string]: unknown };

function fieldSchema(def: FieldDef): z.ZodType {
  switch (def.kind) {
    case 'choice':
    case 'text': return inList(def);
    case 'number': return NumberRange;
    case 'date': return DateRange;
    case 'boolean': return z.boolean();
  }
}

const shape: Record<string, z.ZodType> = {
  ...Object.fromEntries(Object.entries(FIELDS).map(([name, def]) => [name, fieldSchema(def).optional()])),
  tags: Tags.optional(),
  assignee: Assignee.optional(),
  has_verified_phone: z.boolean().optional(),
  has_verified_email: z.boolean().optional(),
  near: Near.optional(),
};

export const SegmentFilterSchema: z.ZodType<SegmentFilter> = z.lazy(() =>
  z.strictObject({
    ...shape,
    all: z.array(SegmentFilterSchema).min(1).max(50).optional(),
    any: z.array(SegmentFilterSchema).min(1).max(50).optional(),
    not: SegmentFilterSchema.optional(),
  }),
);

const operatorsOf = (field: string) =>
  FIELDS[field] ? OPERATORS[FIELDS[field]!.kind] : (OPERATORS as Record<string, string[]>)[field] ?? [];

/** Where in the filter a key sits: a filter's own keys are fields, a field's keys are operators. */
function describeUnknown(path: PropertyKey[], key: string): ErrorDetail {
  const where = ['filter', ...path.map(String), key].join('.');
  const last = path.at(-1);
  const atFilterLevel = path.length === 0 || typeof last === 'number' || last === 'not';
  if (atFilterLevel) return { field: where, message: `unknown field "${key}" (the fields are listed in docs/SEGMENTS.md)` };
  const field = String(last);
  const ops = operatorsOf(field);
  return { field: where, message: `unknown operator "${key}" for ${field}${ops.length ? ` (operators: ${ops.join(', ')})` : ''}` };
}

function depth(f: SegmentFilter): number {
  const subs = [...((f.all as SegmentFilter[] | undefined) ?? []), ...((f.any as SegmentFilter[] | undefined) ?? []), ...(f.not ? [f.not as SegmentFilter] : [])];
  return 1 + Math.max(0, ...subs.map(depth));
}

/** The filter validated into its canonical form, or one VALIDATION error naming each bad field and operator. */
export function parseSegmentFilter(input: unknown): SegmentFilter {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AppError('VALIDATION', 'filter: a JSON object of fields, e.g. {"status": ["new"], "lead_score": {"min": 70}}', [{ field: 'filter', message: 'not an object' }]);
  }
  const r = SegmentFilterSchema.safeParse(input);
  if (!r.success) {
    // an object with an unknown operator also "gives none of the operators": say only the first
    const unknownAt = new Set(r.error.issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.')));
    const issues = r.error.issues.filter((i) => i.code !== 'custom' || !unknownAt.has(i.path.join('.')));
    const details: ErrorDetail[] = issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => describeUnknown(i.path, k))
        : [{ field: ['filter', ...i.path.map(String)].join('.'), message: i.message }]);
    throw new AppError('VALIDATION', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  }
  if (depth(r.data) > MAX_DEPTH) {
    throw new AppError('VALIDATION', `filter: nested more than ${MAX_DEPTH} levels deep`, [{ field: 'filter', message: 'too deep' }]);
  }
  return r.data;
}
