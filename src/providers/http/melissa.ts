import { z } from 'zod';
import { ProviderError, type EmailVerdict, type EmailVerifyPort, type FoundPhone, type PersonLookupPort, type PersonMatch } from '../ports.ts';
import { DEFAULT_RATE_PER_SECOND, DEFAULT_TIMEOUT_MS, createHttpClient, malformed, type HttpClient, type VendorHttpOptions } from './http-client.ts';

// Melissa Cloud APIs, batch JSON over POST (up to 100 records a request), license key in the body as
// CustomerID (never in a URL, so it cannot land in a log line). Sources:
//  - Personator Consumer: melissa.com/quickstart-guides/personator-consumer (batch body: TransmissionReference,
//    Actions, Columns, CustomerID, Options, Records[{RecordID, FullName, AddressLine1, City, State,
//    PostalCode, ...}]; the URL .../v3/WEB/ContactVerify/doContactVerify), developer.melissa.com
//    /apis/personator-consumer (column groups such as GrpAddressDetails), and Melissa's result codes as
//    listed in their sample code (VR01 "individual name and address match", VR02 name+phone, VR03
//    name+email, VS01 "match made to historical address", VS12/VS13 "partial name (last/first only)",
//    DA30 "phone appended", DA40 "email appended", PS07/PS08/PS09 cellular/land/VOIP line, PS01 phone
//    matched at 10 digits, PE* phone errors, ES01 email domain valid, EE* email errors).
//  - Global Email v4: docs.melissa.com/cloud-api/global-email (POST .../v4/WEB/GlobalEmail/doGlobalEmail,
//    {CustomerID, Options:"VerifyMailbox:Express", Records[{RecordID, Email}]}) and its result-code page:
//    ES01 valid, ES02 invalid, ES03 unknown ("try again another time"), ES04 mobile address (FCC: not
//    deliverable), ES05 disposable domain, ES06 spamtrap domain, EE01-EE04 syntax/domain/server/mailbox
//    errors. ES07 (accept-all server) and ES08 (role address) were past the end of the stored page; they
//    are read as 'risky' as Melissa's list is commonly quoted, and any other code as 'unknown'.
//  - Both: service-level errors come back as HTTP 200 with TransmissionResults (GE04-GE14 license, request
//    or credit problems; SE01 cloud-side error), so the adapters turn those into 'rejected' / 'server'.

export interface MelissaOptions extends VendorHttpOptions {
  /** What one record sent costs, in cents: Melissa spends credits per record processed, match or not. */
  pricePerRecordCents: number;
}
export interface MelissaPersonatorOptions extends MelissaOptions {
  /** Default "Check,Verify,Append". */
  actions?: string;
  /** Output column groups. Default "GrpAddressDetails". */
  columns?: string;
}
export interface MelissaGlobalEmailOptions extends MelissaOptions {
  /** 'Express' (database, the default) or 'Premium' (a live mailbox check, slower and dearer). */
  verifyMailbox?: 'Express' | 'Premium';
}

export const MELISSA_PROVIDER = 'melissa';
export const MELISSA_PERSONATOR_URL = 'https://personator.melissadata.net/v3/WEB/ContactVerify/doContactVerify';
export const MELISSA_GLOBAL_EMAIL_URL = 'https://globalemail.melissadata.net/v4/WEB/GlobalEmail/doGlobalEmail';

function clientFor(opts: MelissaOptions, defaultUrl: string): HttpClient {
  return (
    opts.client ??
    createHttpClient({
      provider: MELISSA_PROVIDER,
      baseUrl: opts.baseUrl ?? defaultUrl, // the whole endpoint URL; requests go to path ''
      secrets: [opts.apiKey],
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ratePerSecond: opts.ratePerSecond ?? DEFAULT_RATE_PER_SECOND,
      burst: opts.burst,
      maxRateLimitRetries: opts.maxRateLimitRetries,
      maxRetryWaitMs: opts.maxRetryWaitMs,
      fetchImpl: opts.fetchImpl,
      sleep: opts.sleep,
      now: opts.now,
    })
  );
}

// Melissa sends every field as a string, often empty; empty means absent.
const text = z.string().nullish().transform((v) => (v == null || v.trim() === '' ? null : v.trim()));
const Envelope = { TransmissionResults: text, TransmissionReference: text };
const PersonatorRecord = z.object({
  RecordID: z.string(),
  Results: text,
  MelissaAddressKey: text,
  PhoneNumber: text,
  EmailAddress: text,
  NameFull: text,
});
const PersonatorAnswer = z.object({ ...Envelope, Records: z.array(PersonatorRecord).nullish() });
const EmailRecord = z.object({ RecordID: z.string(), Results: text, EmailAddress: text });
const EmailAnswer = z.object({ ...Envelope, Records: z.array(EmailRecord).nullish() });

function codes(results: string | null): Set<string> {
  return new Set((results ?? '').split(',').map((c) => c.trim().toUpperCase()).filter(Boolean));
}

/** HTTP 200 can still be a refusal: GE* (license, request, credits) or SE01 (their side). */
function checkTransmission(results: string | null) {
  const found = [...codes(results)];
  const server = found.find((c) => c.startsWith('SE'));
  if (server) throw new ProviderError(MELISSA_PROVIDER, 'server', `service error ${server}`);
  const refused = found.find((c) => c.startsWith('GE'));
  if (refused) throw new ProviderError(MELISSA_PROVIDER, 'rejected', `request refused: ${found.join(',')}`);
}

