import { createTokenBucket, DEFAULT_RATE_PER_SECOND, DEFAULT_TIMEOUT_MS, type Sleep } from '../http/http-client.ts';
import type { OutboundMessage, SendResult } from './ports.ts';

// One POST to a carrier's REST API (Twilio, Telnyx), under the account's rate (a token bucket)
// and its limit of requests in flight (a semaphore over the client, so every channel sharing an
// account shares it too). Never throws for a vendor or network failure; it says what became of
// the request, which decides whether sending again could reach the person twice:
// - ok: the carrier took it;
// - retry: it certainly did not (refused before a byte was written, 429, 5xx, 401);
// - failed: it refused this request for good (the vendor's own words);
// - unknown: it may have (a timeout, a connection cut mid-request).

export type PostOutcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'failed' | 'retry'; error: string; status?: number }
  | { kind: 'unknown'; why: string };

export interface VendorPostOptions {
  /** Prefixes every error: "twilio: 21211: ...". */
  vendor: string;
  timeoutMs?: number;
  ratePerSecond?: number;
  burst?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  fetchImpl?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
  /** The vendor's error body in a line ("21211: The 'To' number ..."), else "HTTP 502". */
  describeError: (status: number, text: string) => string;
}

// Connection failures that happen before a byte of the request is written: nothing reached the vendor.
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function createVendorPoster(opts: VendorPostOptions) {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const bucket = createTokenBucket({ ratePerSecond: opts.ratePerSecond ?? DEFAULT_RATE_PER_SECOND, burst: opts.burst, now: opts.now, sleep: opts.sleep });
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = () => (active < concurrency ? (active++, Promise.resolve()) : new Promise<void>((ok) => waiting.push(ok)));
  const release = () => (waiting.length ? waiting.shift()!() : active--); // a waiter inherits the slot

  async function post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    await bucket.take();
    let status: number;
    let text: string;
    try {
      const res = await fetchImpl(url, { method: 'POST', headers: { accept: 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code && NOT_DELIVERED.has(code)) return { kind: 'retry', error: `${opts.vendor}: ${code}` };
      return { kind: 'unknown', why: (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (code ?? (err as Error).message) };
    }
    if (status >= 200 && status < 300) {
      try {
        return { kind: 'ok', body: JSON.parse(text) };
      } catch {
        return { kind: 'ok', body: null };
      }
    }
    const error = `${opts.vendor}: ${opts.describeError(status, text)}`;
    // 401: the account's credentials are wrong, which no message can fix; retried so that fixing
    // the configuration lets the messages go, rather than failing every one of them for good.
    if (status === 429 || status >= 500 || status === 401) return { kind: 'retry', error, status };
    return { kind: 'failed', error, status };
  }

  return {
    concurrency,
    post,
    /** Run requests holding one of the account's slots. */
    async inSlot<T>(fn: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

/**
 * Hand a batch to a carrier, `concurrency` requests at a time, one result per message. A message
 * that cannot be sent as it is (`request` returns the reason) fails alone. After a 429 the rest of
 * the batch is not sent (answered 'retry' without a request): the carrier asked us to slow down,
 * and those messages certainly never reached it.
 */
export async function sendBatch<R>(vendor: string, concurrency: number, batch: OutboundMessage[],
  request: (m: OutboundMessage) => R | string, send: (r: R) => Promise<Exclude<PostOutcome, { kind: 'unknown' }>>,
  toResult: (m: OutboundMessage, outcome: Exclude<PostOutcome, { kind: 'unknown' }>) => SendResult): Promise<SendResult[]> {
  const results: SendResult[] = [];
  let next = 0;
  let throttled = false;
  async function worker() {
    while (next < batch.length) {
      const msg = batch[next++]!;
      if (throttled) {
        results.push({ messageId: msg.messageId, outcome: 'retry', error: `${vendor}: not sent, the account is rate limited (HTTP 429)` });
        continue;
      }
      const r = request(msg);
      if (typeof r === 'string') {
        results.push({ messageId: msg.messageId, outcome: 'failed', error: r });
        continue;
      }
      const outcome = await send(r);
      if (outcome.kind === 'retry' && outcome.status === 429) throttled = true;
      results.push(toResult(msg, outcome));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
  return results;
}
