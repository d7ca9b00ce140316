import { z } from 'zod';
import { createHttpClient, malformed, type VendorHttpOptions } from '../http/http-client.ts';
import { l2normalize, type EmbeddingsPort } from './ports.ts';

// Embeddings from any server speaking OpenAI's API (OpenAI itself, Azure's compatible endpoint,
// Ollama, vLLM, LM Studio, llama.cpp's server):
//   POST {base}/v1/embeddings   { model, input: [text, ...] }
//   200 { data: [{ index, embedding: [number, ...] }, ...], model, usage }
// One request per batch of up to 256 texts; answers are put back in input order by `index`.

const Answer = z.object({
  data: z.array(z.object({ index: z.number().int().min(0).optional(), embedding: z.array(z.number()).min(1) })),
});

export interface OpenAiEmbeddingsOptions extends Omit<VendorHttpOptions, 'apiKey'> {
  /** Optional: a local server may need none. */
  apiKey?: string | null;
  model: string;
  /** Texts per request. Default 256. */
  batchSize?: number;
}

export function createOpenAiEmbeddings(opts: OpenAiEmbeddingsOptions): EmbeddingsPort {
  // Base URLs are often written the SDKs' way, ending in /v1: the path below adds it once.
  const baseUrl = (opts.baseUrl ?? 'https://api.openai.com').replace(/\/+$/, '').replace(/\/v1$/, '');
  const client = opts.client ?? createHttpClient({
    provider: 'openai-embeddings', baseUrl,
    headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
    timeoutMs: opts.timeoutMs ?? 30_000, ratePerSecond: opts.ratePerSecond ?? 5, burst: opts.burst,
    maxRateLimitRetries: opts.maxRateLimitRetries, maxRetryWaitMs: opts.maxRetryWaitMs, fetchImpl: opts.fetchImpl, sleep: opts.sleep, now: opts.now,
  });
  const batchSize = opts.batchSize ?? 256;
  return {
    name: 'openai',
    // the dimension is the model's: two models never share a space, one model always does
    space: `openai:${opts.model}`,
    async embed(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const input = texts.slice(i, i + batchSize);
        const { data } = await client.request('POST', '/v1/embeddings', { body: { model: opts.model, input }, schema: Answer });
        if (data.data.length !== input.length) throw malformed(client.provider, `POST /v1/embeddings: ${data.data.length} vectors for ${input.length} texts`);
        const ordered = [...data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
        out.push(...ordered.map((d) => l2normalize(d.embedding)));
      }
      return out;
    },
  };
}