/** Records answered by RecordID; every record we sent must come back exactly once. */
function byRecordId<R extends { RecordID: string }>(records: R[] | null | undefined, sent: number): R[] {
  const map = new Map((records ?? []).map((r) => [r.RecordID, r]));
  const out: R[] = [];
  for (let i = 0; i < sent; i++) {
    const r = map.get(String(i));
    if (!r) throw malformed(MELISSA_PROVIDER, `answer lacks record ${i} of ${sent}`);
    out.push(r);
  }
  return out;
}

// --- Personator Consumer (append) -----------------------------------------------------------------

/**
 * Confidence from Verify codes, 0–100. VR01 (the named person at this address) is the strong signal;
 * partial names (VS12/VS13) and historical addresses (VS01) weaken it; a name matched only to the
 * phone or email (VR02/VR03) is weaker still; an append without any verify match is weakest.
 */
export function personatorConfidence(c: Set<string>): number {
  if (c.has('VR01')) return Math.max(30, 90 - (c.has('VS12') || c.has('VS13') ? 30 : 0) - (c.has('VS01') ? 20 : 0));
  if (c.has('VR02') || c.has('VR03')) return 60;
  if (c.has('DA30') || c.has('DA40')) return 40;
  return 0;
}

function phoneType(c: Set<string>): FoundPhone['type'] {
  if (c.has('PS07')) return 'mobile';
  if (c.has('PS08')) return 'landline';
  if (c.has('PS09')) return 'voip';
  return null;
}

export function createMelissaPersonator(opts: MelissaPersonatorOptions): PersonLookupPort {
  const client = clientFor(opts, MELISSA_PERSONATOR_URL);
  return {
    port: 'append',
    provider: MELISSA_PROVIDER,
    maxBatch: 100,
    async lookup(requests, signal) {
      if (requests.length === 0) return [];
      if (requests.length > 100) throw new RangeError(`melissa personator takes at most 100 records, got ${requests.length}`);
      const body = {
        TransmissionReference: 'porchlight',
        CustomerID: opts.apiKey,
        Actions: opts.actions ?? 'Check,Verify,Append',
        Columns: opts.columns ?? 'GrpAddressDetails',
        Options: '',
        Records: requests.map((r, i) => ({
          RecordID: String(i),
          FullName: r.fullName ?? [r.firstName, r.lastName].filter(Boolean).join(' '),
          FirstName: r.firstName ?? '',
          LastName: r.lastName ?? '',
          AddressLine1: r.address.line1,
          AddressLine2: r.address.line2 ?? '',
          City: r.address.city ?? '',
          State: r.address.state ?? '',
          PostalCode: r.address.zip ?? '',
        })),
      };
      const { data } = await client.request('POST', '', { body, signal, schema: PersonatorAnswer });
      checkTransmission(data.TransmissionResults);
      return byRecordId(data.Records, requests.length).map((rec, i): PersonMatch => {
        const c = codes(rec.Results);
        const confidence = personatorConfidence(c);
        const phoneValid = [...c].some((x) => x.startsWith('PE')) ? false : c.has('PS01') ? true : null;
        const emailValid = [...c].some((x) => x.startsWith('EE')) ? false : c.has('ES01') ? true : null;
        return {
          key: requests[i]!.key,
          matched: confidence > 0,
          confidence,
          // Nothing was sent in PhoneNumber/EmailAddress, so whatever comes back there was appended.
          phones: rec.PhoneNumber ? [{ number: rec.PhoneNumber, type: phoneType(c), carrier: null, valid: phoneValid, dnc: null, confidence: null }] : [],
          emails: rec.EmailAddress ? [{ address: rec.EmailAddress, type: null, valid: emailValid, confidence: null }] : [],
          mak: rec.MelissaAddressKey,
          ownerVerified: c.has('VR01'),
          age: null,
          costCents: opts.pricePerRecordCents,
        };
      });
    },
  };
}

// --- Global Email (verify) ----------------------------------------------------------------------

export function emailStatus(c: Set<string>): EmailVerdict['status'] {
  if (c.has('ES02') || c.has('ES04') || [...c].some((x) => /^EE0[1-4]$/.test(x))) return 'undeliverable';
  if (c.has('ES05') || c.has('ES06') || c.has('ES07') || c.has('ES08')) return 'risky';
  if (c.has('ES01')) return 'deliverable';
  return 'unknown';
}

export function createMelissaGlobalEmail(opts: MelissaGlobalEmailOptions): EmailVerifyPort {
  const client = clientFor(opts, MELISSA_GLOBAL_EMAIL_URL);
  return {
    port: 'email_verify',
    provider: MELISSA_PROVIDER,
    maxBatch: 100,
    async verify(addresses, signal) {
      if (addresses.length === 0) return [];
      if (addresses.length > 100) throw new RangeError(`melissa global email takes at most 100 records, got ${addresses.length}`);
      const body = {
        TransmissionReference: 'porchlight',
        CustomerID: opts.apiKey,
        // DomainCorrection off: a verdict must be about the address we hold, not a corrected one.
        Options: `VerifyMailbox:${opts.verifyMailbox ?? 'Express'},DomainCorrection:OFF`,
        Records: addresses.map((Email, i) => ({ RecordID: String(i), Email })),
      };
      const { data } = await client.request('POST', '', { body, signal, schema: EmailAnswer });
      checkTransmission(data.TransmissionResults);
      return byRecordId(data.Records, addresses.length).map((rec, i) => ({
        address: addresses[i]!,
        status: emailStatus(codes(rec.Results)),
        costCents: opts.pricePerRecordCents,
      }));
    },
  };
}
