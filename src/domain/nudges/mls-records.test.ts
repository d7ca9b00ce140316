import { describe, expect, it } from 'vitest';
import { parseMlsRecord } from './mls-records.ts';
import { recordsOf } from './mls.service.ts';

const base = {
  ListingKey: 'L1', SourceSystemID: 'actris', StandardStatus: 'Active', ListPrice: 450000, BedroomsTotal: 3, BathroomsTotalDecimal: 2.5,
  PropertySubType: 'Condominium', StreetNumber: '12', StreetName: 'Oak', StreetSuffix: 'St', UnitNumber: '4', City: 'Austin', StateOrProvince: 'tx',
  PostalCode: '78704-1234', ModificationTimestamp: '2026-03-09T15:00:00Z', OnMarketDate: '2026-03-08',
};
const ok = (r: Record<string, unknown>, source: string | null = null) => {
  const p = parseMlsRecord(r, source);
  if (!p.ok) throw new Error(`${p.field}: ${p.message}`);
  return p.row;
};

describe('RESO Property records as events', () => {
  it('reads the Data Dictionary fields: prices in cents, the address, a five-digit ZIP, the sub-type', () => {
    expect(ok(base)).toMatchObject({
      event_type: 'new_listing', event_at: '2026-03-08T00:00:00.000Z', list_price_cents: 45_000_000, beds: 3, baths: 2.5, property_type: 'condo',
      address: '12 Oak St #4', city: 'Austin', state: 'TX', zip: '78704', source_id: 'actris',
    });
  });

  it('tells the event from the status and prices, at the time that belongs to it', () => {
    expect(ok({ ...base, PreviousListPrice: 475000, PriceChangeTimestamp: '2026-03-09T18:00:00Z' })).toMatchObject({ event_type: 'price_change', event_at: '2026-03-09T18:00:00.000Z', previous_price_cents: 47_500_000 });
    expect(ok({ ...base, MlsStatus: 'Back on Market', StatusChangeTimestamp: '2026-03-09T10:00:00Z' })).toMatchObject({ event_type: 'back_on_market', event_at: '2026-03-09T10:00:00.000Z' });
    expect(ok({ ...base, StandardStatus: 'Active Under Contract' })).toMatchObject({ event_type: 'pending', event_at: '2026-03-09T15:00:00.000Z' });
    expect(ok({ ...base, StandardStatus: 'Closed', ClosePrice: 440000, CloseDate: '2026-03-07' })).toMatchObject({ event_type: 'sold', close_price_cents: 44_000_000, event_at: '2026-03-07T00:00:00.000Z' });
    for (const s of ['Expired', 'Withdrawn', 'Canceled']) expect(ok({ ...base, StandardStatus: s }).event_type).toBe('expired');
    // the same price again is no change
    expect(ok({ ...base, PreviousListPrice: 450000 }).event_type).toBe('new_listing');
  });

  it('keeps the public fields of the record, not the agents\' own (private remarks, showing and lockbox, agent contacts)', () => {
    const raw = ok({ ...base, PrivateRemarks: 'seller motivated', ShowingInstructions: 'call first', LockBoxLocation: 'back door', ListAgentDirectPhone: '512-555-0100', OwnerName: 'X' }).raw;
    expect(Object.keys(raw).sort()).toEqual(Object.keys(base).sort());
  });

  it('refuses a record it cannot use, naming the field', () => {
    const bad = (r: Record<string, unknown>, source: string | null = null) => {
      const p = parseMlsRecord(r, source);
      return p.ok ? null : p.field;
    };
    expect(bad({ ...base, ListingKey: undefined })).toBe('ListingKey');
    expect(bad({ ...base, SourceSystemID: undefined })).toBe('SourceSystemID');
    expect(bad({ ...base, SourceSystemID: undefined }, 'feed')).toBeNull();
    expect(bad({ ...base, StandardStatus: 'Hold' })).toBe('StandardStatus');
    expect(bad({ ...base, ListPrice: 'a lot' })).toBe('ListPrice');
    expect(bad({ ...base, ListPrice: -1 })).toBe('ListPrice');
    expect(bad({ ...base, PostalCode: 'ABCDE' })).toBe('PostalCode');
    expect(bad({ ...base, StateOrProvince: 'Texas' })).toBe('StateOrProvince');
    expect(bad({ ...base, OnMarketDate: 'soon' })).toBe('OnMarketDate');
    expect(bad({ ...base, OnMarketDate: undefined, ModificationTimestamp: undefined })).toBe('OnMarketDate');
    expect(bad([] as never)).toBe('(record)');
  });

  it('reads a RESO answer, a JSON array or JSON lines, and names a line that is not JSON', () => {
    expect(recordsOf(JSON.stringify({ '@odata.context': 'x', value: [base, base] }), 'f').records).toHaveLength(2);
    expect(recordsOf(JSON.stringify([base]), 'f').records).toHaveLength(1);
    const lines = recordsOf(`${JSON.stringify(base)}\n{oops\n\n${JSON.stringify(base)}\n`, 'f.jsonl');
    expect(lines.records.map((r) => r.line)).toEqual([1, 4]);
    expect(lines.errors).toEqual([{ file: 'f.jsonl', line: 2, field: '(record)', message: 'not a JSON object on this line' }]);
    expect(recordsOf('[{"a": 1}', 'bad.json').errors[0]).toMatchObject({ field: '(file)' });
  });
});
