import crypto from 'node:crypto';
import type { LeadStatus } from '../../db/schema.ts';

// A small, made-up book of leads around Austin, TX, the same on every run. Names are common
// ones combined at random; phones are in the 555-01xx range the NANP keeps for fiction; emails
// are at the example domains reserved for documentation. Nothing here reaches a real person.

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable id for a demo record, so loading twice finds the same rows. */
export function demoId(organizationId: string, kind: string, n: number): string {
  const h = crypto.createHash('sha256').update(`${organizationId}:${kind}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const FIRST = ['James', 'Maria', 'Robert', 'Linda', 'Michael', 'Patricia', 'David', 'Jennifer', 'Jose', 'Elizabeth', 'William', 'Susan', 'Carlos', 'Karen', 'Thomas', 'Nancy', 'Daniel', 'Lisa', 'Juan', 'Betty'];
const LAST = ['Garcia', 'Smith', 'Johnson', 'Martinez', 'Brown', 'Rodriguez', 'Davis', 'Lopez', 'Miller', 'Hernandez', 'Wilson', 'Gonzalez', 'Anderson', 'Perez', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson'];
const COMPANY = ['Oak Hollow Holdings LLC', 'Pecan Street Properties LLC', 'Estate of R. Alvarez', 'Bluebonnet Family Trust', 'Lone Star Rentals Inc'];
const STREETS = ['Oak', 'Pecan', 'Lamar', 'Guadalupe', 'Riverside', 'Manor', 'Cameron', 'Burnet', 'Koenig', 'Airport', 'Rundberg', 'Slaughter', 'Stassney', 'Oltorf', 'Cesar Chavez', 'Mesa', 'Anderson Mill', 'Parmer'];
const SUFFIX = ['ST', 'AVE', 'DR', 'LN', 'BLVD', 'RD', 'CT', 'CV'];
const ZIPS = ['78701', '78702', '78703', '78704', '78721', '78723', '78741', '78744', '78745', '78748', '78751', '78753', '78757', '78758'];
const AREA = ['512', '737', '210', '214', '713', '281', '832', '469', '972', '254'];
const ROOF = ['asphalt shingle', 'metal', 'tile', 'wood shake', 'flat/membrane'];
const TAGS = ['absentee', 'vacant', 'probate', 'tax-delinquent', 'high-equity', 'roof-20y+', 'follow-up', 'inherited', 'tired-landlord'];
const STATUS_WEIGHTS: [LeadStatus, number][] = [
  ['new', 40], ['contacted', 20], ['qualified', 10], ['nurturing', 10], ['appointment_scheduled', 6],
  ['proposal_sent', 4], ['closed_won', 3], ['closed_lost', 4], ['dnc', 3],
];

export interface DemoRecord {
  n: number;
  property: {
    address_line1: string; city: string; state: string; zip: string; normalized_line: string;
    apn: string; latitude: number; longitude: number; subdivision: string; property_type: string;
    year_built: number; bedrooms: number; bathrooms: number; living_area_sqft: number; lot_size_sqft: number;
    roof_age_years: number; roof_material: string; roof_condition_score: number; roof_size_sqft: number;
    estimated_value_cents: number; equity_cents: number; equity_percent: number; mortgage_balance_cents: number;
    has_mortgage: boolean; has_liens: boolean; tax_debt_cents: number; violations: number; is_probate: boolean;
    is_vacant: boolean; owner_occupied: boolean; days_on_market: number | null; condition_score: number;
  };
  person: { first_name: string | null; last_name: string | null; full_name: string; company_name: string | null; is_company: boolean; age: number | null };
  phones: { value: string; type: 'mobile' | 'landline' | 'voip'; score: number; verified: boolean }[];
  emails: { value: string; score: number; verified: boolean }[];
  lead: {
    status: LeadStatus; lead_score: number; motivation_score: number; quality_score: number;
    tier: 'hot' | 'warm' | 'cold'; temperature: 'hot' | 'warm' | 'cold' | 'dead'; tags: string[];
    /** index into the demo agents, or null for unassigned */
    agent: number | null; acquisition_cost_cents: number;
  };
}

export function demoRecords(count = 200, seed = 20261123): DemoRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const weighted = () => {
    let x = r() * STATUS_WEIGHTS.reduce((s, [, w]) => s + w, 0);
    for (const [s, w] of STATUS_WEIGHTS) if ((x -= w) < 0) return s;
    return 'new' as LeadStatus;
  };
  const records: DemoRecord[] = [];
  for (let n = 1; n <= count; n++) {
    const company = r() < 0.1;
    const first = pick(FIRST);
    const last = pick(LAST);
    const street = `${100 + n * 13 + int(0, 9)} ${pick(STREETS).toUpperCase()} ${pick(SUFFIX)}`; // unique per n
    const value = int(180, 950) * 1000_00;
    const mortgage = r() < 0.35 ? 0 : Math.floor(value * r() * 0.9);
    const roofAge = int(1, 32);
    const lead_score = int(15, 99);
    const motivation = int(0, 100);
    const tags = TAGS.filter(() => r() < 0.15);
    records.push({
      n,
      property: {
        address_line1: street, city: 'AUSTIN', state: 'TX', zip: pick(ZIPS), normalized_line: street,
        apn: `0${int(10000, 99999)}${int(1000, 9999)}${String(n).padStart(4, '0')}`,
        latitude: 30.2 + r() * 0.25, longitude: -97.85 + r() * 0.2,
        subdivision: `${pick(STREETS)} ${pick(['Heights', 'Park', 'Estates', 'Terrace'])}`,
        property_type: r() < 0.85 ? 'single_family' : 'multi_family',
        year_built: int(1950, 2020), bedrooms: int(2, 5), bathrooms: int(2, 7) / 2,
        living_area_sqft: int(900, 3800), lot_size_sqft: int(4000, 15000),
        roof_age_years: roofAge, roof_material: pick(ROOF), roof_condition_score: Math.max(0, 100 - roofAge * 3 - int(0, 10)),
        roof_size_sqft: int(1200, 4200),
        estimated_value_cents: value, equity_cents: value - mortgage, equity_percent: Math.round(((value - mortgage) / value) * 10000) / 100,
        mortgage_balance_cents: mortgage, has_mortgage: mortgage > 0, has_liens: r() < 0.08,
        tax_debt_cents: r() < 0.1 ? int(500, 15000) * 100 : 0, violations: r() < 0.1 ? int(1, 4) : 0,
        is_probate: r() < 0.05, is_vacant: r() < 0.08, owner_occupied: r() < 0.7,
        days_on_market: r() < 0.15 ? int(5, 240) : null, condition_score: int(20, 95),
      },
      person: company
        ? { first_name: null, last_name: null, full_name: pick(COMPANY), company_name: pick(COMPANY), is_company: true, age: null }
        : { first_name: first, last_name: last, full_name: `${first} ${last}`, company_name: null, is_company: false, age: int(28, 88) },
      phones: Array.from({ length: r() < 0.3 ? 0 : int(1, 3) }, (_, i) => ({
        value: `+1${AREA[(n + i) % AREA.length]}55501${String((n * 7 + i * 31) % 100).padStart(2, '0')}`,
        type: pick(['mobile', 'mobile', 'landline', 'voip'] as const),
        score: int(30, 99),
        verified: r() < 0.4,
      })),
      emails: r() < 0.5 ? [] : [{ value: `${first}.${last}${n}@${pick(['example.com', 'example.net', 'example.org'])}`.toLowerCase(), score: int(30, 99), verified: r() < 0.5 }],
      lead: {
        status: weighted(), lead_score, motivation_score: motivation, quality_score: int(0, 100),
        tier: lead_score >= 80 ? 'hot' : lead_score >= 60 ? 'warm' : 'cold',
        temperature: motivation >= 75 ? 'hot' : motivation >= 50 ? 'warm' : motivation >= 25 ? 'cold' : 'dead',
        tags, agent: r() < 0.5 ? int(0, 1) : null, acquisition_cost_cents: int(5, 60),
      },
    });
  }
  return records;
}
