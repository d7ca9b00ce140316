import { AppError } from '../../app/errors.ts';
import type { EmbeddingsConfig } from '../../app/config.ts';
import { createLocalEmbeddings } from './local.ts';
import { createOpenAiEmbeddings } from './openai.ts';
import type { EmbeddingsPort } from './ports.ts';

// The embeddings adapter the environment selects (PORCHLIGHT_EMBEDDINGS_ADAPTER). The container calls this once.
export function createEmbeddings(cfg: EmbeddingsConfig): EmbeddingsPort {
  if (cfg.adapter === 'local') return createLocalEmbeddings({ dim: cfg.dim });
  // OpenAI's own endpoint needs a key; a self-hosted compatible server may not
  if (!cfg.apiKey && /(^|\.)openai\.com$/.test(new URL(cfg.baseUrl).hostname)) {
    throw new AppError('VALIDATION', 'OPENAI_API_KEY is required when PORCHLIGHT_EMBEDDINGS_ADAPTER=openai uses api.openai.com', [{ field: 'OPENAI_API_KEY', message: 'required' }]);
  }
  return createOpenAiEmbeddings({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, model: cfg.model, timeoutMs: cfg.timeoutMs, ratePerSecond: cfg.ratePerSecond });
}
