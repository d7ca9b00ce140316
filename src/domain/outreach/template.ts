import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from '../../app/errors.ts';
import { normalizeOwnerName, properCase } from '../identity/normalize-name.ts';
import { smsSegments, type SmsEncoding } from './sms-segments.ts';

// Message templates with merge fields: `{{person.first_name}}`, or with a fallback used when the
// value is missing: `{{person.first_name | "there"}}`. Only the fields in MERGE_FIELDS exist, so
// a typo is caught when the template is saved, not when a lead gets "Hi {{persn.first_name}}".
// At send time a missing value with no fallback fails the render: a message never goes out
// with a blank where a name should be.
//
// The rows in MergeContext are the database rows (snake_case, as Kysely returns them), so the
// engine loads them and hands them over; every formatting rule lives here:
// - money from integer cents (bigint may arrive as a string) as whole dollars: $325,000;
// - dates as "March 3, 2026" in the recipient's zone (context.timeZone, else person.timezone, else UTC);
// - text stored in upper case (county rolls, USPS-normalized addresses) is title-cased: "123 MAIN ST"
//   → "123 Main St", "O'BRIEN" → "O'Brien"; text with any lower-case letter is left as typed;
// - in HTML, values (and fallbacks) are escaped; the template's own markup is not.

export const SCOPES = ['lead', 'person', 'property', 'user', 'org'] as const;
export type Scope = (typeof SCOPES)[number];

type Text = string | null | undefined;
type When = Date | string | null | undefined;

export interface MergeContext {
  lead?: { last_contacted_at?: When; next_follow_up_at?: When } | null;
  person?: {
    first_name?: Text; last_name?: Text; full_name?: Text; company_name?: Text; is_company?: boolean | null; timezone?: Text;
  } | null;
  property?: {
    address_line1?: Text; address_line2?: Text; city?: Text; state?: Text; zip?: Text; subdivision?: Text;
    year_built?: number | null; roof_age_years?: number | null; estimated_value_cents?: number | string | bigint | null;
  } | null;
  /** The user the message is sent as (normally the lead's assignee); phone: the sending number. */
  user?: { full_name?: Text; email?: Text; phone?: Text } | null;
  /** name: the sender name of the outreach settings, else organization.name. */
  org?: { name?: Text; postal_address?: Text } | null;
  /** IANA zone for dates; defaults to person.timezone, then UTC. */
  timeZone?: string | null;
}

export interface MergeField<S extends Scope = Scope> {
  /** Where the value comes from: the column read, or how it is derived. */
  source: string;
  /** A typical rendered value: the SMS length estimate renders templates with these. */
  example: string;
  /** The formatted value, or null when missing (empty text counts as missing). */
  value: (row: NonNullable<MergeContext[S]>, ctx: MergeContext) => string | null;
}

// ---- formatting ----

const present = (v: Text): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().replace(/\s+/g, ' ') : null);
/** Corporate forms, directionals and numerals that stay upper case when a text is title-cased. */
const KEEP_UPPER = new Set(['LLC', 'PLLC', 'LLP', 'LLLP', 'LP', 'LC', 'HOA', 'PO', 'USA', 'US', 'NE', 'NW', 'SE', 'SW', 'II', 'III', 'IV', 'DBA', 'REIT']);
const ORDINAL = /^(\d+)(ST|ND|RD|TH)$/;

/** Title case for text stored in upper case; text with a lower-case letter is the writer's choice. */
export function titleCase(text: string): string {
  if (/\p{Ll}/u.test(text) || !/\p{Lu}/u.test(text)) return text;
  return text.split(' ').map((w) => {
    if (KEEP_UPPER.has(w)) return w;
    if (/\d/.test(w)) return w.replace(ORDINAL, (_, n: string, s: string) => n + s.toLowerCase()); // "5TH" → "5th", "4B" stays
    return properCase(w);
  }).join(' ');
}

const titled = (v: Text) => { const t = present(v); return t && titleCase(t); };

/** Whole dollars from integer cents, rounded half up: 32500049 → "$325,000". */
function dollars(cents: number | string | bigint | null | undefined): string | null {
  if (cents === null || cents === undefined || cents === '') return null;
  let c: bigint;
  try { c = BigInt(cents); } catch { return null; }
  const d = (c < 0n ? c - 50n : c + 50n) / 100n;
  return `${d < 0n ? '-' : ''}$${new Intl.NumberFormat('en-US').format(d < 0n ? -d : d)}`;
}

