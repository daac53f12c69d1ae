/** LayerStore on DynamoDB: per-repository links to blobs, the global blob records, and upload progress. */
import type { LayerStore } from '../metadata.ts';
import type { BlobRecord, LayerLink, UploadRecord } from '../types.ts';
import { blobIndex, blobKey, layerKey, uploadKey } from '../keys.ts';
import { toBlob, toLink, toUpload } from '../items.ts';
import type { Table } from './table.ts';

/** Invariant: the blob is not linked into the repository yet. */
const LINK_IS_NEW = 'attribute_not_exists(pk)';
/** Invariant: no blob of that digest is recorded, or only one a garbage collection claimed (it is replaced). */
const BLOB_IS_NEW_OR_BEING_COLLECTED = 'attribute_not_exists(pk) OR attribute_exists(collecting)';
/** Invariant: the blob is recorded and no garbage collection has claimed it. */
const BLOB_IS_LIVE = 'attribute_exists(pk) AND attribute_not_exists(collecting)';
/** Invariant: the link exists (a touch never creates one). */
const LINK_EXISTS = 'attribute_exists(pk)';
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
    return item && !item.collecting ? toBlob(item) : undefined;
  }

  async linkedBlob(uid: string, digest: string) {
    const items = await this.table.batchGet([layerKey(uid, digest), blobKey(digest)]);
    const blob = items.find((i) => i.type === 'blob');
    return blob && !blob.collecting && items.some((i) => i.type === 'layer') ? toBlob(blob) : undefined;
  }

  async putBlob(blob: BlobRecord, uid?: string) {
    const Item = {
      ...blobKey(blob.digest),
      ...blobIndex(blob.digest),
      type: 'blob',
      ...blob,
      touchedAt: blob.createdAt,
      ...(uid ? { linkedBy: new Set([uid]) } : {}),
    };
    const r = await this.table.put({ Item, ConditionExpression: BLOB_IS_NEW_OR_BEING_COLLECTED });
    if (r.ok) return { created: true };
    // The embedded DynamoDB omits the old item on a failed condition: read it back then.
    return { created: false, existing: r.old ? toBlob(r.old) : await this.getBlob(blob.digest) };
  }

  async referenceBlob(digest: string, uid: string, at: number) {
    const r = await this.table.update({
      Key: blobKey(digest),
      UpdateExpression: 'ADD linkedBy :uid SET touchedAt = :at, gsi1pk = :gpk, gsi1sk = :gsk',
      ConditionExpression: BLOB_IS_LIVE,
      ExpressionAttributeValues: { ':uid': new Set([uid]), ':at': at, ':gpk': blobIndex(digest).gsi1pk, ':gsk': digest },
      ReturnValues: 'NONE',
    });
    return r.ok;
  }

  async touchLinks(uid: string, digests: string[], at: number) {
    const touched = await Promise.all(
      [...new Set(digests)].map((digest) =>
        this.table.update({
          Key: layerKey(uid, digest),
          UpdateExpression: 'SET touchedAt = :at',
          ConditionExpression: LINK_EXISTS,
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
    return new Map(touched.flatMap((r) => (r.ok && r.item ? [[r.item.digest as string, toLink(r.item)] as const] : [])));
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
