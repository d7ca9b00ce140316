import { useRef, useState, type FormEvent } from 'react';
import type { TenancyService } from '../../../src/domain/tenancy/tenancy.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { type PageProps } from '../router.tsx';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { Ago, ErrorState, Loading } from '../ui.tsx';
import { atLeast, type Role } from './settings-form.tsx';

// API keys: the web app, scripts and the command line all sign in with one. A new key is shown
// once, here, with a button to copy it: the server keeps only its hash. Revoking asks first,
// and a revoked key stops working at once.

type Key = Answer<TenancyService['listApiKeys']>[number];
type Created = Answer<TenancyService['createApiKey']>;
type User = Answer<TenancyService['listUsers']>[number];

export function ApiKeysSection({ params, role }: PageProps & { role: Role }) {
  const { me } = useSession();
  const admin = atLeast(role, 'admin');
  const keys = useLoad(() => api<{ data: Key[] }>('GET', '/v1/api-keys'), []);
  // admins make keys for others: the people to choose from (and the holders' names in the list)
  const users = useLoad(async () => (atLeast(role, 'manager') ? (await api<{ data: User[] }>('GET', '/v1/users')).data : []), [role]);
  const email = (id: string) => (id === me?.user?.id ? `${me.user.email} (you)` : users.data?.find((u) => u.id === id)?.email ?? id.slice(0, 8));
  const [name, setName] = useState('');
  const [holder, setHolder] = useState(params.get('user') ?? '');
  const [created, setCreated] = useState<Created | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const create = useAction();
  const revoke = useAction();
  const keyBox = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    setCopied(null);
    void create.run(() => api<Created>('POST', '/v1/api-keys', { name: name.trim() || 'default', ...(holder && holder !== me?.user?.id ? { user: holder } : {}) }), (k) => {
      setCreated(k);
      setName('');
      keys.reload();
      setTimeout(() => keyBox.current?.select(), 0);
      return `Created the key “${k.name}” for ${k.user_email}.`;
    });
  };
  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('Copied to the clipboard.');
    } catch {
      keyBox.current?.select();
      setCopied('The browser would not copy it: it is selected, press Ctrl+C (⌘C).');
    }
  }
  const doRevoke = (k: Key) => void revoke.run(() => api<{ data: Key[] }>('DELETE', `/v1/api-keys/${k.id}`), () => {
    setConfirming(null);
    keys.reload();
    return `Revoked “${k.name}” (${k.prefix}…): it no longer signs anyone in.`;
  });

  const live = (keys.data?.data ?? []).filter((k) => !k.revoked_at);
  const revoked = (keys.data?.data ?? []).filter((k) => k.revoked_at);
  return (
    <>
      <form className="settings-form" onSubmit={submit} aria-labelledby="new-key-title">
        <h2 id="new-key-title">Create a key</h2>
        <div className="row">
          <Field label="Name" name="name" error={create.error} help="what it is for: a laptop, a script">{(p) => <input {...p} value={name} maxLength={100} placeholder="default" onChange={(e) => setName(e.target.value)} />}</Field>
          {admin ? (
            <Field label="For" name="user" error={create.error}>
              {(p) => (
                <select {...p} value={holder} onChange={(e) => setHolder(e.target.value)}>
                  <option value="">yourself</option>
                  {(users.data ?? []).filter((u) => u.id !== me?.user?.id && u.is_active && atLeast(role, u.role)).map((u) => <option key={u.id} value={u.id}>{u.email} ({u.role})</option>)}
                </select>
              )}
            </Field>
          ) : null}
          <div className="actions"><button type="submit" disabled={create.busy}>{create.busy ? 'Creating…' : 'Create key'}</button></div>
        </div>
        <Outcome action={create} fields={['name', 'user']} />
      </form>
      {created ? (
        <div className="new-key" role="region" aria-label="New API key">
          <p><strong>Copy this key now: it will not be shown again.</strong> Porchlight keeps only a fingerprint of it; lost, it cannot be recovered, only revoked and replaced.</p>
          <div className="copy-row">
            <label htmlFor="new-key-value" className="sr-only">The new API key</label>
            <input id="new-key-value" ref={keyBox} readOnly value={created.key} onFocus={(e) => e.target.select()} />
            <button type="button" onClick={() => void copy()}>Copy</button>
          </div>
          {copied ? <p className="note" role="status">{copied}</p> : null}
          <button type="button" className="secondary" onClick={() => setCreated(null)}>I have copied it</button>
        </div>
      ) : null}

      <h2>Keys in use</h2>
      <Outcome action={revoke} />
      {keys.error ? <ErrorState error={keys.error} retry={keys.reload} />
        : !keys.data ? <Loading what="the API keys" />
          : (
            <DataTable caption="API keys in use" rows={live} empty="No live keys: create one above." columns={[
              { label: 'Name', value: (k) => k.name }, { label: 'Starts with', value: (k) => <code>{k.prefix}…</code> },
              { label: 'Holder', value: (k) => email(k.user_id) }, { label: 'Created', value: (k) => <Ago at={k.created_at} /> },
              { label: 'Last used', value: (k) => (k.last_used_at ? <Ago at={k.last_used_at} /> : 'never') },
              { label: 'Revoke', value: (k) => (confirming === k.id ? (
                <span className="confirm" role="group" aria-label={`Revoke ${k.name}?`}>
                  Revoke it? <button type="button" className="danger" disabled={revoke.busy} onClick={() => doRevoke(k)}>Yes, revoke {k.prefix}…</button>
                  {' '}<button type="button" className="secondary" autoFocus onClick={() => setConfirming(null)}>Keep it</button>
                </span>
              ) : <button type="button" className="danger" onClick={() => { revoke.reset(); setConfirming(k.id); }} aria-label={`Revoke ${k.name} (${k.prefix}…)`}>Revoke</button>) },
            ]} />
          )}
      {revoked.length ? (
        <details>
          <summary>{revoked.length} revoked {revoked.length === 1 ? 'key' : 'keys'}</summary>
          <DataTable caption="Revoked API keys" rows={revoked} columns={[
            { label: 'Name', value: (k) => k.name }, { label: 'Starts with', value: (k) => <code>{k.prefix}…</code> },
            { label: 'Holder', value: (k) => email(k.user_id) }, { label: 'Revoked', value: (k) => <Ago at={k.revoked_at!} /> },
          ]} />
        </details>
      ) : null}
    </>
  );
}
