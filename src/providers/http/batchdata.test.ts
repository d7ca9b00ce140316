import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, type PersonLookup } from '../ports.ts';
import { createBatchDataPhoneVerify, createBatchDataPropertySearch, createBatchDataSkipTrace } from './batchdata.ts';

// A stub BatchData on 127.0.0.1 answering in BatchData's v1 JSON (shapes as documented in batchdata.ts).
type Reply = { status?: number; headers?: Record<string, string>; body?: unknown } | 'hang';
interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; json: any }

async function stubServer(script: Reply[]) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, json: body ? JSON.parse(body) : undefined });
      const reply = script[Math.min(seen.length, script.length) - 1]!;
      if (reply === 'hang') return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((ok) => server.close(() => ok()));
  };
  return { url, seen, close };
}

let stub: Awaited<ReturnType<typeof stubServer>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function fakeClock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept };
}

const common = () => ({ apiKey: 'bd-test-key', baseUrl: stub!.url, timeoutMs: 2000, ratePerSecond: 1000, burst: 10 });

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

// Two records in the shape of BatchData's property search answer (trimmed to the fields we read plus a few we don't).
const property = {
  _id: 'bd-prop-1',
  address: { street: '123 Main St', city: 'Austin', state: 'TX', zip: '78701', zipPlus4: '1234', county: 'Travis', latitude: 30.2672, longitude: -97.7431, addressValidity: 'Valid' },
  ids: { apn: '01-2345-0678', fipsCode: '48453' },
  owner: {
    fullName: 'Jane Q Doe',
    names: [{ first: 'Jane', middle: 'Q', last: 'Doe', full: 'Jane Q Doe' }],
    ownerOccupied: false,
    mailingAddress: { street: '9 Elm Ave', city: 'Dallas', state: 'TX', zip: '75201' },
    phoneNumbers: [{ number: '5125550100', type: 'Mobile', carrier: 'T-Mobile', reachable: true, dnc: false, tcpa: false, score: 92, tested: true }],
    emails: ['jane@example.com'],
  },
  building: { yearBuilt: 1985, bedroomCount: 3, bathroomCount: 2, livingAreaSquareFeet: 1650, roofType: 'Hip' },
  lot: { lotSizeSquareFeet: 6534, lotSizeAcres: 0.15 },
  general: { propertyTypeDetail: 'Single Family', propertyTypeCategory: 'Residential', vacant: true },
  valuation: { estimatedValue: 412500, equityCurrentEstimatedBalance: 245837.5, equityPercent: 59.6, ltv: 40.4, confidenceScore: 94 },
  openLien: { totalOpenLienCount: 1, totalOpenLienBalance: '166662.50' },
  sale: { lastSale: { saleDate: '2016-05-20T00:00:00.000Z', price: 289000, documentType: 'Grant Deed' } },
  quickLists: { absenteeOwner: true, ownerOccupied: false, vacant: true, taxDefault: false },
};
const sparse = { _id: 'bd-prop-2', address: { street: '125 Main St', city: 'Austin', state: 'TX', zip: '78701' }, intel: { lastSoldDate: '2001-02-03', lastSoldPrice: 99000 } };
const searchAnswer = (resultsFound: number | null, properties = [property, sparse]) => ({
  status: { code: 200, text: 'OK' },
  results: { properties, meta: { requestId: 'r1', results: resultsFound === null ? {} : { resultCount: properties.length, resultsFound } } },
});

