/**
 * A RepositoryStore whose `get` answers from a repository record it read less than `ttlMs` ago, so the several
 * requests of one push or pull (HEAD, POST, PATCH, PUT of every blob; the manifest) do not each read the same record.
 * Why it is safe (docs/ARCHITECTURE.md "Repository record cache"): a repository's contents live under its incarnation
 * uid, so a record kept after its repository was deleted (by another process) finds nothing of it once its contents
 * are removed; every write that depends on the record is conditional on that uid; this process's own writes drop what
 * it holds at once; only existing repositories are kept (a repository created elsewhere is seen at once); and a change
 * made by another process (a policy, tag mutability, a deletion) reaches this one within `ttlMs`.
 */
import type { RepositoryStore } from './metadata.ts';
import { TimedReads } from './read-cache.ts';
import type { RepositoryRecord } from './types.ts';

/** How long a process may answer from a repository record it read: the delay before another Lambda sees a change to it. */
export const REPOSITORY_READ_CACHE_MS = 5000;

/** `store` with `get` answered from what it read of a repository less than `ttlMs` ago; its own writes drop the name at once. */
export function withRepositoryCache(store: RepositoryStore, ttlMs: number, now: () => number = Date.now): RepositoryStore {
  // Absence is not kept (a repository created by another process is found at once), nor a failed read.
  const reads = new TimedReads<RepositoryRecord | undefined>(ttlMs, now, 1000, (repo) => repo !== undefined);
  return {
    get: (name) => reads.read(name, () => store.get(name)).then((repo) => repo && structuredClone(repo)),
    create: (repo) => reads.after(store.create(repo), repo.name),
    update: (name, uid, changes, remove) => reads.after(store.update(name, uid, changes, remove), name),
    delete: (name, uid) => reads.after(store.delete(name, uid), name),
    list: (limit, cursor) => store.list(limit, cursor),
    namesAfter: (after, limit) => store.namesAfter(after, limit),
    deleteContents: (uid) => store.deleteContents(uid),
  };
}