function zoneOf(ctx: MergeContext): string {
  const zone = ctx.timeZone ?? ctx.person?.timezone ?? 'UTC';
  try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); return zone; } catch { return 'UTC'; }
}

/** "March 3, 2026"; a date-only value ("2026-03-03") is that calendar day, whatever the zone. */
function longDate(v: When, ctx: MergeContext): string | null {
  if (v === null || v === undefined || v === '') return null;
  const dateOnly = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
  const d = dateOnly ? new Date(`${v}T12:00:00Z`) : new Date(v);
  if (Number.isNaN(d.getTime())) return null;
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: dateOnly ? 'UTC' : zoneOf(ctx) }).format(d);
}

/** E.164 → "(555) 010-1234" for NANP numbers, "+44 20 7946 0000" for others; other text as given. */
function phone(v: Text): string | null {
  const t = present(v);
  if (!t) return null;
  const p = parsePhoneNumberFromString(t, 'US');
  if (!p) return t;
  return p.countryCallingCode === '1' ? p.formatNational() : p.formatInternational();
}

const integer = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v)) : null);

/** First and last name from the columns, or parsed from full_name when only that was stored. */
function personName(p: NonNullable<MergeContext['person']>): { first: string | null; last: string | null } {
  if (p.is_company) return { first: null, last: null };
  const first = titled(p.first_name), last = titled(p.last_name);
  if (first || last || !present(p.full_name)) return { first, last };
  const parsed = normalizeOwnerName({ full: p.full_name });
  return parsed && !parsed.isCompany ? { first: parsed.firstName, last: parsed.lastName } : { first: null, last: null };
}

// ---- the catalogue ----
// Chosen from schema.sql for what belongs in a message to an owner. Left out on purpose: scores,
// status, tier and tags (internal judgements), distress facts (tax debt, probate, liens: quoting
// them back to an owner reads as pressure), equity and mortgage, contact values (the channel
// already uses them), age and demographics.

export const MERGE_FIELDS = {
  lead: {
    last_contacted_at: { source: 'lead.last_contacted_at (date in the recipient\'s zone)', example: 'March 3, 2026', value: (l, ctx) => longDate(l.last_contacted_at, ctx) },
    next_follow_up_at: { source: 'lead.next_follow_up_at (date in the recipient\'s zone)', example: 'March 10, 2026', value: (l, ctx) => longDate(l.next_follow_up_at, ctx) },
  },
  person: {
    first_name: {
      source: 'person.first_name; when only person.full_name is stored, the first name parsed from it (identity/normalize-name.ts); none for a company',
      example: 'Michael', value: (p) => personName(p).first,
    },
    last_name: { source: 'person.last_name, or parsed from person.full_name like first_name; none for a company', example: 'Johnson', value: (p) => personName(p).last },
    full_name: {
      source: 'person.full_name, else first_name + last_name, else company_name', example: 'Michael Johnson',
      value: (p) => titled(p.full_name) ?? titled([p.first_name, p.last_name].map(present).filter(Boolean).join(' ')) ?? titled(p.company_name),
    },
    company_name: { source: 'person.company_name (owner is a company, trust or estate)', example: 'Maple Holdings LLC', value: (p) => titled(p.company_name) },
  },
  property: {
    address: {
      source: 'property.address_line1 [address_line2], city, state zip; missing without address_line1', example: '1234 Maple Ave, Springfield, IL 62704',
      value: (p) => {
        const line = titled(p.address_line1), unit = titled(p.address_line2);
        if (!line) return null;
        const stateZip = [present(p.state)?.toUpperCase(), present(p.zip)].filter(Boolean).join(' ');
        return [unit ? `${line} ${unit}` : line, titled(p.city), stateZip].filter(Boolean).join(', ');
      },
    },
    address_line1: { source: 'property.address_line1', example: '1234 Maple Ave', value: (p) => titled(p.address_line1) },
    city: { source: 'property.city', example: 'Springfield', value: (p) => titled(p.city) },
    state: { source: 'property.state (two letters)', example: 'IL', value: (p) => present(p.state)?.toUpperCase() ?? null },
    zip: { source: 'property.zip (five digits)', example: '62704', value: (p) => present(p.zip) },
    subdivision: { source: 'property.subdivision', example: 'Oak Ridge Estates', value: (p) => titled(p.subdivision) },
    estimated_value: { source: 'property.estimated_value_cents, in whole dollars', example: '$325,000', value: (p) => dollars(p.estimated_value_cents) },
    year_built: { source: 'property.year_built', example: '1987', value: (p) => integer(p.year_built) },
    roof_age_years: { source: 'property.roof_age_years', example: '18', value: (p) => integer(p.roof_age_years) },
  },
  user: {
    full_name: { source: 'app_user.full_name', example: 'Sarah Miller', value: (u) => titled(u.full_name) },
    first_name: { source: 'the first word of app_user.full_name', example: 'Sarah', value: (u) => titled(u.full_name)?.split(' ')[0] ?? null },
    email: { source: 'app_user.email', example: 'sarah@example.com', value: (u) => present(u.email) },
    // app_user has no phone column: the number texts and calls come from stands in for it.
    phone: { source: 'organization.settings → outreach.from_phone (app_user has no phone column)', example: '(555) 010-1234', value: (u) => phone(u.phone) },
  },
  org: {
    name: { source: 'organization.settings → outreach.sender_name, else organization.name; as typed', example: 'Porchlight Roofing', value: (o) => present(o.name) },
    // CAN-SPAM wants it in every marketing email; there is no address column, the settings hold it.
    postal_address: { source: 'organization.settings → outreach.postal_address', example: '100 Main St, Springfield, IL 62701', value: (o) => present(o.postal_address) },
  },
} as const satisfies { [S in Scope]: Record<string, MergeField<S>> };

