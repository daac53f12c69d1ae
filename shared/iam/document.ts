/**
 * The principals document kept in AWS (Secrets Manager or SSM, shared/secrets/principals-document.ts): read at cold
 * start, then again once it is a minute old, on the next request (a Lambda's clock stands still between
 * invocations, so no timer is needed). A document that cannot be read or is invalid at cold start stops the
 * start; later, it is refused with one log line and the principals in force stay.
 */
import { logger } from '../observe/logger.ts';
import type { PrincipalsSource } from './file.ts';
import { parsePrincipals, type rootEntry } from './principals.ts';

/** How old the document in force may grow before it is read again. */
export const IAM_DOCUMENT_REFRESH_MS = 60_000;

export type RefreshingPrincipals = PrincipalsSource & {
  /** Resolves once the read under way, if any, has been taken or refused. */
  settled(): Promise<void>;
};

export type DocumentOptions = {
  /** Where the document is, for log lines. */
  where: string;
  refreshMs?: number;
  /** The clock deciding the document's age (ms). */
  now?: () => number;
};

/**
 * The principals of `initial` (the document as read at cold start; throws a PrincipalsFileError when invalid),
 * refreshed with `read` as above. The request that finds the document stale is served with the one in force; a
 * read that never ends would hold every later refresh back, so `read` must time out (callAwsJson does, in 5 s).
 */
export function watchPrincipalsDocument(
  initial: string,
  read: () => Promise<string>,
  root: ReturnType<typeof rootEntry>,
  options: DocumentOptions,
): RefreshingPrincipals {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? IAM_DOCUMENT_REFRESH_MS;
  let current = parsePrincipals(initial, root);
  let text = initial;
  let readAt = now();
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    try {
      const next = await read();
      if (next !== text) {
        current = parsePrincipals(next, root);
        text = next;
        logger.info({ where: options.where }, 'principals document reloaded');
      }
    } catch (e) {
      logger.error({ where: options.where, error: (e as Error).message }, 'principals document refused; the previous principals stay in force');
    } finally {
      readAt = now();
      refreshing = undefined;
    }
  };
  return {
    directory: () => {
      if (!refreshing && now() - readAt >= refreshMs) refreshing = refresh();
      return current;
    },
    close: () => undefined,
    settled: () => refreshing ?? Promise.resolve(),
  };
}
