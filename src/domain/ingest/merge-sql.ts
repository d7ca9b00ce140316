import {
  ADDRESS_COLUMNS, KEY_COLUMNS, LEAD_COLUMNS, MAILING_COLUMNS, PERSON_COLUMNS, PROPERTY_COLUMNS, type MergeColumn,
} from './stage.ts';

// The set-based merge of one staged round of rows into property, person, lead and contact_point
// (Equity Connect's upsert_lead and merge_contact_point, for thousands of rows per statement).
// Every statement runs as the application role inside the tenant transaction, so row-level
// security and the history triggers see the import like any other change. A round never holds
// two rows with a key in common (the service sees to that), and the deferral step below keeps
// two rows that resolve to the same parcel out of one round, so each statement touches a record
// at most once, and a later row of a parcel meets the record the earlier row made or filled.

const ORG = 'app_org_id()';
const names = (cols: MergeColumn[], prefix = '') => cols.map((x) => prefix + x.name).join(', ');
const isBlank = (x: MergeColumn, ref: string) => (x.blank ? `(${ref} IS NULL OR ${x.blank(ref)})` : `${ref} IS NULL`);
const fill = (x: MergeColumn, t: string) => `${x.name} = CASE WHEN ${isBlank(x, `${t}.${x.name}`)} THEN coalesce(s.${x.name}, ${t}.${x.name}) ELSE ${t}.${x.name} END`;
const fills = (x: MergeColumn, t: string) => `(${isBlank(x, `${t}.${x.name}`)} AND s.${x.name} IS NOT NULL AND NOT ${isBlank(x, `s.${x.name}`)})`;
const groupFill = (cols: MergeColumn[], t: string, when: string) => cols.map((x) => `${x.name} = CASE WHEN ${when} THEN s.${x.name} ELSE ${t}.${x.name} END`);
const valueOrFallback = (x: MergeColumn) => (x.fallback ? `coalesce(s.${x.name}, ${x.fallback})` : `s.${x.name}`);

/** A look-up run only for a row that has the key (a probe for NULL finds nothing, at a cost). */
const probe = (key: string, query: string) => `CASE WHEN ${key} IS NOT NULL THEN (${query}) END`;

/** A live lead already holding this row's (source, vendor id). */
const vendorTaken = `EXISTS (SELECT 1 FROM lead v WHERE v.organization_id = ${ORG} AND v.source = s.source AND v.vendor_record_id = s.vendor_record_id AND v.deleted_at IS NULL)`;

/**
 * 1. Each key to the parcel it already names; the row lands on the first match in key order.
 * A row that names no known parcel is settled here too: new parcel, new owner (if named), new
 * lead. Most rows of an import are such rows, and each stage row is written once, not per step.
 */
export const RESOLVE_PROPERTIES = `
UPDATE import_stage s SET (m_addr, m_apn, m_mak, m_vendor, property_id, property_new, person_id, person_new, lead_id, lead_new) = (
  SELECT a, p, m, v, coalesce(k, s.new_property_id), k IS NULL,
    CASE WHEN k IS NULL AND s.name_key IS NOT NULL THEN s.new_person_id END, k IS NULL AND s.name_key IS NOT NULL,
    CASE WHEN k IS NULL THEN s.new_lead_id END, CASE WHEN k IS NULL THEN true END
  FROM (SELECT a, p, m, v, coalesce(a, p, m, v) AS k FROM (SELECT
    -- one index probe per key the row has (a join back to the staging table would be planned
    -- blind: a temporary table has no statistics until analyzed)
    ${probe('s.addr_hash', `SELECT x.id FROM property x WHERE x.organization_id = ${ORG} AND x.addr_hash = s.addr_hash`)} AS a,
    ${probe('s.apn', `SELECT x.id FROM property x WHERE x.organization_id = ${ORG} AND x.apn = s.apn`)} AS p,
    ${probe('s.mak', `SELECT x.id FROM property x WHERE x.organization_id = ${ORG} AND x.mak = s.mak`)} AS m,
    ${probe('s.vendor_record_id', `SELECT l.property_id FROM lead l WHERE l.organization_id = ${ORG} AND l.source = s.source
       AND l.vendor_record_id = s.vendor_record_id AND l.deleted_at IS NULL`)} AS v) keys) found)`;

