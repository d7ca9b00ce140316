import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../ports.ts';
import { createOpenAiEmbeddings } from './openai.ts';

// A stub OpenAI-compatible server on 127.0.0.1: POST /v1/embeddings answers one vector per input,
// deliberately out of order, so the adapter must put them back by index.
interface Seen { url: string; headers: http.IncomingHttpHeaders; json: { model: string; input: string[] } }

async function stub(answer: (input: string[]) => { status?: number; body: unknown }) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = JSON.parse(body);
      seen.push({ url: req.url!, headers: req.headers, json });
      const a = answer(json.input);
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

let s: Awaited<ReturnType<typeof stub>> | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const vectorOf = (text: string) => [text.length, 1, 0];

describe('OpenAI-compatible embeddings', () => {
  it('posts {model, input} to {base}/v1/embeddings with the key and returns vectors in input order', async () => {
    s = await stub((input) => ({ body: { object: 'list', model: 'm', data: input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t) })).reverse() } }));
    const e = createOpenAiEmbeddings({ baseUrl: `${s.url}/v1/`, apiKey: 'sk-test-123', model: 'text-embedding-3-small', ratePerSecond: 1000 });
    const out = await e.embed(['a', 'bbbb']);
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]).toMatchObject({ url: '/v1/embeddings', json: { model: 'text-embedding-3-small', input: ['a', 'bbbb'] } });
    expect(s.seen[0]!.headers.authorization).toBe('Bearer sk-test-123');
    expect(out[0]![0]).toBeCloseTo(1 / Math.hypot(1, 1), 6);
    expect(out[1]![0]).toBeCloseTo(4 / Math.hypot(4, 1), 6);
    expect(e.space).toBe('openai:text-embedding-3-small');
  });

  it('sends large inputs in batches and no key when none is set', async () => {
    s = await stub((input) => ({ body: { data: input.map((t, index) => ({ index, embedding: vectorOf(t) })) } }));
    const e = createOpenAiEmbeddings({ baseUrl: s.url, model: 'nomic-embed-text', batchSize: 2, ratePerSecond: 1000 });
    expect(await e.embed(['a', 'b', 'c'])).toHaveLength(3);
    expect(s.seen.map((x) => x.json.input)).toEqual([['a', 'b'], ['c']]);
    expect(s.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('fails as a provider error on a refusal or a wrong number of vectors', async () => {
    s = await stub((input) => (input[0] === 'bad' ? { status: 401, body: { error: { message: 'Incorrect API key provided' } } } : { body: { data: [] } }));
    const e = createOpenAiEmbeddings({ baseUrl: s.url, apiKey: 'sk-wrong-key', model: 'm', ratePerSecond: 1000 });
    await expect(e.embed(['bad'])).rejects.toSatisfy((err: unknown) => err instanceof ProviderError && err.failure === 'rejected' && !err.message.includes('sk-wrong-key'));
    await expect(e.embed(['good'])).rejects.toMatchObject({ failure: 'malformed' });
  });
});
