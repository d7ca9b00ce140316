// The one way the app talks to the server: the public /v1 API with the signed-in API key, the
// same calls a script would make. Answer types come from the services that produce them
// (type-only imports, erased from the bundle), turned into what JSON makes of them, so the app
// and the API cannot drift apart without the typecheck saying so.

export type Json<T> = T extends Date ? string
  : T extends Uint8Array ? never
    : T extends (infer U)[] ? Json<U>[]
      : T extends object ? { [K in keyof T]: Json<T[K]> }
        : T;

/** What a service method resolves to, as it arrives over HTTP. */
export type Answer<F extends (...args: never[]) => unknown> = Json<Awaited<ReturnType<F>>>;

export interface ErrorDetail { field: string; message: string }

/** An API error: its stable code, its message and the fields it names. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: ErrorDetail[] = []) {
    super(message);
  }
}

let apiKey: string | null = null;
let onUnauthenticated: () => void = () => {};

export function setApiKey(key: string | null, signedOut: () => void) {
  apiKey = key;
  onUnauthenticated = signedOut;
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, key = apiKey): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Is `porchlight serve` running?');
  }
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
    if (res.status === 401 && key === apiKey) onUnauthenticated();
    throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? `the server answered ${res.status}`, e?.details ?? []);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'HTTP', message: text.slice(0, 200) } };
  }
}

/** Query string from the set values only. */
export function query(params: Record<string, string | number | null | undefined>) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