export type MergeFieldName = { [S in Scope]: `${S}.${keyof (typeof MERGE_FIELDS)[S] & string}` }[Scope];

function fieldSpec(scope: string, field: string): MergeField | null {
  if (!(SCOPES as readonly string[]).includes(scope)) return null;
  const fields = MERGE_FIELDS[scope as Scope] as Record<string, MergeField>;
  return Object.hasOwn(fields, field) ? fields[field]! : null; // hasOwn: "person.constructor" is no field
}

// ---- parsing ----

export interface TemplateError { message: string; /** UTF-16 offset in the text. */ index: number }
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string; scope: Scope; field: string; fallback: string | null; index: number };
export interface ParsedTemplate { parts: TemplatePart[]; fields: string[]; errors: TemplateError[] }

const NAME = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"$|^'((?:[^'\\]|\\.)*)'$/s;
const scopeList = SCOPES.join(', ');

/** One `{{ ... }}`: a field part, or an error (the caller keeps the raw text in its place). */
function parseTag(inner: string, at: number): Extract<TemplatePart, { kind: 'field' }> | TemplateError {
  const bar = inner.indexOf('|');
  const rawName = bar < 0 ? inner : inner.slice(0, bar);
  const name = rawName.trim();
  const index = at + (rawName.length - rawName.trimStart().length);
  if (name === '') return { index: at, message: 'Empty field name in {{ }}' };
  const m = NAME.exec(name);
  if (!m) {
    const lower = NAME.exec(name.toLowerCase());
    if (lower && fieldSpec(lower[1]!, lower[2]!)) return { index, message: `"${name}": field names are lower case: ${name.toLowerCase()}` };
    return { index, message: name.includes('.') ? `"${name}" is not a field name (scope.field, lower-case letters, digits and _)` : `"${name}" needs a scope: one of ${scopeList}, as in person.${name}` };
  }
  const [, scope, field] = m as unknown as [string, string, string];
  if (!(SCOPES as readonly string[]).includes(scope)) return { index, message: `Unknown scope "${scope}" in ${name}: use ${scopeList}` };
  if (!fieldSpec(scope, field)) return { index, message: `Unknown field ${name}: ${scope} has ${Object.keys(MERGE_FIELDS[scope as Scope]).join(', ')}` };
  let fallback: string | null = null;
  if (bar >= 0) {
    const after = inner.slice(bar + 1), raw = after.trim(), fbIndex = at + bar + 1 + (after.length - after.trimStart().length);
    const q = QUOTED.exec(raw);
    if (!q) return { index: fbIndex, message: `The fallback of ${name} must be quoted text, as in {{${name} | "there"}}` };
    fallback = (q[1] ?? q[2] ?? '').replace(/\\(.)/gs, '$1');
    // An empty fallback would print exactly the blank the fallback exists to prevent.
    if (fallback.trim() === '') return { index: fbIndex, message: `The fallback of ${name} is empty: give a word, or no fallback` };
  }
  return { kind: 'field', name, scope: scope as Scope, field, fallback, index };
}

