import { setTimeout as delay } from 'node:timers/promises';
import type { z } from 'zod';
import { ProviderError } from '../ports.ts';

// One small JSON-over-fetch client for every vendor adapter. It owns the three things each vendor
// call needs and no adapter should re-invent: a rate limit that waits instead of failing, the
// 429 dance (Retry-After, a bounded number of retries), and the mapping of every way a call can go
// wrong onto ProviderError's failures, so the caller's dead-letter queue can decide what to retry
// and the ledger what was billed.

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HttpClientOptions {
  /** Names the vendor in errors: "batchdata: POST /api/v1/property/search: HTTP 500". */
  provider: string;
  baseUrl: string;
  /** Sent on every request (auth). Their values are treated as secrets: never echoed in errors. */
  headers?: Record<string, string>;
  /** Further secrets to scrub from error messages (a license key that travels in the body). */
  secrets?: string[];
  /** Per attempt, covering the response body too. */
  timeoutMs: number;
  ratePerSecond: number;
  /** Tokens the bucket holds; 1 (the default) spaces calls evenly at 1/ratePerSecond. */
  burst?: number;
  /** How many times one call is re-sent after a 429. Default 3. */
  maxRateLimitRetries?: number;
  /** The most one call will sleep in total on 429s before giving up. Default 60 s. */
  maxRetryWaitMs?: number;
  /** The first wait after a 429 without Retry-After; doubles on each further 429. Default 1 s. */
  defaultRetryAfterMs?: number;
  fetchImpl?: typeof fetch;
  /** Injected by tests so waits are recorded, not slept. */
  sleep?: Sleep;
  now?: () => number;
}

export interface HttpRequestOptions<T> {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** The shape a 2xx body must have; a body that fails it is a 'malformed' (billed) failure. */
  schema?: z.ZodType<T>;
}

export interface HttpResponse<T> {
  data: T;
  status: number;
  /** Requests sent for this call, 429 retries included. */
  attempts: number;
}

export interface HttpClient {
  readonly provider: string;
  request<T = unknown>(method: string, path: string, opts?: HttpRequestOptions<T>): Promise<HttpResponse<T>>;
}

