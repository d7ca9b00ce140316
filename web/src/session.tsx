import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { TenancyService } from '../../src/domain/tenancy/tenancy.service.ts';
import { api, ApiError, setApiKey, type Answer } from './api.ts';

// Signing in is proving an API key: the app asks /v1/me with it and keeps it in this browser
// (localStorage) until the person signs out or the server stops taking it. `porchlight serve
// --demo` prints a link whose #key=... signs the demo owner in.

export type Me = Answer<TenancyService['whoAmI']>;
const STORE = 'porchlight.apiKey';

interface Session {
  me: Me | null;
  checking: boolean;
  notice: string | null;
  signIn(key: string): Promise<void>;
  signOut(notice?: string): void;
}

const SessionContext = createContext<Session | null>(null);

function keyFromLink(): string | null {
  const m = location.hash.match(/^#key=([^&]+)/);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(m[1]!);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((why?: string) => {
    localStorage.removeItem(STORE);
    setApiKey(null, () => {});
    setMe(null);
    setNotice(why ?? null);
  }, []);

  const signIn = useCallback(async (key: string) => {
    const who = await api<Me>('GET', '/v1/me', undefined, key.trim());
    localStorage.setItem(STORE, key.trim());
    setApiKey(key.trim(), () => signOut('The server no longer takes this API key: sign in again.'));
    setNotice(null);
    setMe(who);
  }, [signOut]);

  useEffect(() => {
    const key = keyFromLink() ?? localStorage.getItem(STORE);
    if (!key) return setChecking(false);
    signIn(key)
      .catch((e: unknown) => signOut(e instanceof ApiError && e.status === 401 ? `That API key was not accepted: ${e.message}.` : e instanceof Error ? e.message : String(e)))
      .finally(() => setChecking(false));
  }, [signIn, signOut]);

  return <SessionContext.Provider value={{ me, checking, notice, signIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
