import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, type PersonLookup } from '../ports.ts';
import { createMelissaGlobalEmail, createMelissaPersonator, emailStatus, personatorConfidence } from './melissa.ts';

// A stub Melissa on 127.0.0.1 answering in Personator Consumer / Global Email batch JSON.
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

const LICENSE = 'MELISSA-LICENSE-42';
const PERSONATOR_PATH = '/v3/WEB/ContactVerify/doContactVerify';
const EMAIL_PATH = '/v4/WEB/GlobalEmail/doGlobalEmail';
const common = (path: string) => ({ apiKey: LICENSE, baseUrl: stub!.url + path, timeoutMs: 2000, ratePerSecond: 1000, burst: 10 });

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const lookups: PersonLookup[] = [
  { key: 'lead-a', firstName: 'Jane', lastName: 'Doe', address: { line1: '22382 Avenida Empresa', city: 'Rancho Santa Margarita', state: 'CA', zip: '92688' } },
  { key: 'lead-b', fullName: 'Ray Melissa', address: { line1: '1 Nowhere Ln', line2: 'Unit 2', city: 'Irvine', state: 'CA', zip: '92602' } },
];
// Melissa answers every field as a string, records in any order, keyed by RecordID.
const personatorAnswer = (records: object[], TransmissionResults = '') => ({ Version: '7.4.1.4206', TransmissionReference: 'porchlight', TransmissionResults, TotalRecords: String(records.length), Records: records });
const janeRecord = {
  RecordID: '0',
  Results: 'AS01,GS05,VR01,DA30,DA40,PS01,PS07,ES01',
  MelissaAddressKey: '9263880001',
  AddressLine1: '22382 Avenida Empresa',
  City: 'Rancho Santa Margarita',
  State: 'CA',
  PostalCode: '92688-2112',
  NameFull: 'Jane Doe',
  PhoneNumber: '9495550100',
  EmailAddress: 'jane.doe@example.com',
};
const rayRecord = { RecordID: '1', Results: 'AS01,AS23', MelissaAddressKey: '9260200002', NameFull: 'Ray Melissa', PhoneNumber: '', EmailAddress: '' };

describe('Melissa Personator (append)', () => {
  it('sends the batch with the license in the body and maps MAK, verify codes and appended contacts', async () => {
    stub = await stubServer([{ body: personatorAnswer([rayRecord, janeRecord]) }]);
    const append = createMelissaPersonator({ ...common(PERSONATOR_PATH), pricePerRecordCents: 5 });
    expect(append).toMatchObject({ port: 'append', provider: 'melissa', maxBatch: 100 });
    const out = await append.lookup(lookups);

    const sent = stub.seen[0]!;
    expect(sent).toMatchObject({ method: 'POST', url: PERSONATOR_PATH });
    expect(sent.url).not.toContain(LICENSE);
    expect(sent.json).toMatchObject({ CustomerID: LICENSE, Actions: 'Check,Verify,Append', Columns: 'GrpAddressDetails' });
    expect(sent.json.Records).toEqual([
      { RecordID: '0', FullName: 'Jane Doe', FirstName: 'Jane', LastName: 'Doe', AddressLine1: '22382 Avenida Empresa', AddressLine2: '', City: 'Rancho Santa Margarita', State: 'CA', PostalCode: '92688' },
      { RecordID: '1', FullName: 'Ray Melissa', FirstName: '', LastName: '', AddressLine1: '1 Nowhere Ln', AddressLine2: 'Unit 2', City: 'Irvine', State: 'CA', PostalCode: '92602' },
    ]);

    expect(out).toEqual([
      {
        key: 'lead-a',
        matched: true,
        confidence: 90,
        phones: [{ number: '9495550100', type: 'mobile', carrier: null, valid: true, dnc: null, confidence: null }],
        emails: [{ address: 'jane.doe@example.com', type: null, valid: true, confidence: null }],
        mak: '9263880001',
        ownerVerified: true,
        age: null,
        costCents: 5,
      },
      { key: 'lead-b', matched: false, confidence: 0, phones: [], emails: [], mak: '9260200002', ownerVerified: false, age: null, costCents: 5 },
    ]);
  });

  it('scores partial and indirect matches lower than a full name-and-address match', () => {
    const c = (s: string) => new Set(s.split(','));
    expect(personatorConfidence(c('VR01'))).toBe(90);
    expect(personatorConfidence(c('VR01,VS12'))).toBe(60);
    expect(personatorConfidence(c('VR01,VS13,VS01'))).toBe(40);
    expect(personatorConfidence(c('VR02'))).toBe(60);
    expect(personatorConfidence(c('DA30'))).toBe(40);
    expect(personatorConfidence(c('AS01'))).toBe(0);
  });

  it('turns a refused transmission (HTTP 200, GE05) into rejected, without the license in the message', async () => {
    stub = await stubServer([{ body: personatorAnswer([], 'GE05') }]);
    const err = await failure(createMelissaPersonator({ ...common(PERSONATOR_PATH), pricePerRecordCents: 5 }).lookup(lookups));
    expect(err.failure).toBe('rejected');
    expect(err.charged).toBe(false);
    expect(err.message).not.toContain(LICENSE);
  });

  it('calls an answer missing a record malformed', async () => {
    stub = await stubServer([{ body: personatorAnswer([janeRecord]) }]);
    const err = await failure(createMelissaPersonator({ ...common(PERSONATOR_PATH), pricePerRecordCents: 5 }).lookup(lookups));
    expect(err.failure).toBe('malformed');
    expect(err.charged).toBe(true);
  });

  it('reports a 500 as server and a vendor that never answers as a timeout', async () => {
    stub = await stubServer([{ status: 500, body: 'oops' }, 'hang']);
    const append = createMelissaPersonator({ ...common(PERSONATOR_PATH), timeoutMs: 200, pricePerRecordCents: 5 });
    expect(await failure(append.lookup(lookups))).toMatchObject({ failure: 'server', opts: { status: 500 } });
    expect((await failure(append.lookup(lookups))).failure).toBe('timeout');
  });
});

