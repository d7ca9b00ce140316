import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../ports.ts';
import { createHttpClient, createTokenBucket, parseRetryAfter, type HttpClientOptions } from './http-client.ts';

// A stub vendor on 127.0.0.1: answers from a script, records what it was sent, or never answers.
type Reply = { status?: number; headers?: Record<string, string>; body?: unknown } | 'hang';
interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

async function stubServer(script: Reply[]) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
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

/** A clock that moves only when someone sleeps on it, so waits are asserted, not endured. */
function fakeClock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept };
}

const KEY = 'sk_live_SECRET123';
let stub: Awaited<ReturnType<typeof stubServer>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function client(over: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    provider: 'acme',
    baseUrl: stub!.url,
    headers: { authorization: `Bearer ${KEY}` },
    timeoutMs: 2000,
    ratePerSecond: 1000,
    burst: 10,
    ...over,
  });
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('createHttpClient', () => {
  it('sends JSON with the auth header and query, and returns the parsed answer', async () => {
    stub = await stubServer([{ body: { ok: true, n: 2 } }]);
    const res = await client().request('POST', '/v1/things', { query: { page: 2, skip: undefined }, body: { a: 1 }, schema: z.object({ ok: z.boolean(), n: z.number() }) });
    expect(res).toEqual({ data: { ok: true, n: 2 }, status: 200, attempts: 1 });
    expect(stub.seen).toHaveLength(1);
    expect(stub.seen[0]).toMatchObject({ method: 'POST', url: '/v1/things?page=2', body: '{"a":1}' });
    expect(stub.seen[0]!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json' });
  });

  it('honors Retry-After in seconds on a 429, then succeeds', async () => {
    stub = await stubServer([{ status: 429, headers: { 'retry-after': '2' } }, { body: { ok: 1 } }]);
    const clock = fakeClock();
    const res = await client(clock).request('GET', '/x');
    expect(res.attempts).toBe(2);
    expect(stub.seen).toHaveLength(2);
    expect(clock.slept).toEqual([2000]);
  });

  it('honors Retry-After as an HTTP-date', async () => {
    const clock = fakeClock();
    stub = await stubServer([{ status: 429, headers: { 'retry-after': new Date(clock.now() + 3000).toUTCString() } }, { body: {} }]);
    await client(clock).request('GET', '/x');
    expect(clock.slept).toEqual([3000]);
  });

  it('backs off by doubling when a 429 has no Retry-After', async () => {
    stub = await stubServer([{ status: 429 }, { status: 429 }, { body: {} }]);
    const clock = fakeClock();
    expect((await client(clock).request('GET', '/x')).attempts).toBe(3);
    expect(clock.slept).toEqual([1000, 2000]);
  });

  it('gives up after maxRateLimitRetries with rate_limited, not billed', async () => {
    stub = await stubServer([{ status: 429, headers: { 'retry-after': '1' } }]);
    const clock = fakeClock();
    const err = await failure(client(clock).request('GET', '/x'));
    expect(err.failure).toBe('rate_limited');
    expect(err.opts).toMatchObject({ status: 429, retryAfterMs: 1000 });
    expect(err.charged).toBe(false);
    expect(stub.seen).toHaveLength(4); // the first try and three retries
    expect(clock.slept).toEqual([1000, 1000, 1000]);
  });

  it('does not sleep past maxRetryWaitMs', async () => {
    stub = await stubServer([{ status: 429, headers: { 'retry-after': '120' } }]);
    const clock = fakeClock();
    const err = await failure(client(clock).request('GET', '/x'));
    expect(err).toMatchObject({ failure: 'rate_limited', opts: { retryAfterMs: 120_000 } });
    expect(stub.seen).toHaveLength(1);
    expect(clock.slept).toEqual([]);
  });

  it('classifies a 5xx as server, not billed, and leaves retrying to the caller', async () => {
    stub = await stubServer([{ status: 503, body: { message: 'maintenance' } }]);
    const err = await failure(client().request('GET', '/x'));
    expect(err).toMatchObject({ failure: 'server', opts: { status: 503 } });
    expect(err.message).toContain('maintenance');
    expect(err.charged).toBe(false);
    expect(stub.seen).toHaveLength(1);
  });

  it('classifies another 4xx as rejected with the vendor message, and never shows the key', async () => {
    stub = await stubServer([{ status: 401, body: { status: { code: 401, text: 'Unauthorized', message: `Invalid token ${KEY}` } } }]);
    const err = await failure(client().request('GET', '/x?apiKey=' + KEY));
    expect(err).toMatchObject({ failure: 'rejected', opts: { status: 401 } });
    expect(err.message).toContain('Invalid token ***');
    expect(err.message).not.toContain('SECRET123');
    expect(err.charged).toBe(false);
  });

  it('classifies a 2xx body that is not JSON as malformed, billed', async () => {
    stub = await stubServer([{ body: '{"results": ' }]);
    const err = await failure(client().request('POST', '/x', { body: {} }));
    expect(err).toMatchObject({ failure: 'malformed', opts: { status: 200 } });
    expect(err.charged).toBe(true);
  });

  it('classifies JSON of the wrong shape as malformed, naming where', async () => {
    stub = await stubServer([{ body: { results: { properties: 'none' } } }]);
    const schema = z.object({ results: z.object({ properties: z.array(z.unknown()) }) });
    const err = await failure(client().request('GET', '/x', { schema }));
    expect(err.failure).toBe('malformed');
    expect(err.message).toContain('results.properties');
    expect(err.charged).toBe(true);
  });

  it('times out a vendor that never answers, billed (it may have done the work)', async () => {
    stub = await stubServer(['hang']);
    const started = Date.now();
    const err = await failure(client({ timeoutMs: 200 }).request('GET', '/x'));
    expect(err.failure).toBe('timeout');
    expect(err.charged).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('classifies a refused connection as network, not billed', async () => {
    stub = await stubServer([]);
    const url = stub.url;
    await stub.close();
    stub = undefined;
    const err = await failure(createHttpClient({ provider: 'acme', baseUrl: url, headers: { authorization: `Bearer ${KEY}` }, timeoutMs: 2000, ratePerSecond: 100 }).request('GET', '/x'));
    expect(err.failure).toBe('network');
    expect(err.charged).toBe(false);
    expect(err.message).not.toContain('SECRET123');
  });

  it("leaves the caller's own abort as the caller's, not a vendor failure", async () => {
    stub = await stubServer(['hang']);
    const controller = new AbortController();
    const pending = client().request('GET', '/x', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });
});

describe('rate limit', () => {
  it('spaces 5 calls at 10/s over at least 0.4 s of real time', async () => {
    stub = await stubServer([{ body: {} }]);
    const c = client({ ratePerSecond: 10, burst: 1 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => c.request('GET', '/x')));
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
    expect(stub.seen).toHaveLength(5);
  });

  it('waits exactly 1/rate per token with burst 1, and lets a burst through first', async () => {
    const even = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 1, ...even });
    await Promise.all(Array.from({ length: 5 }, () => bucket.take()));
    expect(even.slept).toEqual([100, 100, 100, 100]);

    const bursty = fakeClock();
    const burst = createTokenBucket({ ratePerSecond: 10, burst: 3, ...bursty });
    for (let i = 0; i < 5; i++) await burst.take();
    expect(bursty.slept).toEqual([100, 100]);
  });

  it('refills while idle, up to the burst', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 2, burst: 2, ...clock });
    await bucket.take();
    await bucket.take();
    await clock.sleep(10_000); // a long idle spell still leaves only `burst` tokens
    clock.slept.length = 0;
    for (let i = 0; i < 3; i++) await bucket.take();
    expect(clock.slept).toEqual([500]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, and nothing else', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
