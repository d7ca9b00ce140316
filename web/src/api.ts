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

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, key = apiKey): Promise<T> {
  const json = body === undefined ? undefined : { type: 'application/json', data: JSON.stringify(body) };
  return JSON.parse((await send(method, path, json, key)).text || 'null') as T;
}

/** A file as the request body (an import's CSV): the answer, parsed. */
export async function upload<T>(path: string, file: Blob, type = 'text/csv'): Promise<T> {
  return JSON.parse((await send('POST', path, { type, data: file })).text) as T;
}

/** A file the API answers with (an error report), saved by the browser under its name. */
export async function download(path: string, name: string) {
  const { blob } = await send('GET', path);
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function send(method: string, path: string, body?: { type: string; data: BodyInit }, key = apiKey) {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': body.type } : {}) },
      body: body?.data,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Is `porchlight serve` running?');
  }
  const blob = await res.blob();
  const text = await blob.text();
  if (!res.ok) {
    const e = ((text ? safeJson(text) : null) as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
    if (res.status === 401 && key === apiKey) onUnauthenticated();
    throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? `the server answered ${res.status}`, e?.details ?? []);
  }
  return { text, blob };
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