describe('BatchData property search', () => {
  it('asks for the right page and criteria, and maps the answer to cents and our names', async () => {
    stub = await stubServer([{ body: searchAnswer(52) }]);
    const search = createBatchDataPropertySearch({ ...common(), pricePerRecordCents: 12 });
    const query = { zip_codes: ['78701', '78702'], filters: { property_type: 'Single Family', min_equity_percent: 40, absentee_owner: true, vacant: true } };
    const page = await search.search(query, 3, 25);

    expect(stub.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/property/search' });
    expect(stub.seen[0]!.headers.authorization).toBe('Bearer bd-test-key');
    expect(stub.seen[0]!.json).toEqual({
      searchCriteria: {
        address: { zip: { inList: ['78701', '78702'] } },
        general: { propertyTypeDetail: { inList: ['Single Family'] } },
        valuation: { equityPercent: { min: 40 } },
        quickLists: ['absentee-owner', 'vacant'],
      },
      options: { skip: 50, take: 25 },
    });

    expect(page).toMatchObject({ page: 3, total: 52, hasMore: false, costCents: 24 });
    expect(page.records[0]).toEqual({
      vendorId: 'bd-prop-1',
      address: { line1: '123 Main St', city: 'Austin', state: 'TX', zip: '78701' },
      county: 'Travis',
      apn: '01-2345-0678',
      mak: null,
      latitude: 30.2672,
      longitude: -97.7431,
      propertyType: 'Single Family',
      yearBuilt: 1985,
      bedrooms: 3,
      bathrooms: 2,
      livingAreaSqft: 1650,
      lotSizeSqft: 6534,
      estimatedValueCents: 41_250_000,
      equityCents: 24_583_750,
      equityPercent: 59.6,
      mortgageBalanceCents: 16_666_250,
      lastSaleDate: '2016-05-20',
      lastSalePriceCents: 28_900_000,
      taxDebtCents: null,
      ownerOccupied: false,
      isVacant: true,
      owner: { fullName: 'Jane Q Doe', firstName: 'Jane', lastName: 'Doe', mailing: { line1: '9 Elm Ave', city: 'Dallas', state: 'TX', zip: '75201' } },
      phones: [{ number: '5125550100', type: 'mobile', carrier: 'T-Mobile', valid: true, dnc: false, confidence: 92 }],
      emails: [{ address: 'jane@example.com', type: null, valid: null, confidence: null }],
    });
    expect(page.records[1]).toMatchObject({ vendorId: 'bd-prop-2', lastSaleDate: '2001-02-03', lastSalePriceCents: 9_900_000, owner: null, estimatedValueCents: null, phones: [] });
  });

  it('says there is more while skip + records < total, or on a full page when the total is unknown', async () => {
    stub = await stubServer([{ body: searchAnswer(1000) }, { body: searchAnswer(null) }, { body: searchAnswer(null, [sparse]) }]);
    const search = createBatchDataPropertySearch({ ...common(), pricePerRecordCents: 1 });
    expect(await search.search({ area: { type: 'city', value: 'Austin, TX' } }, 1, 2)).toMatchObject({ total: 1000, hasMore: true });
    expect(stub.seen[0]!.json).toEqual({ searchCriteria: { query: 'Austin, TX' }, options: { skip: 0, take: 2 } });
    expect(await search.search({ zip_codes: ['78701'] }, 2, 2)).toMatchObject({ total: null, hasMore: true });
    expect(await search.search({ zip_codes: ['78701'] }, 3, 2)).toMatchObject({ total: null, hasMore: false, costCents: 1 });
  });

  it('refuses a filter it cannot express before anything is sent or billed', async () => {
    stub = await stubServer([{ body: searchAnswer(0, []) }]);
    const search = createBatchDataPropertySearch({ ...common(), pricePerRecordCents: 1 });
    const err = await failure(search.search({ zip_codes: ['78701'], filters: { pool: true } }, 1, 25));
    expect(err.failure).toBe('rejected');
    expect(err.charged).toBe(false);
    expect(stub.seen).toHaveLength(0);
  });

  it('waits out a 429 as told by Retry-After, then answers', async () => {
    stub = await stubServer([{ status: 429, headers: { 'retry-after': '3' }, body: { status: { code: 429, text: 'Too Many Requests' } } }, { body: searchAnswer(2) }]);
    const clock = fakeClock();
    const page = await createBatchDataPropertySearch({ ...common(), ...clock, pricePerRecordCents: 1 }).search({ zip_codes: ['78701'] }, 1, 25);
    expect(page.records).toHaveLength(2);
    expect(clock.slept).toEqual([3000]);
    expect(stub.seen).toHaveLength(2);
  });

  it('reports a vendor that stays at 429 as rate_limited', async () => {
    stub = await stubServer([{ status: 429, headers: { 'retry-after': '1' } }]);
    const search = createBatchDataPropertySearch({ ...common(), ...fakeClock(), pricePerRecordCents: 1 });
    const err = await failure(search.search({ zip_codes: ['78701'] }, 1, 25));
    expect(err).toMatchObject({ failure: 'rate_limited', opts: { status: 429, retryAfterMs: 1000 } });
    expect(err.charged).toBe(false);
  });

  it('reports a 500 as server, not billed', async () => {
    stub = await stubServer([{ status: 500, body: { status: { code: 500, text: 'Internal Server Error' } } }]);
    const err = await failure(createBatchDataPropertySearch({ ...common(), pricePerRecordCents: 1 }).search({ zip_codes: ['78701'] }, 1, 25));
    expect(err).toMatchObject({ failure: 'server', opts: { status: 500 } });
    expect(err.charged).toBe(false);
  });

  it('reports a cut-off body as malformed, billed', async () => {
    stub = await stubServer([{ body: '{"results": ' }]);
    const err = await failure(createBatchDataPropertySearch({ ...common(), pricePerRecordCents: 1 }).search({ zip_codes: ['78701'] }, 1, 25));
    expect(err.failure).toBe('malformed');
    expect(err.charged).toBe(true);
  });

  it('reports a vendor that never answers as a timeout', async () => {
    stub = await stubServer(['hang']);
    const err = await failure(createBatchDataPropertySearch({ ...common(), timeoutMs: 200, pricePerRecordCents: 1 }).search({ zip_codes: ['78701'] }, 1, 25));
    expect(err.failure).toBe('timeout');
    expect(err.charged).toBe(true);
  });
});

const lookups: PersonLookup[] = [
  { key: 'lead-a', firstName: 'Jane', lastName: 'Doe', address: { line1: '123 Main St', city: 'Austin', state: 'TX', zip: '78701' } },
  { key: 'lead-b', fullName: 'John Q Public', address: { line1: '77 Oak Rd', line2: 'Apt 4', city: 'Austin', state: 'TX', zip: '78702' }, mailing: { line1: 'PO Box 9', city: 'Waco', state: 'TX', zip: '76701' } },
];
const janeFound = {
  _id: 'person-1',
  name: { first: 'Jane', last: 'Doe' },
  propertyAddress: { street: '123 Main St', city: 'Austin', state: 'TX', zip: '78701' },
  phoneNumbers: [
    { number: '5125550100', type: 'Mobile', carrier: 'T-Mobile USA', reachable: true, dnc: false, score: 95, tested: true },
    { number: '5125550199', type: 'Land Line', carrier: 'AT&T', reachable: false, dnc: true, score: 60, tested: true },
  ],
  emails: [{ email: 'jane.doe@example.com', tested: true }],
  litigator: false,
  meta: { matched: true, error: false },
};
const johnMissing = { propertyAddress: { street: '77 Oak Rd Apt 4', city: 'Austin', state: 'TX', zip: '78702' }, meta: { matched: false, error: false } };

describe('BatchData skip trace', () => {
  it('sends one request per lead and maps persons back by position, billing matches only', async () => {
    stub = await stubServer([{ body: { status: { code: 200, text: 'OK' }, results: { persons: [janeFound, johnMissing], meta: { results: { requestCount: 2, matchCount: 1 } } } } }]);
    const trace = createBatchDataSkipTrace({ ...common(), pricePerMatchCents: 15 });
    expect(trace).toMatchObject({ port: 'skip_trace', provider: 'batchdata', maxBatch: 100 });
    const out = await trace.lookup(lookups);

    expect(stub.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/property/skip-trace' });
    expect(stub.seen[0]!.headers.authorization).toBe('Bearer bd-test-key');
    expect(stub.seen[0]!.json).toEqual({
      requests: [
        { requestId: '0', propertyAddress: { street: '123 Main St', city: 'Austin', state: 'TX', zip: '78701' }, name: { first: 'Jane', last: 'Doe' } },
        {
          requestId: '1',
          propertyAddress: { street: '77 Oak Rd Apt 4', city: 'Austin', state: 'TX', zip: '78702' },
          name: { first: 'John', last: 'Public' },
          mailingAddress: { street: 'PO Box 9', city: 'Waco', state: 'TX', zip: '76701' },
        },
      ],
    });
    expect(out).toEqual([
      {
        key: 'lead-a',
        matched: true,
        confidence: 95,
        phones: [
          { number: '5125550100', type: 'mobile', carrier: 'T-Mobile USA', valid: true, dnc: false, confidence: 95 },
          { number: '5125550199', type: 'landline', carrier: 'AT&T', valid: false, dnc: true, confidence: 60 },
        ],
        emails: [{ address: 'jane.doe@example.com', type: null, valid: true, confidence: null }],
        age: null,
        costCents: 15,
      },
      { key: 'lead-b', matched: false, confidence: 0, phones: [], emails: [], costCents: 0 },
    ]);
  });

  it('follows echoed request ids when the answer comes back in another order', async () => {
    const persons = [{ ...johnMissing, meta: { ...johnMissing.meta, requestId: '1' } }, { ...janeFound, meta: { ...janeFound.meta, requestId: '0' } }];
    stub = await stubServer([{ body: { results: { persons } } }]);
    const out = await createBatchDataSkipTrace({ ...common(), pricePerMatchCents: 15 }).lookup(lookups);
    expect(out.map((m) => [m.key, m.matched, m.costCents])).toEqual([['lead-a', true, 15], ['lead-b', false, 0]]);
  });

  it('calls an answer that cannot be matched to the requests malformed', async () => {
    stub = await stubServer([{ body: { results: { persons: [janeFound] } } }]);
    const err = await failure(createBatchDataSkipTrace({ ...common(), pricePerMatchCents: 15 }).lookup(lookups));
    expect(err.failure).toBe('malformed');
    expect(err.charged).toBe(true);
  });

  it('reports a 500 as server, not billed', async () => {
    stub = await stubServer([{ status: 502 }]);
    const err = await failure(createBatchDataSkipTrace({ ...common(), pricePerMatchCents: 15 }).lookup(lookups));
    expect(err).toMatchObject({ failure: 'server', opts: { status: 502 } });
  });
});

describe('BatchData phone verification', () => {
  it('sends ten-digit numbers and maps verdicts back by number', async () => {
    stub = await stubServer([
      {
        body: {
          status: { code: 200, text: 'OK' },
          results: {
            phoneNumbers: [
              { number: '5125550101', valid: false, type: null, carrier: null, dnc: false },
              { number: '5125550100', valid: true, type: 'Mobile', carrier: 'Verizon Wireless', dnc: true, tcpa: false },
            ],
          },
        },
      },
    ]);
    const verify = createBatchDataPhoneVerify({ ...common(), pricePerRecordCents: 1 });
    const out = await verify.verify(['+15125550100', '+15125550101']);
    expect(stub.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/phone/verification', json: { requests: ['5125550100', '5125550101'] } });
    expect(stub.seen[0]!.headers.authorization).toBe('Bearer bd-test-key');
    expect(out).toEqual([
      { number: '+15125550100', valid: true, lineType: 'mobile', carrier: 'Verizon Wireless', dnc: true, costCents: 1 },
      { number: '+15125550101', valid: false, lineType: null, carrier: null, dnc: false, costCents: 1 },
    ]);
  });

  it('calls an answer about other numbers malformed', async () => {
    stub = await stubServer([{ body: { results: { phoneNumbers: [{ number: '2025550000', valid: true }] } } }]);
    const err = await failure(createBatchDataPhoneVerify({ ...common(), pricePerRecordCents: 1 }).verify(['+15125550100', '+15125550101']));
    expect(err.failure).toBe('malformed');
  });
});