describe('Melissa Global Email (verify)', () => {
  it('sends the batch and maps result codes to verdicts', async () => {
    const addresses = ['jane.doe@example.com', 'noreply@example.com', 'who@slow.example', 'x@mailinator.com', 'bob@vtext.com'];
    stub = await stubServer([
      {
        body: {
          Version: '7.4.1',
          TransmissionReference: 'porchlight',
          TransmissionResults: '',
          TotalRecords: '5',
          Records: [
            { RecordID: '4', Results: 'ES04', EmailAddress: 'bob@vtext.com', DeliverabilityConfidenceScore: '0' },
            { RecordID: '0', Results: 'ES01,ES22', EmailAddress: 'jane.doe@example.com', DeliverabilityConfidenceScore: '95' },
            { RecordID: '1', Results: 'EE04', EmailAddress: 'noreply@example.com', DeliverabilityConfidenceScore: '0' },
            { RecordID: '2', Results: 'ES03', EmailAddress: 'who@slow.example', DeliverabilityConfidenceScore: '' },
            { RecordID: '3', Results: 'ES01,ES05', EmailAddress: 'x@mailinator.com', DeliverabilityConfidenceScore: '40' },
          ],
        },
      },
    ]);
    const verify = createMelissaGlobalEmail({ ...common(EMAIL_PATH), pricePerRecordCents: 2 });
    const out = await verify.verify(addresses);
    expect(stub.seen[0]).toMatchObject({ method: 'POST', url: EMAIL_PATH });
    expect(stub.seen[0]!.json).toEqual({
      TransmissionReference: 'porchlight',
      CustomerID: LICENSE,
      Options: 'VerifyMailbox:Express,DomainCorrection:OFF',
      Records: addresses.map((Email, i) => ({ RecordID: String(i), Email })),
    });
    expect(out.map((v) => [v.address, v.status, v.costCents])).toEqual([
      ['jane.doe@example.com', 'deliverable', 2],
      ['noreply@example.com', 'undeliverable', 2],
      ['who@slow.example', 'unknown', 2],
      ['x@mailinator.com', 'risky', 2],
      ['bob@vtext.com', 'undeliverable', 2],
    ]);
  });

  it('maps every documented status code', () => {
    const s = (x: string) => emailStatus(new Set(x.split(',')));
    expect([s('ES01'), s('ES02'), s('ES03'), s('ES06'), s('ES07'), s('ES08'), s('EE01'), s('EE02'), s('EE03'), s('')]).toEqual([
      'deliverable', 'undeliverable', 'unknown', 'risky', 'risky', 'risky', 'undeliverable', 'undeliverable', 'undeliverable', 'unknown',
    ]);
  });

  it('turns a cloud-side error (SE01) into server and a broken body into malformed', async () => {
    stub = await stubServer([{ body: { TransmissionResults: 'SE01', Records: [] } }, { body: '{"Records": [' }]);
    const verify = createMelissaGlobalEmail({ ...common(EMAIL_PATH), pricePerRecordCents: 2 });
    expect((await failure(verify.verify(['a@b.co']))).failure).toBe('server');
    const err = await failure(verify.verify(['a@b.co']));
    expect(err.failure).toBe('malformed');
    expect(err.charged).toBe(true);
  });

  it('waits out a 429 and gives up with rate_limited when it persists', async () => {
    let t = Date.UTC(2030, 0, 1);
    const slept: number[] = [];
    const clock = { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)) };
    stub = await stubServer([{ status: 429, headers: { 'retry-after': '2' } }]);
    const err = await failure(createMelissaGlobalEmail({ ...common(EMAIL_PATH), ...clock, pricePerRecordCents: 2 }).verify(['a@b.co']));
    expect(err).toMatchObject({ failure: 'rate_limited', opts: { retryAfterMs: 2000 } });
    expect(slept).toEqual([2000, 2000, 2000]);
  });
});