/** 2. Rows of this round that reached the same existing parcel by different keys wait for the next round. */
export const DEFER_SHARED_PARCELS = `
WITH d AS (
  DELETE FROM import_stage WHERE line IN (
    SELECT line FROM (SELECT line, row_number() OVER (PARTITION BY property_id ORDER BY line) AS n FROM import_stage) x WHERE n > 1)
  RETURNING line
), c AS (DELETE FROM import_stage_contact WHERE line IN (SELECT line FROM d))
SELECT line FROM d`;

/** 3. Keys that point at two different parcels: recorded for review, never merged silently. */
export const RECORD_CONFLICTS = `
INSERT INTO identity_conflict (organization_id, import_id, line, property_id, matches)
SELECT ${ORG}, $1::uuid, s.line, s.property_id,
  jsonb_strip_nulls(jsonb_build_object('addr_hash', s.m_addr, 'apn', s.m_apn, 'mak', s.m_mak, 'vendor_record_id', s.m_vendor))
FROM import_stage s
WHERE (SELECT count(DISTINCT x) FROM unnest(ARRAY[s.m_addr, s.m_apn, s.m_mak, s.m_vendor]) x) > 1
ON CONFLICT (organization_id, import_id, line) WHERE import_id IS NOT NULL DO NOTHING`;

const PARCEL_COLS = [...ADDRESS_COLUMNS, ...PROPERTY_COLUMNS];

/** 4. New parcels. */
export const INSERT_PROPERTIES = `
INSERT INTO property (organization_id, id, addr_hash, apn, mak, ${names(PARCEL_COLS)})
SELECT ${ORG}, s.property_id, s.addr_hash, s.apn, s.mak, ${PARCEL_COLS.map(valueOrFallback).join(', ')}
FROM import_stage s WHERE s.property_new`;

/**
 * 5. Known parcels: fill what is empty. A key is filled only when it named no other parcel
 * (that is a conflict, step 3), and the address parts only together, when the parcel has none.
 */
export const FILL_PROPERTIES = `
UPDATE property p SET
  apn = CASE WHEN p.apn IS NULL AND s.m_apn IS NULL THEN s.apn ELSE p.apn END,
  mak = CASE WHEN p.mak IS NULL AND s.m_mak IS NULL THEN s.mak ELSE p.mak END,
  addr_hash = CASE WHEN p.addr_hash IS NULL AND s.m_addr IS NULL THEN s.addr_hash ELSE p.addr_hash END,
  ${groupFill(ADDRESS_COLUMNS, 'p', 'p.addr_hash IS NULL AND s.m_addr IS NULL AND s.addr_hash IS NOT NULL').join(',\n  ')},
  ${PROPERTY_COLUMNS.map((x) => fill(x, 'p')).join(',\n  ')}
FROM import_stage s
WHERE p.organization_id = ${ORG} AND p.id = s.property_id AND NOT s.property_new AND (
  (p.apn IS NULL AND s.m_apn IS NULL AND s.apn IS NOT NULL) OR (p.mak IS NULL AND s.m_mak IS NULL AND s.mak IS NOT NULL)
  OR (p.addr_hash IS NULL AND s.m_addr IS NULL AND s.addr_hash IS NOT NULL)
  OR ${PROPERTY_COLUMNS.map((x) => fills(x, 'p')).join('\n  OR ')})`;

/**
 * 6. The parcel's owner: the live lead on it whose person has the row's name (or the nameless
 * lead for a nameless row). A named row adopts a nameless lead rather than adding a second.
 */
export const RESOLVE_LEADS = [
  // (OFFSET 0 keeps the probe on the parcel's leads: flattened, the ORDER BY would walk the
  // whole organization's leads in created order)
  `UPDATE import_stage s SET (lead_id, person_id) = (
     SELECT x.id, x.person_id FROM (
       SELECT l.id, l.person_id, l.created_at FROM lead l JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
       WHERE l.organization_id = ${ORG} AND l.property_id = s.property_id AND l.deleted_at IS NULL AND pe.name_key = s.name_key OFFSET 0) x
     ORDER BY x.created_at, x.id LIMIT 1)
   WHERE NOT s.property_new AND s.name_key IS NOT NULL`,
  // a nameless row joins the parcel's nameless lead, else its first owner's
  `UPDATE import_stage s SET (lead_id, person_id) = (
     SELECT x.id, x.person_id FROM (
       SELECT l.id, l.person_id, l.created_at FROM lead l
       WHERE l.organization_id = ${ORG} AND l.property_id = s.property_id AND l.deleted_at IS NULL
         AND (l.person_id IS NULL OR s.name_key IS NULL) OFFSET 0) x
     ORDER BY x.person_id IS NULL DESC, x.created_at, x.id LIMIT 1)
   WHERE NOT s.property_new AND s.lead_id IS NULL`,
  // an owner not found on the parcel is a new person; a lead not found, a new lead
  `UPDATE import_stage SET person_id = CASE WHEN person_id IS NULL AND name_key IS NOT NULL THEN new_person_id ELSE person_id END,
     person_new = person_id IS NULL AND name_key IS NOT NULL, lead_new = lead_id IS NULL, lead_id = coalesce(lead_id, new_lead_id)
   WHERE NOT property_new`,
];

