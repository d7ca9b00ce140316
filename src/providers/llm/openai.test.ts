import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../ports.ts';
import { createOpenAiLlm } from './openai.ts';
import type { DraftRequest } from './ports.ts';

// A stub OpenAI-compatible chat server on 127.0.0.1, answering as /v1/chat/completions does.

async function stub(answer: (body: { model: string; messages: { role: string; content: string }[] }) => { status?: number; body: unknown }) {
  const seen: { url: string; auth: string | undefined; body: { model: string; messages: { role: string; content: string }[]; temperature: number } }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ url: req.url!, auth: req.headers.authorization, body });
      const a = answer(body);
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

const req: DraftRequest = {
  promptVersion: 'nudge-draft-v1', tone: 'brief', signoff: 'Dana',
  facts: { eventType: 'new_listing', address: '1 Oak St', city: 'Austin', state: 'TX', zip: '78704', price: 450000, previousPrice: null, closePrice: null, beds: 3, baths: 2, sqft: null, yearBuilt: null, propertyType: 'condo' },
};
const completion = (content: string | null) => ({ id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

describe('OpenAI-compatible drafting', () => {
  it('posts the facts and the rules to {base}/v1/chat/completions with the key, and returns the draft', async () => {
    s = await stub(() => ({ body: completion('{first_name}, new: 1 Oak St, $450,000. Tour?\n- Dana') }));
    const llm = createOpenAiLlm({ baseUrl: `${s.url}/v1`, apiKey: 'sk-test', model: 'gpt-4o-mini', ratePerSecond: 1000 });
    expect(await llm.draft(req)).toBe('{first_name}, new: 1 Oak St, $450,000. Tour?\n- Dana');
    const [call] = s.seen;
    expect(call).toMatchObject({ url: '/v1/chat/completions', auth: 'Bearer sk-test', body: { model: 'gpt-4o-mini', temperature: 0.4 } });
    expect(call!.body.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('State only facts present in the JSON') });
    expect(JSON.parse(call!.body.messages[1]!.content)).toEqual({ prompt_version: 'nudge-draft-v1', event: { eventType: 'new_listing', address: '1 Oak St', city: 'Austin', state: 'TX', zip: '78704', price: 450000, beds: 3, baths: 2, propertyType: 'condo' } });
    expect(llm).toMatchObject({ name: 'openai', model: 'gpt-4o-mini' });
  });

  it('greets by name even when the model dropped the placeholder; an empty answer or a server error is a provider failure', async () => {
    let answer: unknown = completion('New condo at 1 Oak St.');
    s = await stub(() => ({ body: answer }));
    const llm = createOpenAiLlm({ baseUrl: s.url, model: 'm', ratePerSecond: 1000, maxRateLimitRetries: 0 });
    expect(await llm.draft(req)).toBe('{first_name}, New condo at 1 Oak St.');
    answer = completion(null);
    await expect(llm.draft(req)).rejects.toBeInstanceOf(ProviderError);
    answer = { choices: [] };
    await expect(llm.draft(req)).rejects.toBeInstanceOf(ProviderError);
  });
});
