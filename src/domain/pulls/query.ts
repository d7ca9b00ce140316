import crypto from 'node:crypto';
import { z } from 'zod';
import type { PropertyQuery, VendorProperty } from '../../providers/ports.ts';

// A pull's query in its one canonical form, and the signature that names it: SHA-256 of the
// canonical JSON (keys sorted at every level, ZIPs normalized, sorted and deduplicated, text
// trimmed, the sort order included), so the same search written another way is the same query.

export const PropertyQuerySchema = z.object({
  zip_codes: z.array(z.string().trim().regex(/^\d{5}(-?\d{4})?$/, 'a 5-digit ZIP (or ZIP+4)')).min(1).max(1000).optional(),
  area: z.object({ type: z.enum(['city', 'zip_code', 'custom_area']), value: z.string().trim().min(1).max(200) }).strict().optional(),
  filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))])).optional(),
  sort: z.string().trim().min(1).max(50).default('created_desc'),
}).strict().refine((q) => q.zip_codes || q.area, { message: 'a query needs zip_codes or an area' });

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return typeof v === 'string' ? v.trim() : v;
}

export function canonicalQuery(q: z.output<typeof PropertyQuerySchema>): PropertyQuery {
  const out: PropertyQuery = { sort: q.sort };
  if (q.zip_codes) out.zip_codes = [...new Set(q.zip_codes.map((z) => z.slice(0, 5)))].sort();
  if (q.area) out.area = { type: q.area.type, value: q.area.type === 'zip_code' ? q.area.value.slice(0, 5) : q.area.value.replace(/\s+/g, ' ') };
  if (q.filters && Object.keys(q.filters).length) out.filters = q.filters;
  return sortKeys(out) as PropertyQuery;
}

export const querySignature = (q: PropertyQuery) => crypto.createHash('sha256').update(JSON.stringify(sortKeys(q))).digest();

const dollars = (cents: number | null | undefined) => (cents == null ? undefined : String(cents / 100));
const text = (v: unknown) => (v == null || v === '' ? undefined : String(v));

/** A vendor's property as an import row (import field names), for the same normalizing and merge. */
export function toImportRecord(p: VendorProperty): Record<string, string> {
  const r: Record<string, string | undefined> = {
    vendor_record_id: p.vendorId, property_address: p.address.line1, property_unit: text(p.address.line2), property_city: text(p.address.city),
    property_state: text(p.address.state), property_zip: text(p.address.zip), property_county: text(p.county), apn: text(p.apn), mak: text(p.mak),
    latitude: text(p.latitude), longitude: text(p.longitude), property_type: text(p.propertyType), year_built: text(p.yearBuilt),
    bedrooms: text(p.bedrooms), bathrooms: text(p.bathrooms), living_area_sqft: text(p.livingAreaSqft), lot_size_sqft: text(p.lotSizeSqft),
    estimated_value: dollars(p.estimatedValueCents), equity: dollars(p.equityCents), equity_percent: text(p.equityPercent),
    mortgage_balance: dollars(p.mortgageBalanceCents), last_sale_date: text(p.lastSaleDate), last_sale_price: dollars(p.lastSalePriceCents),
    tax_debt: dollars(p.taxDebtCents), owner_occupied: text(p.ownerOccupied), is_vacant: text(p.isVacant),
    owner_full_name: text(p.owner?.fullName), owner_first_name: text(p.owner?.firstName), owner_last_name: text(p.owner?.lastName),
    mailing_address: text(p.owner?.mailing?.line1), mailing_city: text(p.owner?.mailing?.city), mailing_state: text(p.owner?.mailing?.state),
    mailing_zip: text(p.owner?.mailing?.zip),
  };
  (p.phones ?? []).slice(0, 10).forEach((ph, i) => {
    r[`phone#${i + 1}`] = ph.number;
    r[`phone_type#${i + 1}`] = text(ph.type);
    r[`phone_dnc#${i + 1}`] = text(ph.dnc);
  });
  (p.emails ?? []).slice(0, 10).forEach((e, i) => (r[`email#${i + 1}`] = e.address));
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
