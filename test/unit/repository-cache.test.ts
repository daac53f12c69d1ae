/** withRepositoryCache (shared/store/repository-cache.ts): a repository read moments ago answers again, own writes are seen at once. */
import { describe, expect, it } from 'vitest';
import { withRepositoryCache } from '../../shared/store/repository-cache.ts';
import { createMemoryStores } from '../../shared/store/memory/index.ts';
import type { RepositoryRecord } from '../../shared/store/types.ts';

function counted() {
  const { repositories } = createMemoryStores();
  const reads = { count: 0 };
  const get = repositories.get.bind(repositories);
  repositories.get = (name) => {
    reads.count++;
    return get(name);
  };
  return { store: repositories, reads };
}

const record = (name: string, uid: string, extra: Partial<RepositoryRecord> = {}): RepositoryRecord => ({
  name,
  uid,
  createdAt: 1,
  imageTagMutability: 'MUTABLE',
  scanOnPush: false,
  encryptionType: 'AES256',
  tags: [],
  ...extra,
});

describe('the repository read cache', () => {
  it('reads a repository once within its time, and again after it', async () => {
    // Prepare: a repository changed behind the cache's back (as another process would change it).
    const { store, reads } = counted();
    await store.create(record('team/app', 'u1'));
    let now = 1000;
    const cached = withRepositoryCache(store, 5000, () => now);

    // Act
    const first = await cached.get('team/app');
    await store.update('team/app', 'u1', { policyText: '{"Version":"2012-10-17","Statement":[]}' });
    const meanwhile = await cached.get('team/app');
    now += 5000;
    const later = await cached.get('team/app');

    // Assess: the change shows once the time is up, and not before.
    expect(first?.policyText).toBeUndefined();
    expect(meanwhile?.policyText).toBeUndefined();
    expect(later?.policyText).toBe('{"Version":"2012-10-17","Statement":[]}');
    expect(reads.count).toBe(2);
  });

  it('sees its own writes at once: a policy set, a deletion, a new incarnation', async () => {
    const { store } = counted();
    const cached = withRepositoryCache(store, 60_000, () => 0);
    await cached.create(record('team/app', 'u1'));
    expect((await cached.get('team/app'))?.uid).toBe('u1');

    await cached.update('team/app', 'u1', { policyText: '{}' });
    expect((await cached.get('team/app'))?.policyText).toBe('{}');
    await cached.delete('team/app', 'u1');
    expect(await cached.get('team/app')).toBeUndefined();
    await cached.create(record('team/app', 'u2'));
    expect((await cached.get('team/app'))?.uid).toBe('u2');
  });

  it('keeps no absence: a repository another process creates is found at once', async () => {
    const { store, reads } = counted();
    const cached = withRepositoryCache(store, 60_000, () => 0);

    expect(await cached.get('team/new')).toBeUndefined();
    await store.create(record('team/new', 'u3'));

    expect((await cached.get('team/new'))?.uid).toBe('u3');
    expect(reads.count).toBe(2);
  });

  it('keeps no failed read, and hands out copies a caller cannot change for others', async () => {
    const { store } = counted();
    await store.create(record('team/app', 'u1'));
    const get = store.get.bind(store);
    let fail = true;
    store.get = (name) => (fail ? Promise.reject(new Error('throttled')) : get(name));
    const cached = withRepositoryCache(store, 60_000, () => 0);

    await expect(cached.get('team/app')).rejects.toThrow('throttled');
    fail = false;
    const repo = (await cached.get('team/app'))!;
    repo.tags.push({ Key: 'k', Value: 'v' });

    expect((await cached.get('team/app'))?.tags).toEqual([]);
  });
});
