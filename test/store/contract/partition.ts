/** What holds across the stores: a repository's contents partition, and records that are copies, not shared objects. */
import { describe, expect, it } from 'vitest';
import { digest, image, repository, uid, useStores, type StoresFactory } from './stores.ts';
import { upload } from './layers.ts';

const T = 1_800_000_000_000;

export function partitionContract(factory: StoresFactory) {
  describe("a repository's contents partition", () => {
    const stores = useStores(factory);

    it('is removed whole by deleteContents: images, tags, references, links, uploads, lifecycle items and scans, and nothing of another repository', async () => {
      const { repositories, images, layers, scans, lifecycle, imageStates } = stores();
      const repo = repository('app');
      await repositories.create(repo);
      const other = uid();
      const [d, child, layer] = [digest(), digest(), digest()];
      const blob = { digest: layer, size: 3, object: 'uploads/u/data', createdAt: T };
      for (const u of [repo.uid, other]) {
        await images.create(u, image(d, { children: [child], subject: child }));
        await images.moveTag(u, 'latest', d, null, T);
        await layers.link(u, { digest: layer, size: 3 });
        await layers.createUpload(u, upload({ uploadId: `up-${u}` }));
        await scans.start(u, { digest: d, scanId: 's', status: 'IN_PROGRESS', scanType: 'BASIC', startedAt: T }, 0);
        await lifecycle.putPolicy(u, u === other ? 'other' : 'app', 'p', T);
        await lifecycle.startPreview(u, { runId: 'p', status: 'IN_PROGRESS', policyText: 'p', startedAt: T, expiresAt: T + 1 }, T);
        await lifecycle.putChunk(u, 'plan', 'r', 0, [1]);
        await lifecycle.putAudit(u, [{ at: T, runStartedAt: T, runId: 'r', digest: d, tags: [], action: 'EXPIRE', rulePriority: 1, trigger: 't' }], 1000 * T);
        await imageStates.setStorageClass(u, d, true, T);
      }
      await layers.putBlob(blob);

      await repositories.deleteContents(repo.uid);

      const u = repo.uid;
      expect(await images.get(u, d)).toBeUndefined();
      expect((await images.list(u, 10)).items).toEqual([]);
      expect(await images.getTag(u, 'latest')).toBeUndefined();
      expect((await images.listTags(u, 10)).items).toEqual([]);
      expect(await images.tagsOf(u, d)).toEqual([]);
      expect(await images.parentsOf(u, child)).toEqual([]);
      expect(await images.referrers(u, child)).toEqual([]);
      expect((await layers.links(u, [layer])).size).toBe(0);
      expect(await layers.getUpload(u, `up-${u}`, T - 1)).toBeUndefined();
      expect(await scans.get(u, d)).toBeUndefined();
      expect((await scans.list(u, 10)).items).toEqual([]);
      expect(await lifecycle.getPolicy(u)).toBeUndefined();
      expect((await lifecycle.listPolicies(10)).items).toEqual([{ repositoryName: 'other', uid: other }]);
      expect(await lifecycle.getPreview(u)).toBeUndefined();
      expect(await lifecycle.getChunk(u, 'plan', 'r', 0)).toBeUndefined();
      expect((await lifecycle.listAudit(u, 10, T)).items).toEqual([]);
      expect(await imageStates.hasArchived(u)).toBe(false);
      // The repository item itself and the shared blob record are not part of the partition.
      expect(await repositories.get('app')).toEqual(repo);
      expect(await layers.getBlob(layer)).toEqual(blob);
      // Another repository's contents stay.
      expect((await images.get(other, d))?.archived).toBe(true);
      expect(await images.tagsOf(other, d)).toEqual(['latest']);
      expect(await images.parentsOf(other, child)).toEqual([d]);
      expect((await layers.links(other, [layer])).size).toBe(1);
      expect(await layers.getUpload(other, `up-${other}`, T - 1)).toBeDefined();
      expect(await scans.get(other, d)).toBeDefined();
      expect(await lifecycle.getPreview(other)).toBeDefined();
      expect((await lifecycle.listAudit(other, 10, T)).items).toHaveLength(1);
    });

    it('leaves nothing, however many items it held, for a new repository of the same name to see', async () => {
      const { repositories, images } = stores();
      const old = repository('app');
      await repositories.create(old);
      await Promise.all(Array.from({ length: 60 }, (_, i) => images.moveTag(old.uid, `t${i}`, digest(), null, i)));
      await images.create(old.uid, image(digest()));
      await repositories.delete('app', old.uid);
      await repositories.deleteContents(old.uid);

      const fresh = repository('app');
      await repositories.create(fresh);

      expect((await images.list(fresh.uid, 10)).items).toEqual([]);
      expect((await images.list(old.uid, 10)).items).toEqual([]);
      expect((await images.listTags(old.uid, 10)).items).toEqual([]);
      expect((await images.listTags(fresh.uid, 10)).items).toEqual([]);
    });
  });

  describe('stored records', () => {
    const stores = useStores(factory);

    it('are copies: changing what a store was given or returned changes nothing stored', async () => {
      const { repositories, images, lifecycle } = stores();
      const repo = repository('app', { tags: [{ Key: 'k', Value: 'v' }] });
      await repositories.create(repo);
      repo.tags.push({ Key: 'added', Value: 'after' });
      const read = await repositories.get('app');
      read!.tags[0].Value = 'changed';
      read!.imageTagMutability = 'IMMUTABLE';
      const img = image(digest(), { children: [digest()], annotations: { a: '1' } });
      await images.create(repo.uid, img);
      const stored = structuredClone(img);
      img.children!.push(digest());
      (await images.get(repo.uid, img.digest))!.annotations!.a = '2';
      (await images.list(repo.uid, 10)).items[0].children!.pop();
      const chunk = [{ n: 1 }];
      await lifecycle.putChunk(repo.uid, 'plan', 'r', 0, chunk);
      chunk[0].n = 2;
      (await lifecycle.getChunk<{ n: number }>(repo.uid, 'plan', 'r', 0))![0].n = 3;

      expect(await repositories.get('app')).toEqual({ ...repo, tags: [{ Key: 'k', Value: 'v' }] });
      expect(await images.get(repo.uid, img.digest)).toEqual(stored);
      expect(await lifecycle.getChunk(repo.uid, 'plan', 'r', 0)).toEqual([{ n: 1 }]);
    });
  });
}
