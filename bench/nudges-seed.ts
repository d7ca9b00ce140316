import { sql } from 'kysely';
import type { Container } from '../src/app/container.ts';
import { withTenant, type Actor } from '../src/db/tenant.ts';

// The nudge benchmark's data, the same every run: agents whose market is two of 20 Austin ZIP
// codes, clients with notes made of what buyers say (a yard, schools, a pool ...) and the
// preferences of buyers (their agent's ZIPs, a price band of +/-20% around a budget, beds), and
// RESO listing events in those ZIPs whose remarks use the same phrases. Clients are made by
// set-based SQL; events go through the MLS service like any feed.

export const ZIPS = ['78701', '78702', '78703', '78704', '78705', '78721', '78722', '78723', '78727', '78729',
  '78731', '78735', '78741', '78744', '78745', '78746', '78748', '78749', '78751', '78757'];
const PHRASES = ['big backyard for the dogs', 'near good schools', 'walk to parks and trails', 'updated kitchen', 'a pool for the summer', 'quiet street',
  'walkable to restaurants', 'downtown views', 'two car garage', 'a home office', 'single story living', 'mother-in-law suite', 'fixer-upper with potential',
  'new roof and windows', 'open floor plan', 'hardwood floors', 'mature shade trees', 'close to the lake', 'room for a garden', 'short commute downtown'];

// what makes one client unlike the next: a detail of their life, one of 60
const DETAILS = `piano chickens solar kayak workshop bees vintage cars treehouse wine cellar greenhouse horses telescope pottery aquarium sauna
  chess library yoga gym theater pingpong darts billiards archery fencing sailing fishing hunting skiing climbing cycling running tennis golf
  basketball soccer baseball hockey volleyball surfing diving rowing karate boxing dance choir guitar drums violin painting sculpture photography
  woodworking knitting sewing cooking baking barbecue brewing gardening birding camping`.split(/\s+/);

/** A stable pseudo-random number from a seed (FNV-1a). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export async function seedClients(c: Container, actor: Actor, users: number, clients: number) {
  await withTenant(c.db, actor, async (trx) => {
    await sql`
      INSERT INTO app_user (organization_id, id, email, full_name, role)
      SELECT app_org_id(), md5('bench-nudge-user-' || u)::uuid, 'agent' || lpad(u::text, 3, '0') || '@bench.test', 'Agent ' || lpad(u::text, 3, '0'), 'agent'
      FROM generate_series(0, ${users - 1}::int) u`.execute(trx);
    await sql`
      INSERT INTO nudge_settings (organization_id, user_id, market_focus, tone)
      SELECT app_org_id(), md5('bench-nudge-user-' || u)::uuid, ARRAY[(${ZIPS}::text[])[1 + (u * 2) % 20], (${ZIPS}::text[])[2 + (u * 2) % 20]],
             (ARRAY['warm', 'professional', 'brief'])[1 + u % 3]
      FROM generate_series(0, ${users - 1}::int) u`.execute(trx);
  });
  const CHUNK = 10_000;
  for (let start = 0; start < clients; start += CHUNK) {
    const end = Math.min(clients, start + CHUNK) - 1;
    await withTenant(c.db, actor, (trx) => sql`
      WITH g AS (
        SELECT i, md5('bench-nudge-person-' || i)::uuid AS person_id, md5('bench-nudge-user-' || (i % ${users}))::uuid AS user_id, (i % ${users}) AS u,
               ('x' || substr(md5('bench-nudge-' || i), 1, 8))::bit(32)::bigint AS h,
               decode(md5('c' || i) || md5('d' || i), 'hex') AS contact_hash
        FROM generate_series(${start}::int, ${end}::int) i
      ), p AS (
        INSERT INTO person (organization_id, id, first_name, last_name, full_name)
        SELECT app_org_id(), person_id, 'Client', 'No' || i, 'Client No' || i FROM g RETURNING id
      ), cp AS (
        INSERT INTO contact_point (organization_id, person_id, kind, value, value_hash, display, sources, type)
        SELECT app_org_id(), person_id, 'email', 'client' || i || '@bench.test', contact_hash, 'c•••@bench.test', ARRAY['client'], 'personal' FROM g RETURNING id
      )
      INSERT INTO client (organization_id, user_id, person_id, contact_hash, notes, price_min_cents, price_max_cents, beds_min, areas, property_types, source)
      SELECT app_org_id(), g.user_id, g.person_id, g.contact_hash,
             'Wants ' || (${PHRASES}::text[])[1 + h % 20] || ', ' || (${PHRASES}::text[])[1 + (h >> 5) % 20] || ' and ' || (${PHRASES}::text[])[1 + (h >> 10) % 20]
               || '. Into ' || (${DETAILS}::text[])[1 + (h >> 13) % 60] || ' and ' || (${DETAILS}::text[])[1 + (h >> 19) % 60] || '.',
             (250000 + (h >> 15) % 95 * 10000) * 80, (250000 + (h >> 15) % 95 * 10000) * 120,
             CASE WHEN h % 5 = 0 THEN NULL ELSE 2 + (h >> 3) % 3 END,
             CASE WHEN h % 3 = 0 THEN ARRAY[(${ZIPS}::text[])[1 + (u * 2) % 20], (${ZIPS}::text[])[2 + (u * 2) % 20]]
                  ELSE ARRAY[(${ZIPS}::text[])[1 + (u * 2 + (h >> 20)::int % 2) % 20]] END,
             CASE WHEN h % 7 = 0 THEN ARRAY['condo'] ELSE '{}'::text[] END, 'bench'
      FROM g`.execute(trx));
  }
}

/** n RESO Property records in the 20 ZIPs, over the last 20 days. */
export function benchEvents(n: number, now = Date.now()) {
  return Array.from({ length: n }, (_, i) => {
    const h = hash(`bench-event-${i}`);
    const zip = ZIPS[h % 20]!;
    const price = 250000 + ((h >>> 5) % 95) * 10000;
    const kind = (h >>> 12) % 50;
    const at = new Date(now - ((h >>> 3) % (20 * 24)) * 3_600_000).toISOString();
    const sub = (h >>> 9) % 20 === 0 ? 'Condominium' : (h >>> 9) % 20 === 1 ? 'Townhouse' : 'Single Family Residence';
    const remarks = [PHRASES[(h >>> 14) % 20], PHRASES[(h >>> 19) % 20], PHRASES[(h >>> 24) % 20]].join(', ');
    return {
      ListingKey: `BENCH-${i}`, SourceSystemID: 'bench', ListPrice: price, BedroomsTotal: 2 + ((h >>> 7) % 4), BathroomsTotalInteger: 1 + ((h >>> 11) % 3),
      PropertyType: 'Residential', PropertySubType: sub, UnparsedAddress: `${100 + (h % 9000)} Bench St, Austin, TX ${zip}`, City: 'Austin', StateOrProvince: 'TX',
      PostalCode: zip, PublicRemarks: `${remarks[0]!.toUpperCase()}${remarks.slice(1)}.`, ModificationTimestamp: at,
      ...(kind < 30 ? { StandardStatus: 'Active', OnMarketDate: at.slice(0, 10) }
        : kind < 40 ? { StandardStatus: 'Active', PreviousListPrice: price + 15000, PriceChangeTimestamp: at }
          : kind < 44 ? { StandardStatus: 'Active', MlsStatus: 'Back on Market', StatusChangeTimestamp: at }
            : kind < 47 ? { StandardStatus: 'Pending', StatusChangeTimestamp: at }
              : { StandardStatus: 'Closed', ClosePrice: price - 5000, CloseDate: at.slice(0, 10) }),
    };
  });
}