const PERSON_COLS = [...PERSON_COLUMNS, ...MAILING_COLUMNS];

/** 7. New owners. */
export const INSERT_PERSONS = `
INSERT INTO person (organization_id, id, name_key, is_company, ${names(PERSON_COLS)})
SELECT ${ORG}, s.person_id, s.name_key, coalesce(s.is_company, false), ${names(PERSON_COLS, 's.')}
FROM import_stage s WHERE s.person_new`;

/** 8. Known owners: fill what is empty; the mailing address as a unit. */
export const FILL_PERSONS = `
UPDATE person pe SET
  ${PERSON_COLUMNS.map((x) => fill(x, 'pe')).join(',\n  ')},
  ${groupFill(MAILING_COLUMNS, 'pe', 'pe.mailing_line1 IS NULL AND s.mailing_line1 IS NOT NULL').join(',\n  ')}
FROM import_stage s
WHERE pe.organization_id = ${ORG} AND pe.id = s.person_id AND NOT s.person_new AND (
  ${PERSON_COLUMNS.map((x) => fills(x, 'pe')).join('\n  OR ')}
  OR (pe.mailing_line1 IS NULL AND s.mailing_line1 IS NOT NULL))`;

/** 9. New leads. A vendor id already held by another live lead stays with that lead. */
export const INSERT_LEADS = `
INSERT INTO lead (organization_id, id, person_id, property_id, source, vendor_record_id, ${names(LEAD_COLUMNS)}, tags, raw_data)
SELECT ${ORG}, s.lead_id, s.person_id, s.property_id, s.source,
  CASE WHEN s.vendor_record_id IS NOT NULL AND NOT ${vendorTaken} THEN s.vendor_record_id END,
  ${names(LEAD_COLUMNS, 's.')}, coalesce(s.tags, '{}'), s.raw_data
FROM import_stage s WHERE s.lead_new`;

/** 10. Known leads: seen again now, empty fields filled, tags and raw columns added to. */
export const FILL_LEADS = `
UPDATE lead l SET
  last_seen_at = greatest(l.last_seen_at, now()),
  person_id = coalesce(l.person_id, s.person_id),
  vendor_record_id = CASE WHEN l.vendor_record_id IS NULL AND s.vendor_record_id IS NOT NULL AND NOT ${vendorTaken}
                          THEN s.vendor_record_id ELSE l.vendor_record_id END,
  ${LEAD_COLUMNS.map((x) => fill(x, 'l')).join(',\n  ')},
  tags = CASE WHEN s.tags IS NULL OR s.tags <@ l.tags THEN l.tags
              ELSE ARRAY(SELECT DISTINCT t FROM unnest(l.tags || s.tags) t ORDER BY t) END,
  raw_data = CASE WHEN s.raw_data IS NULL THEN l.raw_data ELSE s.raw_data || coalesce(l.raw_data, '{}') END
FROM import_stage s
WHERE l.organization_id = ${ORG} AND l.id = s.lead_id AND NOT s.lead_new`;

/**
 * How a contact point met again merges (merge_contact_point): sources accumulate, the best
 * score and any verification win, a do-not-call flag is never cleared, first seen is kept.
 */
export const CONTACT_POINT_MERGE = `
ON CONFLICT (organization_id, person_id, kind, value_hash) DO UPDATE SET
  sources = CASE WHEN excluded.sources <@ contact_point.sources THEN contact_point.sources
                 ELSE ARRAY(SELECT DISTINCT x FROM unnest(contact_point.sources || excluded.sources) x ORDER BY x) END,
  score = greatest(contact_point.score, excluded.score),
  verified = contact_point.verified OR excluded.verified,
  dnc = contact_point.dnc OR excluded.dnc,
  type = coalesce(contact_point.type, excluded.type),
  carrier = coalesce(contact_point.carrier, excluded.carrier),
  last_seen_at = greatest(contact_point.last_seen_at, excluded.last_seen_at)`;

