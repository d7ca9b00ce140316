// The ports: what Porchlight asks of a data vendor, in its own words. Each port has a local
// adapter (deterministic, offline, the default) and an HTTP adapter speaking a real vendor's API.
// Every method takes a batch: vendors price and rate-limit per record, and a batch lets the
// waterfall make one round trip (or one in-process call) for many leads.

export type PortName = 'property_search' | 'skip_trace' | 'append' | 'phone_verify' | 'email_verify';
export const PORT_NAMES: readonly PortName[] = ['property_search', 'skip_trace', 'append', 'phone_verify', 'email_verify'];

export interface PostalAddress {
  line1: string;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
}

// --- property search (a list pull) ---------------------------------------------------------------

/** What a pull or an area scan asks for. Canonicalized into the query signature. */
export interface PropertyQuery {
  zip_codes?: string[];
  /** An area by name: "Austin, TX" (city), "78701" (zip_code), or a custom area's name. */
  area?: { type: 'city' | 'zip_code' | 'custom_area'; value: string };
  /** Vendor-neutral filters: property_type, owner_occupied, min_equity_percent, absentee_owner ... */
  filters?: Record<string, unknown>;
  /** Vendors page a stable order; newest first lets a later pull stop at the first known record. */
  sort?: string;
}

export interface VendorOwner {
  fullName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  mailing?: PostalAddress | null;
}

export interface FoundPhone {
  /** As the vendor gave it; normalized to E.164 by the caller. */
  number: string;
  type: 'mobile' | 'landline' | 'voip' | null;
  carrier: string | null;
  valid: boolean | null;
  dnc: boolean | null;
  /** 0–100. */
  confidence: number | null;
}

export interface FoundEmail {
  address: string;
  type: 'personal' | 'work' | null;
  valid: boolean | null;
  confidence: number | null;
}

/** One property record of a vendor's search, in Porchlight's words (money in cents). */
export interface VendorProperty {
  vendorId: string;
  address: PostalAddress;
  county?: string | null;
  apn?: string | null;
  mak?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  propertyType?: string | null;
  yearBuilt?: number | null;
  bedrooms?: number | null;
  bathrooms?: number | null;
  livingAreaSqft?: number | null;
  lotSizeSqft?: number | null;
  estimatedValueCents?: number | null;
  equityCents?: number | null;
  equityPercent?: number | null;
  mortgageBalanceCents?: number | null;
  lastSaleDate?: string | null;
  lastSalePriceCents?: number | null;
  taxDebtCents?: number | null;
  ownerOccupied?: boolean | null;
  isVacant?: boolean | null;
  owner?: VendorOwner | null;
  phones?: FoundPhone[];
  emails?: FoundEmail[];
}

export interface PropertyPage {
  records: VendorProperty[];
  /** 1-based. */
  page: number;
  /** Everything the query matches at the vendor, when it says. */
  total: number | null;
  /** False on the last page. */
  hasMore: boolean;
  /** What the vendor charges for this page, in cents. */
  costCents: number;
}

export interface PropertySearchPort {
  readonly port: 'property_search';
  readonly provider: string;
  search(query: PropertyQuery, page: number, pageSize: number, signal?: AbortSignal): Promise<PropertyPage>;
}

// --- person look-ups: append (stage 1) and skip-trace (stage 2) ------------------------------------

export interface PersonLookup {
  /** The caller's key for this request (a lead id); answers carry it back. */
  key: string;
  firstName?: string | null;
  lastName?: string | null;
  fullName?: string | null;
  address: PostalAddress;
  mailing?: PostalAddress | null;
}

export interface PersonMatch {
  key: string;
  matched: boolean;
  /** 0–100. */
  confidence: number | null;
  phones: FoundPhone[];
  emails: FoundEmail[];
  /** Append only: the parcel's address key and whether the named owner lives there. */
  mak?: string | null;
  ownerVerified?: boolean | null;
  age?: number | null;
  /** What this record cost, in cents (vendors often charge only for a match). */
  costCents: number;
}

export interface PersonLookupPort {
  readonly port: 'skip_trace' | 'append';
  readonly provider: string;
  /** The most requests one call takes. */
  readonly maxBatch: number;
  lookup(requests: PersonLookup[], signal?: AbortSignal): Promise<PersonMatch[]>;
}

// --- verification (stage 3) ---------------------------------------------------------------------

export interface PhoneVerdict {
  /** E.164, as asked. */
  number: string;
  valid: boolean;
  lineType: 'mobile' | 'landline' | 'voip' | 'toll_free' | null;
  carrier: string | null;
  dnc: boolean | null;
  costCents: number;
}

export interface EmailVerdict {
  address: string;
  status: 'deliverable' | 'undeliverable' | 'risky' | 'unknown';
  costCents: number;
}

export interface PhoneVerifyPort {
  readonly port: 'phone_verify';
  readonly provider: string;
  readonly maxBatch: number;
  verify(numbers: string[], signal?: AbortSignal): Promise<PhoneVerdict[]>;
}

export interface EmailVerifyPort {
  readonly port: 'email_verify';
  readonly provider: string;
  readonly maxBatch: number;
  verify(addresses: string[], signal?: AbortSignal): Promise<EmailVerdict[]>;
}

export interface Providers {
  propertySearch: PropertySearchPort;
  skipTrace: PersonLookupPort;
  append: PersonLookupPort;
  phoneVerify: PhoneVerifyPort;
  emailVerify: EmailVerifyPort;
}

// --- failures -----------------------------------------------------------------------------------

export type ProviderFailure = 'rate_limited' | 'server' | 'malformed' | 'timeout' | 'rejected' | 'network';

/**
 * A provider call that failed. `charged` says whether the vendor may have billed it: an error
 * status is not billed; a malformed answer or a timeout may have been (the vendor did the work).
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly failure: ProviderFailure,
    message: string,
    readonly opts: { status?: number; retryAfterMs?: number; charged?: boolean; cause?: unknown } = {},
  ) {
    super(`${provider}: ${message}`, { cause: opts.cause });
    this.name = 'ProviderError';
  }

  get charged() {
    return this.opts.charged ?? (this.failure === 'malformed' || this.failure === 'timeout');
  }
}
