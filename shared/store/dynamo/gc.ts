/** GcStore on DynamoDB: marks, links, uploads and blob records as the garbage collector reads and removes them. */
import type { BlobState, ChunkRef, GcMark, GcState, GcStore, LinkState } from '../gc.ts';
import { toUpload } from '../items.ts';
import {
  blobIndex,
  blobKey,
  blobShardPk,
  contentsPk,
  gcMarkKey,
  gcMarksPk,
  gcStateKey,
  LAYER_PREFIX,
  layerKey,
  LIFECYCLE_CHUNK_PREFIX,
  lifecycleChunkKey,
  scanKey,
  UPLOAD_PREFIX,
  uploadKey,
} from '../keys.ts';
import type { Item, Table } from './table.ts';

/** Invariant: nothing marked the same thing again since the mark was read. */
const MARK_UNCHANGED_SINCE_READ = 'markedAt = :at';
/** Invariant: no upload, mount or PutImage touched the link since it was read. */
const LINK_UNTOUCHED_SINCE_READ = (touched: number | undefined) =>
  touched === undefined ? 'attribute_exists(pk) AND attribute_not_exists(touchedAt)' : 'touchedAt = :t';
/** Invariant: the upload is still expired (a part sent meanwhile would have moved its expiry on). */
const UPLOAD_STILL_EXPIRED = 'expiresAt <= :now';
/** Invariant: no repository references the blob, nothing touched it since it was read, and no live run claimed it. */
const BLOB_UNREFERENCED_AND_UNTOUCHED = (b: BlobState) =>
  `attribute_not_exists(linkedBy) AND ${b.touchedAt === undefined ? 'attribute_not_exists(touchedAt)' : 'touchedAt = :t'} AND ${b.collecting === undefined ? 'attribute_not_exists(collecting)' : 'collecting = :old'}`;
/** Invariant: the record is still the one this collection claimed (not replaced by a new upload of the digest). */
const BLOB_CLAIMED_BY_US = 'collecting = :token';
/** Invariant: the image's scan record is still the scan read (a new scan replaces it). */
const SCAN_UNCHANGED_SINCE_READ = 'scanId = :s';
/** Invariant: the collector's state is the version read. */
const GC_STATE_UNCHANGED_SINCE_READ = 'attribute_not_exists(pk) OR version = :v';

