/** LayerStore in memory: the DynamoDB adapter's link, blob and upload items (shared/store/dynamo/layers.ts). */
import type { LayerStore } from '../metadata.ts';
import type { BlobRecord, LayerLink, UploadRecord } from '../types.ts';
import { blobIndex, blobKey, layerKey, uploadKey } from '../keys.ts';
import { toBlob, toLink, toUpload } from '../items.ts';
import type { Item, MemoryTable } from './table.ts';

/** Invariant: the blob is not linked into the repository yet. */
const LINK_IS_NEW = (old: Item | undefined) => old === undefined;
/** Invariant: no blob of that digest is recorded, or only one a garbage collection claimed (it is replaced). */
const BLOB_IS_NEW_OR_BEING_COLLECTED = (old: Item | undefined) => old === undefined || old.collecting !== undefined;
/** Invariant: the blob is recorded and no garbage collection has claimed it. */
const BLOB_IS_LIVE = (old: Item | undefined) => old !== undefined && old.collecting === undefined;
/** Invariant: the upload is exactly where the caller saw it (parts arrive in order, once). */
const UPLOAD_AT_EXPECTED_BYTE = (old: Item | undefined, expected: number) => old !== undefined && old.nextByte === expected;

/** Expiry is kept in whole seconds, as the table's TTL attribute holds it. */
const uploadItem = (uid: string, upload: UploadRecord): Item => ({
  ...uploadKey(uid, upload.uploadId),
  type: 'upload',
  ...upload,
  expiresAt: Math.floor(upload.expiresAt / 1000),
});

export class MemoryLayerStore implements LayerStore {
  constructor(private readonly table: MemoryTable) {}

  async links(uid: string, digests: string[]) {
    const found = new Map<string, LayerLink>();
    for (const digest of new Set(digests)) {
      const item = this.table.get(layerKey(uid, digest));
      if (item) found.set(item.digest, toLink(item));
    }
    return found;
  }

  async unlink(uid: string, digest: string) {
    return this.table.delete(layerKey(uid, digest)) !== undefined;
  }

  async link(uid: string, link: LayerLink) {
    const key = layerKey(uid, link.digest);
    if (!LINK_IS_NEW(this.table.get(key))) return false;
    this.table.put({ ...key, type: 'layer', ...link });
    return true;
  }

  async getBlob(digest: string) {
    const item = this.table.get(blobKey(digest));
    return item && item.collecting === undefined ? toBlob(item) : undefined;
  }

  async linkedBlob(uid: string, digest: string) {
    return this.table.get(layerKey(uid, digest)) ? this.getBlob(digest) : undefined;
  }

  async putBlob(blob: BlobRecord, uid?: string) {
    const key = blobKey(blob.digest);
    const old = this.table.get(key);
    if (!BLOB_IS_NEW_OR_BEING_COLLECTED(old)) return { created: false, existing: toBlob(old!) };
    this.table.put({ ...key, ...blobIndex(blob.digest), type: 'blob', ...blob, touchedAt: blob.createdAt, linkedBy: uid ? [uid] : [] });
    return { created: true };
  }

  async referenceBlob(digest: string, uid: string, at: number) {
    const old = this.table.get(blobKey(digest));
    if (!BLOB_IS_LIVE(old)) return false;
    const linkedBy: string[] = old!.linkedBy ?? [];
    this.table.put({ ...old!, ...blobIndex(digest), touchedAt: at, linkedBy: linkedBy.includes(uid) ? linkedBy : [...linkedBy, uid] });
    return true;
  }

  async touchLinks(uid: string, digests: string[], at: number) {
    const touched = new Map<string, LayerLink>();
    for (const digest of new Set(digests)) {
      const item = this.table.get(layerKey(uid, digest));
      if (!item) continue; // LINK_EXISTS
      this.table.put({ ...item, touchedAt: at });
      touched.set(digest, toLink(item));
    }
    return touched;
  }

  async createUpload(uid: string, upload: UploadRecord) {
    this.table.put(uploadItem(uid, upload));
  }

  async getUpload(uid: string, uploadId: string, now: number) {
    const item = this.table.get(uploadKey(uid, uploadId));
    // An expired upload is gone whether or not its item is (TTL deletes lazily).
    if (!item || item.expiresAt * 1000 <= now) return undefined;
    return { ...toUpload(item), expiresAt: item.expiresAt * 1000 };
  }

  async advanceUpload(uid: string, upload: UploadRecord, expectedNextByte: number) {
    if (!UPLOAD_AT_EXPECTED_BYTE(this.table.get(uploadKey(uid, upload.uploadId)), expectedNextByte)) return false;
    this.table.put(uploadItem(uid, upload));
    return true;
  }

  async deleteUpload(uid: string, uploadId: string) {
    this.table.delete(uploadKey(uid, uploadId));
  }
}
