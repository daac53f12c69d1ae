/** LayerStore on DynamoDB: per-repository links to blobs, the global blob records, and upload progress. */
import type { LayerStore } from '../metadata.ts';
import type { BlobRecord, LayerLink, UploadRecord } from '../types.ts';
import { blobKey, layerKey, uploadKey } from '../keys.ts';
import { toBlob, toLink, toUpload } from '../items.ts';
import type { Table } from './table.ts';

/** Invariant: the blob is not linked into the repository yet. */
const LINK_IS_NEW = 'attribute_not_exists(pk)';
/** Invariant: no blob of that digest is recorded yet. */
const BLOB_IS_NEW = 'attribute_not_exists(pk)';
/** Invariant: the upload is exactly where the caller saw it (parts arrive in order, once). */
const UPLOAD_AT_EXPECTED_BYTE = 'nextByte = :expected';

export class DynamoLayerStore implements LayerStore {
  constructor(private readonly table: Table) {}

  async links(uid: string, digests: string[]) {
    const unique = [...new Set(digests)];
    const items = await this.table.batchGet(unique.map((d) => layerKey(uid, d)));
    return new Map(items.map((i) => [i.digest as string, toLink(i)]));
  }

  async unlink(uid: string, digest: string) {
    const r = await this.table.delete({ Key: layerKey(uid, digest) });
    return r.ok && r.old !== undefined;
  }

  async link(uid: string, link: LayerLink) {
    const r = await this.table.put({ Item: { ...layerKey(uid, link.digest), type: 'layer', ...link }, ConditionExpression: LINK_IS_NEW });
    return r.ok;
  }

  async getBlob(digest: string) {
    const item = await this.table.get(blobKey(digest));
    return item && toBlob(item);
  }

  async linkedBlob(uid: string, digest: string) {
    const items = await this.table.batchGet([layerKey(uid, digest), blobKey(digest)]);
    const blob = items.find((i) => i.type === 'blob');
    return blob && items.some((i) => i.type === 'layer') ? toBlob(blob) : undefined;
  }

  async putBlob(blob: BlobRecord) {
    const r = await this.table.put({ Item: { ...blobKey(blob.digest), type: 'blob', ...blob }, ConditionExpression: BLOB_IS_NEW });
    if (r.ok) return { created: true };
    // The embedded DynamoDB omits the old item on a failed condition: read it back then.
    return { created: false, existing: r.old ? toBlob(r.old) : await this.getBlob(blob.digest) };
  }

  async createUpload(uid: string, upload: UploadRecord) {
    await this.table.put({ Item: { ...uploadKey(uid, upload.uploadId), type: 'upload', ...upload, expiresAt: Math.floor(upload.expiresAt / 1000) } });
  }

  async getUpload(uid: string, uploadId: string, now: number) {
    const item = await this.table.get(uploadKey(uid, uploadId));
    // TTL deletes lazily (and not at all locally): an expired upload is gone whether or not the item is.
    if (!item || item.expiresAt * 1000 <= now) return undefined;
    return { ...toUpload(item), expiresAt: item.expiresAt * 1000 };
  }

  async advanceUpload(uid: string, upload: UploadRecord, expectedNextByte: number) {
    const r = await this.table.put({
      Item: { ...uploadKey(uid, upload.uploadId), type: 'upload', ...upload, expiresAt: Math.floor(upload.expiresAt / 1000) },
      ConditionExpression: UPLOAD_AT_EXPECTED_BYTE,
      ExpressionAttributeValues: { ':expected': expectedNextByte },
    });
    return r.ok;
  }

  async deleteUpload(uid: string, uploadId: string) {
    await this.table.delete({ Key: uploadKey(uid, uploadId) });
  }
}
