/**
 * The narrow storage interface of the registry-wide settings the registry group serves: the registry policy and the
 * pull-time update exclusions. The DynamoDB adapter is shared/store/dynamo/registry.ts, the in-memory one
 * shared/store/memory/registry.ts; every invariant is one conditional write. `withReadCache` keeps what the
 * authorizer and the pulls read on every call from costing a read each time.
 */

/** A principal whose pulls leave an image's lastRecordedPullTime as it was. `createdAt` is epoch milliseconds. */
export type PullTimeExclusion = { principalArn: string; createdAt: number };

/** What adding an exclusion did: added, or refused because it is there already or the list is full. */
export type AddExclusionResult = 'added' | 'exists' | 'limit';

export interface RegistryStore {
  /** The registry policy's text exactly as put, if any. */
  getPolicy(): Promise<string | undefined>;
  /** Replaces the registry policy. */
  putPolicy(text: string): Promise<void>;
  /** Removes the registry policy; the text it had, or undefined when there was none. */
  deletePolicy(): Promise<string | undefined>;
  /** Every exclusion, ordered by principal ARN. */
  exclusions(): Promise<PullTimeExclusion[]>;
  /** Adds an exclusion unless its principal is listed (EXCLUSION_IS_NEW) or `limit` are listed already (EXCLUSIONS_BELOW_LIMIT). */
  addExclusion(exclusion: PullTimeExclusion, limit: number): Promise<AddExclusionResult>;
  /** Removes the exclusion of a principal; false when it was not listed. */
  removeExclusion(principalArn: string): Promise<boolean>;
}

/** How long a process may answer from what it read of the registry policy and the exclusions: the delay before another Lambda sees a change. */
export const REGISTRY_READ_CACHE_MS = 5000;

/**
 * A RegistryStore whose reads are answered from what it read less than `ttlMs` ago; its own writes drop what it
 * holds, so a process sees its own changes at once (the local host's one set of deps), and other processes (the other
 * Lambdas) within `ttlMs`.
 */
export function withReadCache(store: RegistryStore, ttlMs: number, now: () => number = Date.now): RegistryStore {
  let policy: { at: number; value: Promise<string | undefined> } | undefined;
  let exclusions: { at: number; value: Promise<PullTimeExclusion[]> } | undefined;
  const fresh = (entry: { at: number } | undefined) => entry !== undefined && now() - entry.at < ttlMs;
  const forget = () => {
    policy = undefined;
    exclusions = undefined;
  };
  const after = async <T>(write: Promise<T>) => {
    try {
      return await write;
    } finally {
      forget();
    }
  };
  return {
    getPolicy() {
      if (!fresh(policy)) {
        const value = store.getPolicy();
        policy = { at: now(), value };
        value.catch(forget);
      }
      return policy!.value;
    },
    putPolicy: (text) => after(store.putPolicy(text)),
    deletePolicy: () => after(store.deletePolicy()),
    exclusions() {
      if (!fresh(exclusions)) {
        const value = store.exclusions();
        exclusions = { at: now(), value };
        value.catch(forget);
      }
      return exclusions!.value.then((list) => list.map((e) => ({ ...e })));
    },
    addExclusion: (exclusion, limit) => after(store.addExclusion(exclusion, limit)),
    removeExclusion: (principalArn) => after(store.removeExclusion(principalArn)),
  };
}
