import { useCallback, useEffect, useRef, useState } from 'react';

// Data a page shows: loading, the answer or the error, and a way to load it again; a list the
// server pages by cursor, with "show more". An answer that arrives after the page moved on (a
// newer request started) is dropped.

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

export interface More {
  /** Ask for the next page; null once the server says there is none. */
  more: (() => void) | null;
  moreError: Error | null;
}
export interface Paged<P extends Page> extends Loaded<P>, More {
  /** The first page's rows and the ones added since. */
  items: P['data'][number][];
}
interface Page { data: unknown[]; next_cursor: string | null }

/**
 * A list the server hands out a page at a time by cursor: the first page is loaded again when
 * `deps` change (and starts the list afresh), the next ones are added to it on request.
 */
export function usePaged<P extends Page>(ask: (cursor: string | null) => Promise<P>, deps: readonly unknown[]): Paged<P> {
  const first = useLoad(() => ask(null), deps);
  const [rest, setRest] = useState<P['data'][number][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<Error | null>(null);
  const list = useRef(0);
  useEffect(() => {
    list.current++;
    setRest([]);
    setCursor(first.data?.next_cursor ?? null);
    setMoreError(null);
  }, [first.data]);
  async function more(from: string) {
    const mine = list.current;
    setMoreError(null);
    try {
      const next = await ask(from);
      // a page of the list as it was before the filters changed is not added to the new one
      if (mine !== list.current) return;
      setRest((r) => [...r, ...next.data]);
      setCursor(next.next_cursor);
    } catch (e) {
      if (mine === list.current) setMoreError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  return { ...first, items: [...(first.data?.data ?? []), ...rest], more: cursor ? () => void more(cursor) : null, moreError };
}
