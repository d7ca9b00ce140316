import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { within } from '../../db/geo.ts';
import { FIELDS, type SegmentFilter } from './segment-filter.ts';

// A validated segment filter as SQL conditions over the aliases the leads list uses: l (lead),
// p (property, left-joined) and pe (person, left-joined). Columns come from the fixed table in
// segment-filter.ts; every value the user wrote is a bound parameter.

type Cond = RawBuilder<SqlBool>;

const and = (c: Cond[]): Cond => (c.length === 0 ? sql<SqlBool>`TRUE` : c.length === 1 ? c[0]! : sql<SqlBool>`(${sql.join(c, sql` AND `)})`);
const or = (c: Cond[]): Cond => sql<SqlBool>`(${sql.join(c, sql` OR `)})`;
// NOT of a condition on a column that may be null: a lead with no tier is "not hot"
const not = (c: Cond): Cond => sql<SqlBool>`NOT coalesce(${c}, false)`;

/** A date-only value is midnight UTC, whatever the session's time zone. */
const timestamp = (s: string) => (s.length === 10 ? `${s}T00:00:00Z` : s);

function inList(column: string, values: string[], caseless: boolean): Cond {
  const col = caseless ? sql`lower(${sql.ref(column)})` : sql.ref(column);
  const vals = caseless ? values.map((v) => v.toLowerCase()) : values;
  return sql<SqlBool>`${col} = ANY(${sql.val(vals)}::text[])`;
}

function fieldCondition(name: string, op: Record<string, unknown>): Cond[] {
  const def = FIELDS[name]!;
  const col = sql.ref(def.column);
  const c: Cond[] = [];
  switch (def.kind) {
    case 'choice':
    case 'text':
      if (op.in) c.push(inList(def.column, op.in as string[], !!def.caseless));
      if (op.not_in) c.push(not(inList(def.column, op.not_in as string[], !!def.caseless)));
      break;
    case 'number':
      if (op.min !== undefined) c.push(sql<SqlBool>`${col} >= ${op.min}::numeric`);
      if (op.max !== undefined) c.push(sql<SqlBool>`${col} <= ${op.max}::numeric`);
      if (op.known !== undefined) c.push(op.known ? sql<SqlBool>`${col} IS NOT NULL` : sql<SqlBool>`${col} IS NULL`);
      break;
    case 'date':
      if (op.after !== undefined) c.push(sql<SqlBool>`${col} >= ${timestamp(op.after as string)}::timestamptz`);
      if (op.before !== undefined) c.push(sql<SqlBool>`${col} < ${timestamp(op.before as string)}::timestamptz`);
      if (op.within_days !== undefined) c.push(sql<SqlBool>`${col} >= now() - make_interval(days => ${op.within_days}::int)`);
      if (op.older_than_days !== undefined) c.push(sql<SqlBool>`${col} < now() - make_interval(days => ${op.older_than_days}::int)`);
      if (op.known !== undefined) c.push(op.known ? sql<SqlBool>`${col} IS NOT NULL` : sql<SqlBool>`${col} IS NULL`);
      break;
    case 'boolean':
      break; // a bare boolean, handled by the caller
  }
  return c;
}

function assigneeIn(values: string[]): Cond {
  const ids = values.filter((v) => v !== 'none');
  const parts: Cond[] = [];
  if (ids.length) parts.push(sql<SqlBool>`l.assignee_id = ANY(${sql.val(ids)}::uuid[])`);
  if (ids.length < values.length) parts.push(sql<SqlBool>`l.assignee_id IS NULL`);
  return parts.length === 1 ? parts[0]! : or(parts);
}

/** A verified, callable (not DNC) phone or email of the lead's owner. */
const hasVerified = (kind: 'phone' | 'email', yes: boolean): Cond => {
  const exists = sql<SqlBool>`EXISTS (SELECT 1 FROM contact_point cp
    WHERE cp.organization_id = l.organization_id AND cp.person_id = l.person_id AND cp.kind = ${kind} AND cp.verified AND NOT cp.dnc)`;
  return yes ? exists : sql<SqlBool>`NOT ${exists}`;
};

/** Within `miles` of a point, great-circle, the way every radius search goes (src/db/geo.ts). */
function near(o: { lat: number; lon: number; miles: number }): Cond {
  return sql<SqlBool>`(${within(sql`${o.lat}::float8`, sql`${o.lon}::float8`, sql.ref('p.latitude'), sql.ref('p.longitude'), o.miles * 5280)})`;
}

function conditions(filter: SegmentFilter): Cond[] {
  const c: Cond[] = [];
  for (const [name, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    switch (name) {
      case 'all':
        c.push(and((value as SegmentFilter[]).map((f) => and(conditions(f)))));
        break;
      case 'any':
        c.push(or((value as SegmentFilter[]).map((f) => and(conditions(f)))));
        break;
      case 'not':
        c.push(not(and(conditions(value as SegmentFilter))));
        break;
      case 'tags': {
        const t = value as { any?: string[]; all?: string[]; none?: string[] };
        if (t.any) c.push(sql<SqlBool>`l.tags && ${sql.val(t.any)}::text[]`);
        if (t.all) c.push(sql<SqlBool>`l.tags @> ${sql.val(t.all)}::text[]`);
        if (t.none) c.push(sql<SqlBool>`NOT (l.tags && ${sql.val(t.none)}::text[])`);
        break;
      }
      case 'assignee': {
        const a = value as { in?: string[]; not_in?: string[] };
        if (a.in) c.push(assigneeIn(a.in));
        if (a.not_in) c.push(not(assigneeIn(a.not_in)));
        break;
      }
      case 'has_verified_phone':
        c.push(hasVerified('phone', value as boolean));
        break;
      case 'has_verified_email':
        c.push(hasVerified('email', value as boolean));
        break;
      case 'near':
        c.push(near(value as { lat: number; lon: number; miles: number }));
        break;
      default: {
        const def = FIELDS[name];
        if (!def) throw new Error(`segment filter field ${name} passed validation but has no SQL`); // a bug, not input
        if (def.kind === 'boolean') c.push(sql<SqlBool>`${sql.ref(def.column)} = ${value as boolean}::boolean`);
        else c.push(...fieldCondition(name, value as Record<string, unknown>));
      }
    }
  }
  return c;
}

/**
 * A validated filter (parseSegmentFilter) as conditions to AND with the leads list's own
 * (filterConditions, which also leaves out deleted leads) over l, p and pe.
 */
export function segmentConditions(filter: SegmentFilter): Expression<SqlBool>[] {
  return conditions(filter);
}
