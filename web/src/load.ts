import { useCallback, useEffect, useRef, useState } from 'react';

// Data a page shows: loading, the answer or the error, and a way to load it again. An answer
// that arrives after the page moved on (a newer request started) is dropped.

export interface Loaded<T> { data: T | undefined; error: Error | null; loading: boolean; reload(): void; set(data: T): void }

export function useLoad<T>(fn: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    fn().then((d) => {
      if (mine !== seq.current) return;
      setData(d);
      setError(null);
    }, (e: unknown) => {
      if (mine === seq.current) setError(e instanceof Error ? e : new Error(String(e)));
    }).finally(() => {
      if (mine === seq.current) setLoading(false);
    });
    // fn is a new closure each render: what it asks for is named by deps, and tick asks again
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, set: setData };
}
