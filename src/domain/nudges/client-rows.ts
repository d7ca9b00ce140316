import { z } from 'zod';
import { normalizeEmail, normalizePhone } from '../identity/normalize-contact.ts';
import { maskContact, type Pii, type SealedValue } from '../pii/pii.ts';

// A client as a user types or imports one: name, e-mail and/or phone, notes, tags, and what
// they are looking for. One schema for `clients add`, POST /v1/clients and each CSV line, and
// one normalization into the rows the database takes.

const PROPERTY_TYPES = ['single_family', 'condo', 'townhouse', 'multi_family', 'land', 'manufactured'] as const;
const TIMELINES = ['now', '3_months', '6_months', '12_months', 'someday'] as const;
const money = z.coerce.number().int().min(0).max(1e10);
const list = (max: number, item: z.ZodType<string>) => z.preprocess((v) => (typeof v === 'string' ? v.split(/[;|]/).map((s) => s.trim()).filter(Boolean) : v), z.array(item).max(max));

export const ClientPrefs = z.strictObject({
  price_min: money.optional().describe('in whole dollars'),
  price_max: money.optional(),
  beds: z.coerce.number().int().min(0).max(50).optional().describe('at least'),
  baths: z.coerce.number().min(0).max(50).optional().describe('at least'),
  areas: list(50, z.string().trim().min(2).max(100).transform((s) => s.toLowerCase())).optional().describe('ZIP codes or city names'),
  property_types: list(6, z.enum(PROPERTY_TYPES)).optional(),
  timeline: z.enum(TIMELINES).optional(),
}).refine((p) => p.price_min == null || p.price_max == null || p.price_min <= p.price_max, { message: 'price_min is above price_max', path: ['price_min'] });
export type ClientPrefs = z.output<typeof ClientPrefs>;

export const ClientInput = z.strictObject({
  name: z.string().trim().min(1).max(300),
  email: z.string().trim().max(320).optional(),
  phone: z.string().trim().max(40).optional(),
  notes: z.string().max(20000).optional(),
  tags: list(50, z.string().trim().min(1).max(60)).optional(),
  prefs: ClientPrefs.optional(),
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'an IANA time zone, like America/Chicago').optional(),
  user_id: z.uuid().optional().describe("whose client (default: the caller's own)"),
  user_email: z.string().trim().min(3).optional().describe('whose client, by email'),
});
export type ClientInput = z.output<typeof ClientInput>;

export interface ClientRow {
  userId: string;
  fullName: string;
  firstName: string;
  lastName: string | null;
  contactHash: Buffer;
  contacts: { kind: 'phone' | 'email'; hash: Buffer; sealed: SealedValue; display: string }[];
  notes: string | null;
  tags: string[];
  prefs: ClientPrefs;
  timezone: string | null;
  source: string;
}

/** The rows for one client, or the field that is wrong. */
export function normalizeClient(c: ClientInput, userId: string, pii: Pii, source: string): ClientRow | { field: string; message: string } {
  const email = c.email ? normalizeEmail(c.email) : null;
  if (c.email && !email) return { field: 'email', message: `not an e-mail address: ${c.email.slice(0, 60)}` };
  const phone = c.phone ? normalizePhone(c.phone) : null;
  if (c.phone && !phone) return { field: 'phone', message: `not a phone number: ${c.phone.slice(0, 40)}` };
  if (!email && !phone) return { field: 'email', message: 'a client needs an e-mail or a phone to be reached' };
  const contacts = ([['email', email], ['phone', phone]] as const).filter(([, v]) => v)
    .map(([kind, v]) => ({ kind, hash: pii.hash(v!), sealed: pii.seal(v!), display: maskContact(kind, v!) }));
  const [first, ...rest] = c.name.split(/\s+/);
  return {
    userId, fullName: c.name, firstName: first!, lastName: rest.join(' ') || null, contactHash: contacts[0]!.hash, contacts,
    notes: c.notes?.trim() || null, tags: [...new Set(c.tags ?? [])], prefs: c.prefs ?? {}, timezone: c.timezone ?? null, source,
  };
}

/** A CSV line's columns as ClientInput: prefs and tags are flat columns in a file. */
export function clientFromCsv(row: Record<string, string>): unknown {
  const v = (k: string) => (row[k]?.trim() ? row[k]!.trim() : undefined);
  const name = v('name') ?? v('full_name') ?? ([v('first_name'), v('last_name')].filter(Boolean).join(' ') || undefined);
  const prefs = Object.fromEntries(['price_min', 'price_max', 'beds', 'baths', 'areas', 'property_types', 'timeline'].map((k) => [k, v(k)]).filter(([, x]) => x !== undefined));
  return Object.fromEntries(Object.entries({
    name, email: v('email'), phone: v('phone'), notes: v('notes'), tags: v('tags'), timezone: v('timezone'), user_email: v('user_email') ?? v('user'),
    prefs: Object.keys(prefs).length ? prefs : undefined,
  }).filter(([, x]) => x !== undefined));
}
