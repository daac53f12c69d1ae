/** The GcStore contract (shared/store/gc.ts) with the LayerStore writes it races: referrers, touches, claims, marks. */
import { describe, expect, it } from 'vitest';
import { upload } from './layers.ts';
import { digest, uid, useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000;

export function gcContract(factory: StoresFactory) {
  describe('GcStore', () => {
    const stores = useStores(factory);

    it('claims a blob only once no repository references it and nothing touched it since it was read (BLOB_UNREFERENCED_AND_UNTOUCHED)', async () => {
      const { layers, gc } = stores();
      const [repo, other] = [uid(), uid()];
      const d = digest();
      await layers.putBlob({ digest: d, size: 5, object: `uploads/${uid()}/data`, createdAt: T }, repo);
      expect(await layers.referenceBlob(d, other, T + 1)).toBe(true);
      let state = (await gc.blobStates([d])).get(d)!;
      expect(state).toMatchObject({ touchedAt: T + 1 });
      expect(state.linkedBy.sort()).toEqual([repo, other].sort());
      expect(await gc.claimBlob(state, 'run-1')).toBe(false);

      expect(await gc.unreference(d, repo)).toBe(true);
      expect(await gc.unreference(d, other, { touchAt: T + 2 })).toBe(true);
      expect(await gc.claimBlob(state, 'run-1')).toBe(false); // touched since it was read
      state = (await gc.blobStates([d])).get(d)!;
      expect(state).toMatchObject({ linkedBy: [], touchedAt: T + 2 });
      expect(await gc.claimBlob(state, 'run-1')).toBe(true);
      expect(await gc.claimBlob(state, 'run-2')).toBe(false);
    });

    it('hides a claimed blob, refuses to reference it (BLOB_IS_LIVE), and lets a new upload replace it (BLOB_IS_NEW_OR_BEING_COLLECTED)', async () => {
      const { layers, gc } = stores();
      const repo = uid();
      const d = digest();
      const old = { digest: d, size: 5, object: `uploads/${uid()}/data`, createdAt: T };
      await layers.putBlob(old);
      expect(await gc.claimBlob((await gc.blobStates([d])).get(d)!, 'run-1')).toBe(true);
      await layers.link(repo, { digest: d, size: 5, touchedAt: T });

      expect(await layers.getBlob(d)).toBeUndefined();
      expect(await layers.linkedBlob(repo, d)).toBeUndefined();
      expect(await layers.referenceBlob(d, repo, T + 1)).toBe(false);
      const fresh = { ...old, object: `uploads/${uid()}/data`, createdAt: T + 2 };
      expect(await layers.putBlob(fresh, repo)).toEqual({ created: true });
      expect(await gc.forgetBlob(d, 'run-1')).toBe(false);
      expect(await layers.getBlob(d)).toEqual(fresh);
    });

    it('forgets a blob only under the claim that took it (BLOB_CLAIMED_BY_US), and a later run may take over a dead claim', async () => {
      const { layers, gc } = stores();
      const d = digest();
      await layers.putBlob({ digest: d, size: 5, object: `uploads/${uid()}/data`, createdAt: T });
      await gc.claimBlob((await gc.blobStates([d])).get(d)!, 'dead-run');
      const claimed = (await gc.blobStates([d])).get(d)!;
      expect(claimed.collecting).toBe('dead-run');
      expect(await gc.claimBlob(claimed, 'next-run')).toBe(true);
      expect(await gc.forgetBlob(d, 'dead-run')).toBe(false);
      expect(await gc.forgetBlob(d, 'next-run')).toBe(true);
      expect((await gc.blobStates([d])).size).toBe(0);
    });

    it('drops a link only if nothing touched it since it was read (LINK_UNTOUCHED_SINCE_READ)', async () => {
      const { layers, gc } = stores();
      const repo = uid();
      const [a, b] = [digest(), digest()];
      await layers.link(repo, { digest: a, size: 1, touchedAt: T });
      await layers.link(repo, { digest: b, size: 2, touchedAt: T });
      const read = (await gc.links(repo, 10)).items;
      expect(read.map((l) => l.touchedAt)).toEqual([T, T]);
      expect([...(await layers.touchLinks(repo, [a, digest()], T + 5)).keys()]).toEqual([a]);

      expect(await gc.dropLink(repo, a, T)).toBe(false);
      expect(await gc.dropLink(repo, b, T)).toBe(true);
      expect([...(await layers.links(repo, [a, b])).keys()]).toEqual([a]);
    });

    it('keeps the latest mark of a thing and clears it only if not marked again since it was read (MARK_UNCHANGED_SINCE_READ)', async () => {
      const { gc } = stores();
      const d = digest();
      await gc.mark([
        { kind: 'REPO', id: 'u1', name: 'app', markedAt: T },
        { kind: 'BLOB', id: d, markedAt: T },
      ]);
      await gc.mark([{ kind: 'REPO', id: 'u1', name: 'app', markedAt: T + 9 }]);
      const { items } = await gc.marks(10);
      expect(items).toEqual([
        { kind: 'BLOB', id: d, markedAt: T },
        { kind: 'REPO', id: 'u1', name: 'app', markedAt: T + 9 },
      ]);
      expect(await gc.clearMark({ kind: 'REPO', id: 'u1', name: 'app', markedAt: T })).toBe(false);
      expect(await gc.clearMark(items[1])).toBe(true);
      expect(await gc.clearMark(items[0])).toBe(true);
      expect((await gc.marks(10)).items).toEqual([]);
    });

    it('lists blob records by shard, and drops an upload only while it is still expired (UPLOAD_STILL_EXPIRED)', async () => {
      const { layers, gc } = stores();
      const d = digest();
      await layers.putBlob({ digest: d, size: 5, object: `uploads/${uid()}/data`, createdAt: T });
      const shard = d.slice('sha256:'.length)[0];
      const listed: string[] = [];
      let cursor: Record<string, any> | undefined;
      do {
        const page = await gc.blobs(shard, 100, cursor);
        listed.push(...page.items.map((b) => b.digest));
        cursor = page.cursor;
      } while (cursor);
      expect(listed).toContain(d);

      const repo = uid();
      const u = upload({ expiresAt: T });
      await layers.createUpload(repo, u);
      expect((await gc.uploads(repo, 10)).items.map((x) => x.uploadId)).toEqual([u.uploadId]);
      expect(await gc.dropUpload(repo, u.uploadId, T - 1000)).toBe(false);
      expect(await gc.dropUpload(repo, u.uploadId, T)).toBe(true);
      expect((await gc.uploads(repo, 10)).items).toEqual([]);
    });

    it("lists a repository's lifecycle chunks by kind, run and index, and drops those named", async () => {
      const { lifecycle, gc } = stores();
      const repo = uid();
      await lifecycle.putChunk(repo, 'plan', 'r1', 0, [1]);
      await lifecycle.putChunk(repo, 'plan', 'r1', 1, [2]);
      await lifecycle.putChunk(repo, 'preview', 'p1', 0, [3]);
      const { items } = await gc.chunks(repo, 10);
      expect(items).toEqual([
        { kind: 'plan', runId: 'r1', index: 0 },
        { kind: 'plan', runId: 'r1', index: 1 },
        { kind: 'preview', runId: 'p1', index: 0 },
      ]);
      await gc.dropChunks(repo, items.slice(0, 2));
      expect((await gc.chunks(repo, 10)).items).toEqual([{ kind: 'preview', runId: 'p1', index: 0 }]);
    });

    it('keeps one state record, written only over the version read (GC_STATE_UNCHANGED_SINCE_READ)', async () => {
      const { gc } = stores();
      const first = await gc.state();
      expect(first).toEqual({ version: 0 });
      expect(await gc.saveState({ ...first, lastSweepAt: T })).toBe(true);
      expect(await gc.saveState({ ...first, lastSweepAt: T + 1 })).toBe(false);
      expect(await gc.state()).toEqual({ version: 1, lastSweepAt: T });
    });
  });
}
