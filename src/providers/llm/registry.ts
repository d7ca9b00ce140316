import { AppError } from '../../app/errors.ts';
import type { LlmConfig } from '../../app/config.ts';
import { createLocalLlm } from './local.ts';
import { createOpenAiLlm } from './openai.ts';
import type { LlmPort } from './ports.ts';

// The drafting adapter the environment selects (PORCHLIGHT_LLM_ADAPTER). The container calls this once.
export function createLlm(cfg: LlmConfig): LlmPort {
  if (cfg.adapter === 'local') return createLocalLlm();
  if (!cfg.apiKey && /(^|\.)openai\.com$/.test(new URL(cfg.baseUrl).hostname)) {
    throw new AppError('VALIDATION', 'OPENAI_API_KEY is required when PORCHLIGHT_LLM_ADAPTER=openai uses api.openai.com', [{ field: 'OPENAI_API_KEY', message: 'required' }]);
  }
  return createOpenAiLlm({ baseUrl: cfg.baseUrl, apiKey: cfg.apiKey, model: cfg.model, timeoutMs: cfg.timeoutMs, ratePerSecond: cfg.ratePerSecond });
}
