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
import type { RepositoryRecord } from './types.ts';

/** How long a process may answer from a repository record it read: the delay before another Lambda sees a change to it. */
export const REPOSITORY_READ_CACHE_MS = 5000;

/** At most this many repository records are kept; the oldest go first. */
const MAX_ENTRIES = 1000;

/** `store` with `get` answered from what it read of a repository less than `ttlMs` ago; its own writes drop the name at once. */
export function withRepositoryCache(store: RepositoryStore, ttlMs: number, now: () => number = Date.now): RepositoryStore {
  const entries = new Map<string, { at: number; value: Promise<RepositoryRecord | undefined> }>();
  const after = async <T>(name: string, write: Promise<T>) => {
    try {
      return await write;
    } finally {
      entries.delete(name);
    }
  };
  return {
    get(name) {
      let entry = entries.get(name);
      if (!entry || now() - entry.at >= ttlMs) {
        const value = store.get(name);
        entry = { at: now(), value };
        entries.delete(name);
        entries.set(name, entry);
        if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        const kept = entry;
        // Absence is not kept (a repository created by another process is found at once), nor a failed read.
        value.then(
          (repo) => repo === undefined && entries.get(name) === kept && entries.delete(name),
          () => entries.get(name) === kept && entries.delete(name),
        );
      }
      return entry.value.then((repo) => repo && structuredClone(repo));
    },
    create: (repo) => after(repo.name, store.create(repo)),
    update: (name, uid, changes, remove) => after(name, store.update(name, uid, changes, remove)),
    delete: (name, uid) => after(name, store.delete(name, uid)),
    list: (limit, cursor) => store.list(limit, cursor),
    namesAfter: (after, limit) => store.namesAfter(after, limit),
    deleteContents: (uid) => store.deleteContents(uid),
  };
}