const toBlobState = (i: Item): BlobState => ({
  digest: i.digest,
  size: i.size,
  object: i.object,
  createdAt: i.createdAt,
  ...(i.touchedAt !== undefined ? { touchedAt: i.touchedAt } : {}),
  linkedBy: i.linkedBy ? [...i.linkedBy] : [],
  ...(i.collecting ? { collecting: i.collecting } : {}),
});
/** The members that are set. */
const copyDefined = (o: Record<string, number | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
/** A chunk's kind, run and index from its sort key `LCCHUNK#<kind>#<runId>#<n>`. */
const toChunk = (sk: string): ChunkRef => {
  const [kind, runId, index] = sk.slice(LIFECYCLE_CHUNK_PREFIX.length).split('#');
  return { kind, runId, index: Number(index) };
};
const toMark = (i: Item): GcMark => ({ kind: i.kind, id: i.id, markedAt: i.markedAt, ...(i.name ? { name: i.name } : {}) });

export class DynamoGcStore implements GcStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  async mark(marks: GcMark[]) {
    await this.table.batchPut(marks.map((m) => ({ ...gcMarkKey(this.registryId, m.kind, m.id), type: 'gcmark', ...m })));
  }

  async marks(limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(gcMarksPk(this.registryId), '', { limit, cursor });
    return { items: page.items.map(toMark), cursor: page.lastKey };
  }

  async clearMark(mark: GcMark) {
    const r = await this.table.delete({
      Key: gcMarkKey(this.registryId, mark.kind, mark.id),
      ConditionExpression: MARK_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: { ':at': mark.markedAt },
    });
    return r.ok;
  }

  async links(uid: string, limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(contentsPk(uid), LAYER_PREFIX, { limit, cursor });
    const items: LinkState[] = page.items.map((i) => ({ digest: i.digest, size: i.size, ...(i.touchedAt !== undefined ? { touchedAt: i.touchedAt } : {}) }));
    return { items, cursor: page.lastKey };
  }

  async dropLink(uid: string, digest: string, touchedAt: number | undefined) {
    const r = await this.table.delete({
      Key: layerKey(uid, digest),
      ConditionExpression: LINK_UNTOUCHED_SINCE_READ(touchedAt),
      ...(touchedAt === undefined ? {} : { ExpressionAttributeValues: { ':t': touchedAt } }),
    });
    return r.ok;
  }

  async uploads(uid: string, limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(contentsPk(uid), UPLOAD_PREFIX, { limit, cursor });
    return { items: page.items.map((i) => ({ ...toUpload(i), expiresAt: i.expiresAt * 1000 })), cursor: page.lastKey };
  }

  async dropUpload(uid: string, uploadId: string, now: number) {
    const r = await this.table.delete({
      Key: uploadKey(uid, uploadId),
      ConditionExpression: UPLOAD_STILL_EXPIRED,
      ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
    });
    return r.ok;
  }

  async chunks(uid: string, limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(contentsPk(uid), LIFECYCLE_CHUNK_PREFIX, { limit, cursor, attributes: ['pk', 'sk'] });
    return { items: page.items.map((i) => toChunk(i.sk)), cursor: page.lastKey };
  }

  async dropChunks(uid: string, chunks: ChunkRef[]) {
    await this.table.batchDelete(chunks.map((c) => lifecycleChunkKey(uid, c.kind, c.runId, c.index)));
  }

  async dropScan(uid: string, digest: string, scanId: string) {
    const r = await this.table.delete({
      Key: scanKey(uid, digest),
      ConditionExpression: SCAN_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: { ':s': scanId },
    });
    return r.ok;
  }

  async blobs(shard: string, limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryIndex(blobShardPk(shard), { limit, cursor });
    return { items: page.items.map(toBlobState), cursor: page.lastKey };
  }

  async blobStates(digests: string[]) {
    const items = await this.table.batchGet([...new Set(digests)].map(blobKey));
    return new Map(items.map((i) => [i.digest as string, toBlobState(i)]));
  }

  async adopt(digest: string, uid: string) {
    await this.table.update({
      Key: blobKey(digest),
      UpdateExpression: 'ADD linkedBy :uid SET gsi1pk = :gpk, gsi1sk = :gsk',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':uid': new Set([uid]), ':gpk': blobIndex(digest).gsi1pk, ':gsk': digest },
      ReturnValues: 'NONE',
    });
  }

  async unreference(digest: string, uid: string, options: { ifTouchedAt?: number; touchAt?: number } = {}) {
    const { ifTouchedAt, touchAt } = options;
    const r = await this.table.update({
      Key: blobKey(digest),
      UpdateExpression: touchAt === undefined ? 'DELETE linkedBy :uid' : 'DELETE linkedBy :uid SET touchedAt = :now',
      ConditionExpression: ifTouchedAt === undefined ? 'attribute_exists(pk)' : 'touchedAt = :t',
      ExpressionAttributeValues: {
        ':uid': new Set([uid]),
        ...(ifTouchedAt === undefined ? {} : { ':t': ifTouchedAt }),
        ...(touchAt === undefined ? {} : { ':now': touchAt }),
      },
      ReturnValues: 'NONE',
    });
    return r.ok;
  }

  async claimBlob(blob: BlobState, token: string) {
    const r = await this.table.update({
      Key: blobKey(blob.digest),
      UpdateExpression: 'SET collecting = :token',
      ConditionExpression: BLOB_UNREFERENCED_AND_UNTOUCHED(blob),
      ExpressionAttributeValues: {
        ':token': token,
        ...(blob.touchedAt === undefined ? {} : { ':t': blob.touchedAt }),
        ...(blob.collecting === undefined ? {} : { ':old': blob.collecting }),
      },
      ReturnValues: 'NONE',
    });
    return r.ok;
  }

  async forgetBlob(digest: string, token: string) {
    const r = await this.table.delete({ Key: blobKey(digest), ConditionExpression: BLOB_CLAIMED_BY_US, ExpressionAttributeValues: { ':token': token } });
    return r.ok;
  }

  async state(): Promise<GcState> {
    const item = await this.table.get(gcStateKey(this.registryId));
    const { lastSweepAt, adoptedAt, sweepClaimedAt, marksClaimedAt } = item ?? {};
    return { version: item?.version ?? 0, ...copyDefined({ lastSweepAt, adoptedAt, sweepClaimedAt, marksClaimedAt }) };
  }

  async saveState(state: GcState) {
    const r = await this.table.put({
      Item: { ...gcStateKey(this.registryId), type: 'gcstate', ...state, version: state.version + 1 },
      ConditionExpression: GC_STATE_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: { ':v': state.version },
    });
    return r.ok;
  }
}
