/** Shared pieces of the console's pages: loading a call's answer, showing its error, formatting sizes and times. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorMessage, errorName } from './api.ts';

export type Loaded<T> = { data?: T; error?: unknown; loading: boolean; reload: () => void };

/** Runs `load` when the component mounts and whenever `deps` change; the latest answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** The answer of a call: its error (AccessDenied said plainly), a loading line, or what `children` makes of it. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <p class="muted">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

/** A failed call as the API answered it: its wire error name and message. */
export function ErrorBox({ error }: { error: unknown }) {
  const name = errorName(error);
  if (name === 'AccessDeniedException')
    return (
      <div class="error denied" role="alert">
        <strong>Access denied.</strong> Your key may not do this: {errorMessage(error)}
      </div>
    );
  return (
    <div class="error" role="alert">
      <strong>{name}</strong>: {errorMessage(error)}
    </div>
  );
}

/** A titled section of a page. */
export function Section({ title, id, children }: { title: string; id?: string; children: ComponentChildren }) {
  return (
    <section id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** Bytes in binary units, one decimal. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** A time in UTC to the second, or a dash. */
export function time(d: Date | undefined): string {
  return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '–';
}

/** A digest shortened for a table, whole in its title. */
export function Digest({ digest }: { digest: string | undefined }) {
  if (!digest) return <>–</>;
  return (
    <code title={digest} class="digest">
      {digest.slice(0, 19)}…
    </code>
  );
}

/** The hash route of a repository's page. */
export const repoHref = (name: string) => `#/repositories/${encodeURIComponent(name)}`;
/** The hash route of an image's page. */
export const imageHref = (repo: string, digest: string) => `#/repositories/${encodeURIComponent(repo)}/images/${encodeURIComponent(digest)}`;

/** Any JSON value, indented. */
export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, (_k, v) => (v instanceof Date ? v.toISOString() : v), 2)}</pre>;
}