export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [], errors: TemplateError[] = [], fields = new Set<string>();
  let pos = 0, literal = '';
  while (pos < text.length) {
    const open = text.indexOf('{{', pos), close = text.indexOf('}}', pos);
    if (open < 0 && close < 0) break;
    if (close >= 0 && (open < 0 || close < open)) {
      errors.push({ index: close, message: '"}}" with no "{{" before it' });
      literal += text.slice(pos, close + 2); pos = close + 2;
      continue;
    }
    const end = text.indexOf('}}', open + 2), next = text.indexOf('{{', open + 2);
    literal += text.slice(pos, open);
    if (end < 0 || (next >= 0 && next < end)) {
      errors.push({ index: open, message: '"{{" is not closed with "}}"' });
      literal += '{{'; pos = open + 2;
      continue;
    }
    const tag = parseTag(text.slice(open + 2, end), open + 2);
    if ('kind' in tag) {
      if (literal) parts.push({ kind: 'text', text: literal });
      parts.push(tag); fields.add(tag.name); literal = '';
    } else {
      errors.push(tag); literal += text.slice(open, end + 2);
    }
    pos = end + 2;
  }
  literal += text.slice(pos);
  if (literal) parts.push({ kind: 'text', text: literal });
  return { parts, fields: [...fields], errors };
}

// ---- rendering ----

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Join the parts; `valueOf` gives a field's value or null (then its fallback, else it is missing). */
function fill(parsed: ParsedTemplate, valueOf: (p: Extract<TemplatePart, { kind: 'field' }>) => string | null, html: boolean) {
  const missing: string[] = [];
  let out = '';
  for (const p of parsed.parts) {
    if (p.kind === 'text') { out += p.text; continue; }
    const v = valueOf(p) ?? p.fallback;
    if (v === null) { if (!missing.includes(p.name)) missing.push(p.name); continue; }
    out += html ? escapeHtml(v) : v;
  }
  return { out, missing };
}

export function mergeValue(name: string, context: MergeContext): string | null {
  const [scope = '', field = ''] = name.split('.', 2);
  const spec = fieldSpec(scope, field), row = context[scope as Scope];
  return spec && row ? present(spec.value(row as never, context)) : null;
}

/**
 * The text with every field filled in. Throws VALIDATION when the template does not parse, or
 * when a field has no value and no fallback (details name each such field).
 */
export function renderTemplate(template: string, context: MergeContext, options: { html?: boolean } = {}): string {
  const parsed = parseTemplate(template);
  if (parsed.errors.length) {
    throw new AppError('VALIDATION', `The template has errors: ${parsed.errors.map((e) => e.message).join('; ')}`,
      parsed.errors.map((e) => ({ field: 'template', message: `${e.message} (at ${e.index})` })));
  }
  const { out, missing } = fill(parsed, (p) => mergeValue(p.name, context), options.html ?? false);
  if (missing.length) {
    throw new AppError('VALIDATION', `No value and no fallback for ${missing.join(', ')}`,
      missing.map((field) => ({ field, message: `${field} has no value for this recipient and the template gives no fallback` })));
  }
  return out;
}

export type Channel = 'sms' | 'email' | 'call';
export interface TemplateInput { channel: Channel; subject?: string | null; body: string; html?: string | null }

/** Subject, body and HTML rendered (HTML with escaped values). Throws like renderTemplate. */
export function renderMessage(t: TemplateInput, context: MergeContext): { subject: string | null; body: string; html: string | null } {
  return {
    subject: t.subject ? renderTemplate(t.subject, context) : null,
    body: renderTemplate(t.body, context),
    html: t.html ? renderTemplate(t.html, context, { html: true }) : null,
  };
}

