import { useEffect, useState, type FormEvent } from 'react';
import type { VoiceConfigService } from '../../../src/domain/voice/config.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, numberOrText, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';
import { ErrorState, Loading } from '../ui.tsx';
import { words } from './settings-form.tsx';

// A user's voice or AI configuration (GET/PATCH /v1/users/:id/config/:kind) as a form drawn from
// what the API answers: a switch for each yes/no, a number field for each number, text for the
// rest, lists one item a line. Only what changed is sent; the API checks the whole and names
// any value out of range.

type Config = Answer<VoiceConfigService['get']>;
type Value = string | number | boolean | null | string[] | Record<string, string>;
const HIDDEN = new Set(['user_id', 'kind', 'saved']);
const LONG = /prompt|template|description|disclosure/;
export const KINDS = { voice: 'Voice and calls', ai: 'AI writing and voice agent' } as const;
export type Kind = keyof typeof KINDS;

/** What a field holds, as the text a field shows. */
function asText(v: Value): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

/** The text typed back into the value the API expects, shaped like the value it had. */
function fromText(was: Value, text: string): Value | undefined {
  if (typeof was === 'number') return numberOrText(text) as number;
  if (Array.isArray(was)) return text.split('\n').map((s) => s.trim()).filter(Boolean);
  if (was && typeof was === 'object') {
    try {
      return JSON.parse(text || '{}') as Record<string, string>;
    } catch {
      return text as never; // the API says what is wrong with it
    }
  }
  return text === '' && was === null ? null : text;
}

export function ConfigEditor({ userId, kind, canEdit, base }: { userId: string; kind: Kind; canEdit: boolean; base: string }) {
  const config = useLoad(() => api<Config>('GET', `/v1/users/${userId}/config/${kind}`), [userId, kind]);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const save = useAction();
  const values = (config.data ?? {}) as unknown as Record<string, Value>;
  const keys = Object.keys(values).filter((k) => !HIDDEN.has(k));
  useEffect(() => setDraft(Object.fromEntries(keys.map((k) => [k, typeof values[k] === 'boolean' ? values[k] : asText(values[k]!)]))), [config.data]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    for (const k of keys) {
      const was = values[k]!;
      const now = draft[k];
      if (typeof was === 'boolean' ? now !== was : now !== asText(was)) patch[k] = typeof was === 'boolean' ? now : fromText(was, now as string);
    }
    if (!Object.keys(patch).length) return save.run(async () => null, 'Nothing changed.');
    void save.run(() => api<Config>('PATCH', `/v1/users/${userId}/config/${kind}`, patch), (r) => {
      config.set(r);
      return `Saved: ${Object.keys(patch).map(words).join(', ').toLowerCase()}.`;
    });
  }

  return (
    <section aria-labelledby={`config-${kind}`}>
      <nav className="tabs" aria-label="Configuration">
        {(Object.keys(KINDS) as Kind[]).map((k) => <Link key={k} to={`${base}${base.includes('?') ? '&' : '?'}kind=${k}`} aria-current={k === kind ? 'page' : undefined}>{KINDS[k]}</Link>)}
      </nav>
      <h2 id={`config-${kind}`}>{KINDS[kind]}</h2>
      {config.error ? <ErrorState error={config.error} retry={config.reload} />
        : !config.data ? <Loading what="the configuration" />
          : (
            <form className="settings-form" onSubmit={submit}>
              <p className="note">{config.data.saved ? 'Saved before; ' : 'Nothing saved yet: these are the defaults; '}{canEdit ? 'change what you need and save.' : 'only this user and managers may change them.'}</p>
              <fieldset disabled={!canEdit || save.busy} className="grid">
                <legend className="sr-only">{KINDS[kind]}</legend>
                {keys.map((k) => {
                  const was = values[k]!;
                  if (typeof was === 'boolean') {
                    return (
                      <label key={k} className="check">
                        <input type="checkbox" checked={draft[k] === true} onChange={(e) => setDraft((d) => ({ ...d, [k]: e.target.checked }))} /> {words(k)}
                      </label>
                    );
                  }
                  const long = Array.isArray(was) || (was !== null && typeof was === 'object') || LONG.test(k);
                  return (
                    <Field key={k} label={words(k)} name={k} error={save.error} help={Array.isArray(was) ? 'one a line' : undefined}>
                      {(p) => (long
                        ? <textarea {...p} rows={3} value={String(draft[k] ?? '')} onChange={(e) => setDraft((d) => ({ ...d, [k]: e.target.value }))} />
                        : <input {...p} type={typeof was === 'number' ? 'number' : 'text'} step="any" value={String(draft[k] ?? '')} onChange={(e) => setDraft((d) => ({ ...d, [k]: e.target.value }))} />)}
                    </Field>
                  );
                })}
              </fieldset>
              {canEdit ? <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save'}</button></div> : null}
              <Outcome action={save} fields={keys} />
            </form>
          )}
    </section>
  );
}