/** 11. Phones and emails onto their owners. Returns how many were new and how many merged. */
export const MERGE_CONTACT_POINTS = `
WITH m AS (
  INSERT INTO contact_point (organization_id, id, person_id, kind, value, value_enc, value_hash, display, type, sources, dnc)
  SELECT DISTINCT ON (s.person_id, c.kind, c.value_hash)
    ${ORG}, c.new_id, s.person_id, c.kind, c.value, c.value_enc, c.value_hash, c.display, c.type, ARRAY[s.source], coalesce(c.dnc, false)
  FROM import_stage_contact c JOIN import_stage s ON s.line = c.line
  WHERE s.person_id IS NOT NULL
  ORDER BY s.person_id, c.kind, c.value_hash, c.line
  ${CONTACT_POINT_MERGE}
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS added, count(*) FILTER (WHERE NOT inserted)::int AS merged FROM m`;

const offers = (cols: MergeColumn[], prefix: string, t: string) =>
  cols.map((x) => `('${prefix}${x.name}', to_jsonb(${t}.${x.name}), to_jsonb(s.${x.name}))`).join(', ');
/** A cheap typed test first: a record met again usually offers nothing it does not hold. */
const differs = (cols: MergeColumn[], t: string) => `(${names(cols, `${t}.`)}) IS DISTINCT FROM (${names(cols, 's.')})`;
const OFFER_PARCEL_COLS = [...KEY_COLUMNS.filter((k) => k.name === 'apn' || k.name === 'mak'), ...PROPERTY_COLUMNS, ADDRESS_COLUMNS.find((a) => a.name === 'normalized_line')!];

/**
 * 12. Values the row offered for fields that already held another: the record keeps its value
 * and the offer goes to the field audit (applied = false), against the row's lead.
 */
export const RECORD_OFFERS = `
SELECT coalesce(lead_field_audit_offer(array_agg(lead_id), array_agg(field), array_agg(old_value), array_agg(new_value)), 0)::int AS offers
FROM (
  SELECT s.lead_id, x.field, x.old_value, x.new_value
  FROM import_stage s JOIN property p ON p.organization_id = ${ORG} AND p.id = s.property_id
  CROSS JOIN LATERAL (VALUES ${offers(OFFER_PARCEL_COLS, 'property.', 'p')}) AS x(field, old_value, new_value)
  WHERE NOT s.property_new AND ${differs(OFFER_PARCEL_COLS, 'p')}
    AND x.old_value IS NOT NULL AND x.new_value IS NOT NULL AND x.old_value <> x.new_value
  UNION ALL
  SELECT s.lead_id, x.field, x.old_value, x.new_value
  FROM import_stage s JOIN person pe ON pe.organization_id = ${ORG} AND pe.id = s.person_id
  CROSS JOIN LATERAL (VALUES ${offers(PERSON_COLS, 'person.', 'pe')}) AS x(field, old_value, new_value)
  WHERE NOT s.person_new AND ${differs(PERSON_COLS, 'pe')}
    AND x.old_value IS NOT NULL AND x.new_value IS NOT NULL AND x.old_value <> x.new_value
  UNION ALL
  SELECT s.lead_id, x.field, x.old_value, x.new_value
  FROM import_stage s JOIN lead l ON l.organization_id = ${ORG} AND l.id = s.lead_id
  CROSS JOIN LATERAL (VALUES ${offers(LEAD_COLUMNS, '', 'l')}) AS x(field, old_value, new_value)
  WHERE NOT s.lead_new AND ${differs(LEAD_COLUMNS, 'l')}
    AND x.old_value IS NOT NULL AND x.new_value IS NOT NULL AND x.old_value <> x.new_value
) o`;

/** 13. What the round did. */
export const ROUND_COUNTS = `
SELECT count(*) FILTER (WHERE lead_new)::int AS leads_inserted, count(*) FILTER (WHERE NOT lead_new)::int AS leads_merged,
       count(*) FILTER (WHERE property_new)::int AS properties_inserted, count(*) FILTER (WHERE person_new)::int AS persons_inserted
FROM import_stage`;
