import { z } from 'zod';
import { createHttpClient, malformed, type VendorHttpOptions } from '../http/http-client.ts';
import { FIRST_NAME, type DraftRequest, type LlmPort } from './ports.ts';

// Drafts from any server speaking OpenAI's chat API (OpenAI, Azure's compatible endpoint, Ollama,
// vLLM, LM Studio, llama.cpp's server):
//   POST {base}/v1/chat/completions  { model, messages: [{role, content}], temperature, max_tokens }
//   200 { choices: [{ index, message: { role: 'assistant', content } , finish_reason }], usage }
// The facts go in as JSON with the rule to state nothing else; the pipeline still checks every
// number of the answer against them (a model may not obey) and records what it finds.

const Answer = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export interface OpenAiLlmOptions extends Omit<VendorHttpOptions, 'apiKey'> {
  apiKey?: string | null;
  model: string;
}

export function systemPrompt(req: DraftRequest): string {
  return [
    'You draft short text messages from a real-estate professional to one of their clients about a listing event.',
    `Tone: ${req.tone}. At most 320 characters. Start by greeting the client as ${FIRST_NAME} (keep those braces: it is filled in later).`,
    'State only facts present in the JSON you are given: no other numbers, prices, dates, schools, features or claims.',
    'End with one short question inviting a reply. No links, no emoji, no hashtags.',
    req.signoff ? `Sign off on a new line as: - ${req.signoff}` : 'No sign-off.',
  ].join('\n');
}

export function createOpenAiLlm(opts: OpenAiLlmOptions): LlmPort {
  const baseUrl = (opts.baseUrl ?? 'https://api.openai.com').replace(/\/+$/, '').replace(/\/v1$/, '');
  const client = opts.client ?? createHttpClient({
    provider: 'openai-chat', baseUrl,
    headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
    timeoutMs: opts.timeoutMs ?? 60_000, ratePerSecond: opts.ratePerSecond ?? 5, burst: opts.burst,
    maxRateLimitRetries: opts.maxRateLimitRetries, maxRetryWaitMs: opts.maxRetryWaitMs, fetchImpl: opts.fetchImpl, sleep: opts.sleep, now: opts.now,
  });
  return {
    name: 'openai',
    model: opts.model,
    async draft(req) {
      const facts = Object.fromEntries(Object.entries(req.facts).filter(([, v]) => v != null));
      const { data } = await client.request('POST', '/v1/chat/completions', {
        body: {
          model: opts.model, temperature: 0.4, max_tokens: 300,
          messages: [{ role: 'system', content: systemPrompt(req) }, { role: 'user', content: JSON.stringify({ prompt_version: req.promptVersion, event: facts }) }],
        },
        schema: Answer,
      });
      const text = data.choices[0]!.message.content?.trim();
      if (!text) throw malformed(client.provider, 'POST /v1/chat/completions: an empty draft');
      // a model that dropped the placeholder still greets the right person
      return text.includes(FIRST_NAME) ? text : `${FIRST_NAME}, ${text}`;
    },
  };
}