/** What every vendor adapter's factory accepts besides its prices. */
export interface VendorHttpOptions {
  /** The vendor's API key or license key. */
  apiKey: string;
  baseUrl?: string;
  /** Default 30 000 (PORCHLIGHT_PROVIDER_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Default 5 (PORCHLIGHT_PROVIDER_RATE). */
  ratePerSecond?: number;
  burst?: number;
  maxRateLimitRetries?: number;
  maxRetryWaitMs?: number;
  fetchImpl?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
  /** A client to share, so several ports of one vendor draw on one rate limit. */
  client?: HttpClient;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RATE_PER_SECOND = 5;

const realSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/** A token bucket: `take` resolves when a request may go out, in the order callers asked. */
export function createTokenBucket(opts: { ratePerSecond: number; burst?: number; now?: () => number; sleep?: Sleep }) {
  const { ratePerSecond } = opts;
  const burst = opts.burst ?? 1;
  if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('ratePerSecond must be > 0 and burst >= 1');
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  let tokens = burst;
  let last = now();
  // Callers queue: a call that arrives later never jumps ahead of one that is waiting.
  let queue: Promise<void> = Promise.resolve();

  async function takeOne(signal?: AbortSignal) {
    for (;;) {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * ratePerSecond) / 1000);
      last = t;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - tokens) * 1000) / ratePerSecond), signal);
    }
  }

  return {
    take(signal?: AbortSignal): Promise<void> {
      const turn = queue.then(() => takeOne(signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** Retry-After as delta-seconds or an HTTP-date, in milliseconds from `nowMs`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const { provider, timeoutMs } = opts;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const maxRetries = opts.maxRateLimitRetries ?? 3;
  const maxRetryWaitMs = opts.maxRetryWaitMs ?? 60_000;
  const defaultRetryAfterMs = opts.defaultRetryAfterMs ?? 1000;
  const bucket = createTokenBucket({ ratePerSecond: opts.ratePerSecond, burst: opts.burst, now, sleep });
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const headers = { accept: 'application/json', ...opts.headers };
  // Every header value and bearer token counts as a secret, so a vendor echoing it back cannot leak it.
  const secrets = [...Object.values(opts.headers ?? {}), ...(opts.secrets ?? [])]
    .flatMap((s) => [s, s.replace(/^(Bearer|Basic|Token)\s+/i, '')])
    .filter((s) => s.length >= 4);
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const fail = (failure: ConstructorParameters<typeof ProviderError>[1], message: string, extra: ConstructorParameters<typeof ProviderError>[3] = {}) =>
    new ProviderError(provider, failure, scrub(message), extra);

  function urlFor(path: string, query?: HttpRequestOptions<unknown>['query']) {
    const url = new URL(baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** One attempt: the status, the headers and the whole body, or a ProviderError for timeout/network. */
  async function send(method: string, url: URL, label: string, body: unknown, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const res = await fetchImpl(url, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
      // Read the body under the same signal: a vendor that sends headers and then stalls is a timeout too.
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (err) {
      if (signal?.aborted) throw signal.reason; // the caller gave up; that is not the vendor's failure
      if (timeout.aborted) throw fail('timeout', `${label}: no complete answer within ${timeoutMs} ms`);
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw fail('network', `${label}: ${reason}`, { cause: err });
    }
  }

  return {
    provider,
    async request<T = unknown>(method: string, path: string, ro: HttpRequestOptions<T> = {}): Promise<HttpResponse<T>> {
      const url = urlFor(path, ro.query);
      // Paths only: a query string may carry a key, so it stays out of every message.
      const label = `${method} ${url.pathname}`;
      let attempts = 0;
      let waited = 0;
      for (;;) {
        await bucket.take(ro.signal);
        attempts += 1;
        const res = await send(method, url, label, ro.body, ro.signal);

        if (res.status === 429) {
          const advised = parseRetryAfter(res.headers.get('retry-after'), now()) ?? defaultRetryAfterMs * 2 ** (attempts - 1);
          if (attempts > maxRetries || waited + advised > maxRetryWaitMs) {
            throw fail('rate_limited', `${label}: HTTP 429 after ${attempts} attempt(s); retry in ${advised} ms`, { status: 429, retryAfterMs: advised });
          }
          waited += advised;
          await sleep(advised, ro.signal);
          continue;
        }
        if (res.status >= 500) {
          // No retry here: the caller's dead-letter queue retries with backoff and keeps the record.
          throw fail('server', `${label}: HTTP ${res.status}${detail(res.text)}`, { status: res.status });
        }
        if (res.status < 200 || res.status >= 300) {
          throw fail('rejected', `${label}: HTTP ${res.status}${detail(res.text)}`, { status: res.status });
        }

        let json: unknown;
        try {
          json = JSON.parse(res.text);
        } catch {
          throw fail('malformed', `${label}: HTTP ${res.status} with a body that is not JSON`, { status: res.status });
        }
        if (!ro.schema) return { data: json as T, status: res.status, attempts };
        const parsed = ro.schema.safeParse(json);
        if (!parsed.success) {
          const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
          throw fail('malformed', `${label}: unexpected answer (${where.join('; ')})`, { status: res.status });
        }
        return { data: parsed.data, status: res.status, attempts };
      }
    },
  };
}

/** The vendor's own words for a refusal, when the body carries them; short, one line. */
function detail(text: string): string {
  let message: unknown;
  try {
    const j = JSON.parse(text) as Record<string, any>;
    message = j?.status?.message ?? j?.message ?? j?.error?.message ?? j?.error ?? j?.errors?.[0]?.message ?? j?.TransmissionResults;
  } catch {
    message = /^[^<]{1,200}$/.test(text.trim()) ? text.trim() : undefined; // plain text, not an HTML error page
  }
  if (typeof message !== 'string' || !message.trim()) return '';
  return `: ${message.replace(/\s+/g, ' ').trim().slice(0, 200)}`;
}

/** A 2xx answer whose content contradicts itself (counts that do not add up): billed, like any malformed answer. */
export function malformed(provider: string, message: string): ProviderError {
  return new ProviderError(provider, 'malformed', message);
}

/** Dollars (as vendors send them, number or numeric string) to integer cents. */
export function toCents(dollars: number | null | undefined): number | null {
  return dollars == null || !Number.isFinite(dollars) ? null : Math.round(dollars * 100);
}
