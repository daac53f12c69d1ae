/** The LayerStore contract (shared/store/metadata.ts): links, blob records and uploads. */
import { describe, expect, it } from 'vitest';
import type { UploadRecord } from '../../../shared/store/types.ts';
import { digest, uid, useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000; // a whole second: the tables keep expiry to the second

export const upload = (extra: Partial<UploadRecord> = {}): UploadRecord => ({
  uploadId: uid(),
  nextByte: 0,
  multipartId: '',
  parts: [],
  pending: [],
  pendingBytes: 0,
  hashState: '',
  createdAt: T - 60_000,
  expiresAt: T,
  ...extra,
});

export function layerContract(factory: StoresFactory) {
  describe('LayerStore', () => {
    const stores = useStores(factory);

    it('links a blob into a repository once (LINK_IS_NEW), and only that repository serves it', async () => {
      const { layers } = stores();
      const [repo, other] = [uid(), uid()];
      const [a, b, missing] = [digest(), digest(), digest()];

      expect(await layers.link(repo, { digest: a, size: 10, mediaType: 'application/octet-stream' })).toBe(true);
      expect(await layers.link(repo, { digest: b, size: 20 })).toBe(true);
      expect(await layers.link(repo, { digest: a, size: 99 })).toBe(false);

      const links = await layers.links(repo, [a, b, a, missing]);
      expect(links).toEqual(
        new Map([
          [a, { digest: a, size: 10, mediaType: 'application/octet-stream' }],
          [b, { digest: b, size: 20 }],
        ]),
      );
      expect((await layers.links(other, [a, b])).size).toBe(0);
      expect((await layers.links(repo, [])).size).toBe(0);
    });

    it('unlinks a blob from one repository, saying whether it was linked', async () => {
      const { layers } = stores();
      const [repo, other] = [uid(), uid()];
      const a = digest();
      await layers.link(repo, { digest: a, size: 10 });
      await layers.link(other, { digest: a, size: 10 });

      expect(await layers.unlink(repo, a)).toBe(true);
      expect(await layers.unlink(repo, a)).toBe(false);

      expect((await layers.links(repo, [a])).size).toBe(0);
      expect((await layers.links(other, [a])).size).toBe(1);
      expect(await layers.link(repo, { digest: a, size: 10 })).toBe(true);
    });

    it('records a blob once, and a refused record carries the existing one (BLOB_IS_NEW)', async () => {
      const { layers } = stores();
      const blob = { digest: digest(), size: 42, object: 'uploads/x/data', createdAt: T };

      expect(await layers.putBlob(blob)).toEqual({ created: true });
      expect(await layers.putBlob({ ...blob, object: 'uploads/y/data', size: 1 })).toEqual({ created: false, existing: blob });

      expect(await layers.getBlob(blob.digest)).toEqual(blob);
      expect(await layers.getBlob(digest())).toBeUndefined();
    });

    it('reads a blob through a repository only while the repository links it', async () => {
      const { layers } = stores();
      const [repo, other] = [uid(), uid()];
      const blob = { digest: digest(), size: 42, object: 'uploads/x/data', createdAt: T };
      await layers.putBlob(blob);
      await layers.link(repo, { digest: blob.digest, size: 42 });
      const unstored = digest();
      await layers.link(repo, { digest: unstored, size: 1 });

      expect(await layers.linkedBlob(repo, blob.digest)).toEqual(blob);
      expect(await layers.linkedBlob(other, blob.digest)).toBeUndefined();
      expect(await layers.linkedBlob(repo, unstored)).toBeUndefined();
      await layers.unlink(repo, blob.digest);
      expect(await layers.linkedBlob(repo, blob.digest)).toBeUndefined();
    });

    it('keeps an upload readable until it expires', async () => {
      const { layers } = stores();
      const repo = uid();
      const record = upload({ streamDigest: { upTo: 5, digest: digest() }, wholeObject: 'uploads/u/whole/1' });
      await layers.createUpload(repo, record);

      expect(await layers.getUpload(repo, record.uploadId, T - 1)).toEqual(record);
      expect(await layers.getUpload(repo, record.uploadId, T)).toBeUndefined();
      expect(await layers.getUpload(uid(), record.uploadId, T - 1)).toBeUndefined();
      expect(await layers.getUpload(repo, uid(), T - 1)).toBeUndefined();
    });

    it('advances an upload only from the byte the caller read (UPLOAD_AT_EXPECTED_BYTE)', async () => {
      const { layers } = stores();
      const repo = uid();
      const record = upload();
      await layers.createUpload(repo, record);
      const next = {
        ...record,
        nextByte: 100,
        multipartId: 'mp',
        parts: [{ partNumber: 1, etag: '"e1"' }],
        pending: [0],
        pendingBytes: 100,
        hashState: 'aGFzaA==',
        expiresAt: T + 3_600_000,
      };

      expect(await layers.advanceUpload(repo, next, 0)).toBe(true);
      expect(await layers.advanceUpload(repo, { ...next, nextByte: 200 }, 0)).toBe(false);
      expect(await layers.advanceUpload(repo, upload(), 0)).toBe(false);

      expect(await layers.getUpload(repo, record.uploadId, T)).toEqual(next);
    });

    it('ends an upload for good', async () => {
      const { layers } = stores();
      const repo = uid();
      const record = upload();
      await layers.createUpload(repo, record);

      await layers.deleteUpload(repo, record.uploadId);
      await layers.deleteUpload(repo, uid());

      expect(await layers.getUpload(repo, record.uploadId, T - 1)).toBeUndefined();
      expect(await layers.advanceUpload(repo, { ...record, nextByte: 1 }, 0)).toBe(false);
    });
  });
}