// ---- validation at save time ----

export type TemplatePartName = 'subject' | 'body' | 'html';
export interface SmsLength { encoding: SmsEncoding; segments: number; /** code points */ characters: number; /** septets or UTF-16 units */ units: number }
export interface TemplateValidation {
  ok: boolean;
  errors: { field: TemplatePartName; message: string; index: number }[];
  fields: string[];
  /**
   * SMS only. The top level is the body rendered with each field's `example` (typical US
   * lengths: a 7-letter first name, "1234 Maple Ave", "$325,000"): real names vary, so this is
   * a guide and the count at send time is the one billed. `template` is the raw text as typed;
   * `firstTouch` the rendered estimate with the opt-out line a first text gets (withOptOut).
   */
  sms?: SmsLength & { template: SmsLength; firstTouch: SmsLength };
}

const lengthOf = (text: string): SmsLength => {
  const s = smsSegments(text);
  return { encoding: s.encoding, segments: s.segments, characters: [...text].length, units: s.units };
};
const exampleOf = (p: Extract<TemplatePart, { kind: 'field' }>) => fieldSpec(p.scope, p.field)?.example ?? null;

export function validateTemplate(t: TemplateInput): TemplateValidation {
  const errors: TemplateValidation['errors'] = [];
  const fields = new Set<string>();
  const parsed: Partial<Record<TemplatePartName, ParsedTemplate>> = {};
  for (const part of ['subject', 'body', 'html'] as const) {
    const text = t[part];
    if (text === undefined || text === null) continue;
    if (part !== 'body' && t.channel !== 'email') {
      errors.push({ field: part, message: `Only an email has ${part === 'subject' ? 'a subject' : 'an HTML part'}`, index: 0 });
      continue;
    }
    const p = (parsed[part] = parseTemplate(text));
    for (const e of p.errors) errors.push({ field: part, ...e });
    p.fields.forEach((f) => fields.add(f));
  }
  if (!t.body?.trim()) errors.push({ field: 'body', message: 'The body is empty', index: 0 });
  if (t.channel === 'email') {
    if (!t.subject?.trim()) errors.push({ field: 'subject', message: 'An email needs a subject', index: 0 });
    else if (/[\r\n]/.test(t.subject)) errors.push({ field: 'subject', message: 'A subject is one line', index: t.subject.search(/[\r\n]/) });
  }
  const result: TemplateValidation = { ok: errors.length === 0, errors, fields: [...fields] };
  if (t.channel === 'sms' && parsed.body) {
    const rendered = fill(parsed.body, exampleOf, false).out;
    const org = MERGE_FIELDS.org.name.example;
    result.sms = { ...lengthOf(rendered), template: lengthOf(t.body), firstTouch: lengthOf(withOptOut(rendered, { firstTouch: true, orgName: org })) };
  }
  return result;
}

// ---- opt-out ----

/** "Reply STOP to ...", "Text STOP", "STOP to opt out": an instruction, not any sentence with "stop" in it. */
const STOP_INSTRUCTION = /\b(reply|text|txt|send|respond)(\s+with)?\s+["'“‘]?stop\b|\bstop["'”’]?\s+to\s+(opt[\s-]?out|unsubscribe|end|cancel|quit|stop)\b/i;

/**
 * A first text must say who is writing and how to stop (COMPLIANCE.md §5, CTIA). Appends
 * "<org>: Reply STOP to opt out" unless the body already has a STOP instruction; the org name is
 * left out of the line when the body already names the sender, and put in front of a body that
 * has a STOP instruction but never names the sender. Later texts are returned unchanged.
 */
export function withOptOut(body: string, options: { firstTouch: boolean; orgName: string }): string {
  if (!options.firstTouch) return body;
  const org = present(options.orgName);
  if (!org) throw new AppError('VALIDATION', 'A first text must name the sender: the organization has no name', [{ field: 'orgName', message: 'empty' }]);
  const text = body.trimEnd();
  const named = text.toLowerCase().replace(/\s+/g, ' ').includes(org.toLowerCase());
  if (STOP_INSTRUCTION.test(text)) return named ? text : `${org}: ${text}`;
  return `${text}\n${named ? '' : `${org}: `}Reply STOP to opt out`;
}
