/** The ImageStore contract (shared/store/metadata.ts). */
import { describe, expect, it } from 'vitest';
import { digest, digests, image, readAll, uid, useStores, type StoresFactory } from './stores.ts';

export function imageContract(factory: StoresFactory) {
  describe('ImageStore', () => {
    const stores = useStores(factory);

    it('creates an image once: a second create of the digest is refused and keeps the first (IMAGE_IS_NEW)', async () => {
      const { images } = stores();
      const repo = uid();
      const first = image(digest(), { annotations: { a: 'b' }, artifactMediaType: 'x/y' });

      expect(await images.create(repo, first)).toBe(true);
      expect(await images.create(repo, { ...first, sizeInBytes: 1 })).toBe(false);

      expect(await images.get(repo, first.digest)).toEqual(first);
      expect(await images.get(uid(), first.digest)).toBeUndefined();
      expect(await images.get(repo, digest())).toBeUndefined();
    });

    it('records a pull time on an existing image and creates nothing for a missing one', async () => {
      const { images } = stores();
      const repo = uid();
      const img = image(digest());
      await images.create(repo, img);
      const missing = digest();

      await images.recordPull(repo, img.digest, 1_800_000_000_000);
      await images.recordPull(repo, missing, 1_800_000_000_000);

      expect(await images.get(repo, img.digest)).toEqual({ ...img, lastPulledAt: 1_800_000_000_000 });
      expect(await images.get(repo, missing)).toBeUndefined();
      expect((await images.list(repo, 10)).items).toHaveLength(1);
    });

    it('lists images in digest order, a page at a time, and only those of the repository', async () => {
      const { images } = stores();
      const repo = uid();
      const all = digests(7);
      for (const d of [...all].reverse()) await images.create(repo, image(d));
      await images.create(uid(), image(digest()));

      const { items, pages } = await readAll(3, (cursor) => images.list(repo, 3, cursor));

      expect(items.map((i) => i.digest)).toEqual(all);
      expect(items[0]).toEqual(image(all[0]));
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('creates a tag only if it does not exist yet (expected null)', async () => {
      const { images } = stores();
      const repo = uid();
      const [a, b] = digests(2);

      expect(await images.moveTag(repo, 'latest', a, null, 1000)).toBe(true);
      expect(await images.moveTag(repo, 'latest', b, null, 2000)).toBe(false);

      expect(await images.getTag(repo, 'latest')).toEqual({ tag: 'latest', digest: a, updatedAt: 1000 });
      expect(await images.getTag(repo, 'other')).toBeUndefined();
    });

    it('moves a tag only if it still points where the caller read it (TAG_UNCHANGED_SINCE_READ)', async () => {
      const { images } = stores();
      const repo = uid();
      const [a, b, c] = digests(3);
      await images.moveTag(repo, 'v1', a, null, 1000);

      expect(await images.moveTag(repo, 'v1', b, a, 2000)).toBe(true);
      expect(await images.moveTag(repo, 'v1', c, a, 3000)).toBe(false);
      expect(await images.moveTag(repo, 'missing', c, a, 3000)).toBe(false);

      expect(await images.getTag(repo, 'v1')).toEqual({ tag: 'v1', digest: b, updatedAt: 2000 });
      expect(await images.getTag(repo, 'missing')).toBeUndefined();
      expect(await images.tagsOf(repo, a)).toEqual([]);
      expect(await images.tagsOf(repo, b)).toEqual(['v1']);
    });

    it('sets a tag whatever it pointed at (last writer wins) and says where it pointed before', async () => {
      const { images } = stores();
      const repo = uid();
      const [a, b] = digests(2);

      expect(await images.setTag(repo, 'latest', a, 1000)).toBeUndefined();
      expect(await images.setTag(repo, 'latest', b, 2000)).toBe(a);
      expect(await images.setTag(repo, 'latest', b, 3000)).toBe(b);

      expect(await images.getTag(repo, 'latest')).toEqual({ tag: 'latest', digest: b, updatedAt: 3000 });
      expect(await images.tagsOf(repo, a)).toEqual([]);
      expect(await images.tagsOf(repo, b)).toEqual(['latest']);
    });

    it('lists no tags after a bound at or above U+FFFF, where a sort key range would be reversed', async () => {
      const { images } = stores();
      const repo = uid();
      await images.moveTag(repo, 'v1', digests(1)[0], null, 1000);

      for (const after of ['\uffff', '\uffff\uffff', '\u{10000}', 'zzzz\uffff']) expect(await images.tagsAfter(repo, after, 10)).toEqual([]);
    });

    it('deletes a tag only if it still points at the digest given', async () => {
      const { images } = stores();
      const repo = uid();
      const [a, b] = digests(2);
      await images.moveTag(repo, 'v1', a, null, 1000);

      expect(await images.deleteTag(repo, 'v1', b)).toBe(false);
      expect(await images.getTag(repo, 'v1')).toBeDefined();
      expect(await images.deleteTag(repo, 'v1', a)).toBe(true);
      expect(await images.getTag(repo, 'v1')).toBeUndefined();
      expect(await images.deleteTag(repo, 'v1', a)).toBe(false);
      expect(await images.tagsOf(repo, a)).toEqual([]);
    });

    it('lists tags in tag order, a page at a time, and gives the tags after a tag', async () => {
      const { images } = stores();
      const repo = uid();
      const d = digest();
      const tags = ['v2', 'latest', 'v10', 'a', 'v1', 'b-1', 'z'];
      for (const [i, t] of tags.entries()) await images.moveTag(repo, t, d, null, i);

      const { items, pages } = await readAll(3, (cursor) => images.listTags(repo, 3, cursor));

      expect(items.map((t) => t.tag)).toEqual([...tags].sort());
      expect(items.find((t) => t.tag === 'v1')).toEqual({ tag: 'v1', digest: d, updatedAt: 4 });
      expect(pages).toBeGreaterThanOrEqual(3);
      expect((await images.tagsAfter(repo, undefined, 2)).map((t) => t.tag)).toEqual(['a', 'b-1']);
      expect((await images.tagsAfter(repo, 'v1', 2)).map((t) => t.tag)).toEqual(['v10', 'v2']);
      expect((await images.tagsAfter(repo, 'v', 10)).map((t) => t.tag)).toEqual(['v1', 'v10', 'v2', 'z']);
      expect(await images.tagsAfter(repo, 'z', 10)).toEqual([]);
      expect((await images.tagsAfter(repo, 'v2', 10))[0]).toEqual({ tag: 'z', digest: d, updatedAt: 6 });
    });

    it('knows every tag pointing at a digest, following tags as they move', async () => {
      const { images } = stores();
      const repo = uid();
      const [a, b] = digests(2);
      for (const t of ['c', 'a', 'b']) await images.moveTag(repo, t, a, null, 1);
      await images.moveTag(repo, 'b', b, a, 2);

      expect((await images.tagsOf(repo, a)).sort()).toEqual(['a', 'c']);
      expect(await images.tagsOf(repo, b)).toEqual(['b']);
      expect(await images.tagsOf(uid(), a)).toEqual([]);
    });

    it('knows the indexes naming a child until they are deleted', async () => {
      const { images } = stores();
      const repo = uid();
      const [child, other] = digests(2);
      const [p1, p2] = digests(2);
      await images.create(repo, image(p1, { children: [child, other] }));
      await images.create(repo, image(p2, { children: [child] }));

      expect(await images.parentsOf(repo, child)).toEqual([p1, p2]);
      expect(await images.parentsOf(repo, other)).toEqual([p1]);

      await images.delete(repo, image(p1, { children: [child, other] }));

      expect(await images.get(repo, p1)).toBeUndefined();
      expect(await images.parentsOf(repo, child)).toEqual([p2]);
      expect(await images.parentsOf(repo, other)).toEqual([]);
    });

    it('lists the referrers of a subject, in digest order, until they are deleted', async () => {
      const { images } = stores();
      const repo = uid();
      const subject = digest();
      const [r1, r2] = digests(2);
      const first = image(r1, { subject, artifactType: 'application/sbom', annotations: { k: 'v' }, manifestSize: 321 });
      await images.create(repo, image(r2, { subject, manifestSize: 99 }));
      await images.create(repo, first);

      expect(await images.referrers(repo, subject)).toEqual([
        { digest: r1, mediaType: first.manifestMediaType, size: 321, artifactType: 'application/sbom', annotations: { k: 'v' } },
        { digest: r2, mediaType: first.manifestMediaType, size: 99 },
      ]);
      expect(await images.referrers(repo, r1)).toEqual([]);

      await images.delete(repo, first);

      expect((await images.referrers(repo, subject)).map((r) => r.digest)).toEqual([r2]);
    });
  });
}
