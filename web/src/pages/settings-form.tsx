import type { Role } from '../../../src/db/schema.ts';
import { ApiError } from '../api.ts';

// What the settings and enrichment sections share: the roles that may use a section, the
// refusal the API would give to the others, and setting names as words.

export type { Role };
const RANK: Record<Role, number> = { agent: 0, manager: 1, admin: 2, owner: 3 };
export const ROLES: Role[] = ['owner', 'admin', 'manager', 'agent'];
export const atLeast = (role: string | undefined, min: Role) => RANK[(role ?? 'agent') as Role] >= RANK[min];

/** The refusal the API would give, for a section this role is not offered. */
export const notAllowed = (min: Role, doing: string, role: string | undefined) =>
  new ApiError(403, 'FORBIDDEN', `only ${min}s and above may ${doing}; you are ${role ?? 'signed in without a role'}`);

const ACRONYMS = new Set(['ai', 'apn', 'asr', 'dlq', 'dnc', 'id', 'llm', 'mak', 'sms', 'tpo', 'tts']);
/** snake_case to words: "max_call_duration_minutes" → "Max call duration minutes", "tts_vendor" → "TTS vendor". */
export const words = (k: string) => {
  const s = k.split('_').map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};
