/** GcStore in memory: the DynamoDB adapter's items and conditions (shared/store/dynamo/gc.ts) over the shared table. */
import type { BlobState, ChunkRef, GcMark, GcState, GcStore } from '../gc.ts';
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
import type { Item, MemoryTable } from './table.ts';

/** Invariant: nothing marked the same thing again since the mark was read. */
const MARK_UNCHANGED_SINCE_READ = (old: Item | undefined, mark: GcMark) => old !== undefined && old.markedAt === mark.markedAt;
/** Invariant: no upload, mount or PutImage touched the link since it was read. */
const LINK_UNTOUCHED_SINCE_READ = (old: Item | undefined, touchedAt: number | undefined) => old !== undefined && old.touchedAt === touchedAt;
/** Invariant: the upload is still expired (a part sent meanwhile would have moved its expiry on). */
const UPLOAD_STILL_EXPIRED = (old: Item | undefined, now: number) => old !== undefined && old.expiresAt <= Math.floor(now / 1000);
/** Invariant: no repository references the blob, nothing touched it since it was read, and no live run claimed it. */
const BLOB_UNREFERENCED_AND_UNTOUCHED = (old: Item | undefined, b: BlobState) =>
  old !== undefined && (old.linkedBy ?? []).length === 0 && old.touchedAt === b.touchedAt && old.collecting === b.collecting;
/** Invariant: the record is still the one this collection claimed (not replaced by a new upload of the digest). */
const BLOB_CLAIMED_BY_US = (old: Item | undefined, token: string) => old !== undefined && old.collecting === token;

const toBlobState = (i: Item): BlobState => ({
  digest: i.digest,
  size: i.size,
  object: i.object,
  createdAt: i.createdAt,
  ...(i.touchedAt !== undefined ? { touchedAt: i.touchedAt } : {}),
  linkedBy: i.linkedBy ?? [],
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

export class MemoryGcStore implements GcStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  async mark(marks: GcMark[]) {
    for (const m of marks) this.table.put({ ...gcMarkKey(this.registryId, m.kind, m.id), type: 'gcmark', ...m });
  }

  async marks(limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(gcMarksPk(this.registryId), '', { limit, cursor });
    return { items: page.items.map(toMark), cursor: page.cursor };
  }

  async clearMark(mark: GcMark) {
    const key = gcMarkKey(this.registryId, mark.kind, mark.id);
    if (!MARK_UNCHANGED_SINCE_READ(this.table.get(key), mark)) return false;
    this.table.delete(key);
    return true;
  }

  async links(uid: string, limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(contentsPk(uid), LAYER_PREFIX, { limit, cursor });
    return {
      items: page.items.map((i) => ({ digest: i.digest, size: i.size, ...(i.touchedAt !== undefined ? { touchedAt: i.touchedAt } : {}) })),
      cursor: page.cursor,
    };
  }

  async dropLink(uid: string, digest: string, touchedAt: number | undefined) {
    const key = layerKey(uid, digest);
    if (!LINK_UNTOUCHED_SINCE_READ(this.table.get(key), touchedAt)) return false;
    this.table.delete(key);
    return true;
  }

  async uploads(uid: string, limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(contentsPk(uid), UPLOAD_PREFIX, { limit, cursor });
    return { items: page.items.map((i) => ({ ...toUpload(i), expiresAt: i.expiresAt * 1000 })), cursor: page.cursor };
  }

  async dropUpload(uid: string, uploadId: string, now: number) {
    const key = uploadKey(uid, uploadId);
    if (!UPLOAD_STILL_EXPIRED(this.table.get(key), now)) return false;
    this.table.delete(key);
    return true;
  }

  async chunks(uid: string, limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(contentsPk(uid), LIFECYCLE_CHUNK_PREFIX, { limit, cursor });
    return { items: page.items.map((i) => toChunk(i.sk)), cursor: page.cursor };
  }

  async dropChunks(uid: string, chunks: ChunkRef[]) {
    for (const c of chunks) this.table.delete(lifecycleChunkKey(uid, c.kind, c.runId, c.index));
  }

  async dropScan(uid: string, digest: string, scanId: string) {
    if (this.table.get(scanKey(uid, digest))?.scanId !== scanId) return false; // SCAN_UNCHANGED_SINCE_READ
    this.table.delete(scanKey(uid, digest));
    return true;
  }

  async blobs(shard: string, limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryIndex(blobShardPk(shard), { limit, cursor });
    return { items: page.items.map(toBlobState), cursor: page.cursor };
  }

  async blobStates(digests: string[]) {
    const found = new Map<string, BlobState>();
    for (const digest of new Set(digests)) {
      const item = this.table.get(blobKey(digest));
      if (item) found.set(digest, toBlobState(item));
    }
    return found;
  }

  async adopt(digest: string, uid: string) {
    const old = this.table.get(blobKey(digest));
    if (!old) return;
    const linkedBy: string[] = old.linkedBy ?? [];
    this.table.put({ ...old, ...blobIndex(digest), linkedBy: linkedBy.includes(uid) ? linkedBy : [...linkedBy, uid] });
  }

  async unreference(digest: string, uid: string, options: { ifTouchedAt?: number; touchAt?: number } = {}) {
    const old = this.table.get(blobKey(digest));
    if (!old || (options.ifTouchedAt !== undefined && old.touchedAt !== options.ifTouchedAt)) return false;
    const touched = options.touchAt === undefined ? {} : { touchedAt: options.touchAt };
    this.table.put({ ...old, ...touched, linkedBy: (old.linkedBy ?? []).filter((u: string) => u !== uid) });
    return true;
  }

  async claimBlob(blob: BlobState, token: string) {
    const old = this.table.get(blobKey(blob.digest));
    if (!BLOB_UNREFERENCED_AND_UNTOUCHED(old, blob)) return false;
    this.table.put({ ...old!, collecting: token });
    return true;
  }

  async forgetBlob(digest: string, token: string) {
    if (!BLOB_CLAIMED_BY_US(this.table.get(blobKey(digest)), token)) return false;
    this.table.delete(blobKey(digest));
    return true;
  }

  async state(): Promise<GcState> {
    const item = this.table.get(gcStateKey(this.registryId));
    const { lastSweepAt, adoptedAt, sweepClaimedAt, marksClaimedAt } = item ?? {};
    return { version: item?.version ?? 0, ...copyDefined({ lastSweepAt, adoptedAt, sweepClaimedAt, marksClaimedAt }) };
  }

  async saveState(state: GcState) {
    const key = gcStateKey(this.registryId);
    if ((this.table.get(key)?.version ?? 0) !== state.version) return false;
    this.table.put({ ...key, type: 'gcstate', ...state, version: state.version + 1 });
    return true;
  }
}
