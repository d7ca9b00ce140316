import { useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { useSession } from '../session.tsx';

// Sign in with an API key. Keys are made with `porchlight apikey create` or in Settings; the
// demo (`npm start`) prints a link that signs its owner in.

export function SignIn() {
  const { signIn, notice } = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!key.trim()) return setError('Paste your API key first.');
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? `That key was not accepted: ${err.message}.` : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Porchlight</h1>
        <p>Sign in with your API key.</p>
        {notice ? <p className="notice" role="status">{notice}</p> : null}
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="current-password" autoFocus value={key}
          onChange={(e) => setKey(e.target.value)} placeholder="pl_…" aria-invalid={error ? true : undefined} aria-describedby={error ? 'sign-in-error' : 'sign-in-help'} />
        {error ? <p id="sign-in-error" className="field-error" role="alert">{error}</p> : null}
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
        <p id="sign-in-help" className="help">
          No key? Run <code>porchlight apikey create --org YOUR_ORG</code>, or <code>npm start</code> for the demo: it prints a link that signs you in.
        </p>
      </form>
    </main>
  );
}
