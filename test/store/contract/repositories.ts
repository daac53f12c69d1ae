/** The RepositoryStore contract (shared/store/metadata.ts). */
import { describe, expect, it } from 'vitest';
import { readAll, repository, uid, useStores, type StoresFactory } from './stores.ts';

export function repositoryContract(factory: StoresFactory) {
  describe('RepositoryStore', () => {
    const stores = useStores(factory);

    it('creates a repository once: a second create of the same name is refused and changes nothing (REPOSITORY_NAME_IS_FREE)', async () => {
      const { repositories } = stores();
      const first = repository('team/app', { tags: [{ Key: 'k', Value: 'v' }] });

      expect(await repositories.create(first)).toBe(true);
      expect(await repositories.create(repository('team/app', { scanOnPush: true }))).toBe(false);

      expect(await repositories.get('team/app')).toEqual(first);
    });

    it('finds nothing under a name that was never created', async () => {
      expect(await stores().repositories.get('nothing-here')).toBeUndefined();
    });

    it('lists repositories in name order, a page at a time, each full page with a cursor', async () => {
      const { repositories } = stores();
      const names = ['m', 'b/x', 'z', 'a', 'b', 'k/y/z', 'c'];
      for (const name of names) await repositories.create(repository(name));

      const { items, pages } = await readAll(3, (cursor) => repositories.list(3, cursor));

      expect(items.map((r) => r.name)).toEqual([...names].sort());
      expect(pages).toBeGreaterThanOrEqual(3);
      const first = await repositories.list(3);
      expect(first.items).toHaveLength(3);
      expect(first.cursor).toBeDefined();
    });

    it('gives a cursor with every page that reaches its limit, even when nothing follows, and the cursor survives JSON', async () => {
      const { repositories } = stores();
      for (const name of ['a', 'b', 'c', 'd']) await repositories.create(repository(name));

      const first = await repositories.list(2);
      const second = await repositories.list(2, JSON.parse(JSON.stringify(first.cursor)));
      const third = await repositories.list(2, second.cursor);

      expect(second.items.map((r) => r.name)).toEqual(['c', 'd']);
      expect(second.cursor).toBeDefined();
      expect(third).toEqual({ items: [] });
      expect((await repositories.list(5)).cursor).toBeUndefined();
    });

    it('gives the names that sort after a name, up to a limit', async () => {
      const { repositories } = stores();
      for (const name of ['d', 'a', 'c', 'b', 'e']) await repositories.create(repository(name));

      expect(await repositories.namesAfter(undefined, 2)).toEqual(['a', 'b']);
      expect(await repositories.namesAfter('b', 2)).toEqual(['c', 'd']);
      expect(await repositories.namesAfter('bb', 10)).toEqual(['c', 'd', 'e']);
      expect(await repositories.namesAfter('e', 10)).toEqual([]);
    });

    it('updates and removes settings only of the incarnation the caller read', async () => {
      const { repositories } = stores();
      const repo = repository('app', { policyText: '{}', kmsKey: 'key' });
      await repositories.create(repo);

      const updated = await repositories.update('app', repo.uid, { scanOnPush: true, imageTagMutability: 'IMMUTABLE' }, ['policyText']);

      expect(updated).toEqual({ ...repo, scanOnPush: true, imageTagMutability: 'IMMUTABLE', policyText: undefined });
      expect(updated).not.toHaveProperty('policyText');
      expect(await repositories.get('app')).toEqual(updated);
    });

    it('refuses to update another incarnation or a repository that is gone', async () => {
      const { repositories } = stores();
      const repo = repository('app');
      await repositories.create(repo);

      expect(await repositories.update('app', uid(), { scanOnPush: true })).toBeUndefined();
      expect(await repositories.update('gone', uid(), { scanOnPush: true })).toBeUndefined();

      expect(await repositories.get('app')).toEqual(repo);
      expect(await repositories.get('gone')).toBeUndefined();
    });

    it('answers an update with nothing to change with the repository as it is, and only for the incarnation read', async () => {
      const { repositories } = stores();
      const repo = repository('app');
      await repositories.create(repo);

      expect(await repositories.update('app', repo.uid, { kmsKey: undefined })).toEqual(repo);
      expect(await repositories.update('app', uid(), {})).toBeUndefined();
      expect(await repositories.update('gone', uid(), {})).toBeUndefined();
    });

    it('deletes only the incarnation named, after which the name is free again', async () => {
      const { repositories } = stores();
      const repo = repository('app');
      await repositories.create(repo);

      expect(await repositories.delete('app', uid())).toBe(false);
      expect(await repositories.get('app')).toEqual(repo);
      expect(await repositories.delete('app', repo.uid)).toBe(true);
      expect(await repositories.get('app')).toBeUndefined();
      expect(await repositories.delete('app', repo.uid)).toBe(false);

      const again = repository('app');
      expect(await repositories.create(again)).toBe(true);
      expect((await repositories.get('app'))?.uid).toBe(again.uid);
      expect((await repositories.list(10)).items.map((r) => r.name)).toEqual(['app']);
    });
  });
}
