/**
 * The garbage collector's view of the table (shared/gc/): marks of what deletions may have freed, each repository's
 * links and uploads, blob records with their referrers, and the collector's own state. Every removal is one
 * conditional write on what the collector read, so a concurrent push, mount or upload makes it back off
 * (the protocol and its race arguments: docs/ARCHITECTURE.md, "Garbage collection").
 */
import type { BlobRecord, Page, UploadRecord } from './types.ts';

/**
 * Something a deletion may have freed, since `markedAt`: REPO a repository whose images were deleted (its links may
 * be unreferenced now), PART a deleted repository's contents partition, BLOB a blob that lost a referrer, MANIFEST a
 * deleted image's manifest object.
 */
export type GcMark = { kind: GcMarkKind; id: string; name?: string; markedAt: number };
/** MANIFEST: a deleted image's manifest object (`id` the object key, `name` `<uid>#<digest>` of the image item that named it). */
export type GcMarkKind = 'REPO' | 'PART' | 'BLOB' | 'MANIFEST';

/** A blob record as the collector sees it: who references it, when it was last touched, whether a collection claimed it. */
export type BlobState = BlobRecord & {
  /** Unset on records written before garbage collection existed (adopted by the first sweep). */
  touchedAt?: number;
  linkedBy: string[];
  collecting?: string;
};

/** A lifecycle chunk: the preview or apply run it belongs to, and its index. */
export type ChunkRef = { kind: string; runId: string; index: number };

export type LinkState = { digest: string; size: number; touchedAt?: number };

/** The collector's own record: when the last sweep ran, and whether legacy blobs have been adopted. */
export type GcState = {
  lastSweepAt?: number;
  adoptedAt?: number;
  /** When a sweep was started (cleared by its end): no second sweep starts while this is recent. */
  sweepClaimedAt?: number;
  /** When a marks run was last started. */
  marksClaimedAt?: number;
  version: number;
};

export interface GcStore {
  /** Writes marks (a newer mark of the same thing replaces the older: the grace counts from the last). */
  mark(marks: GcMark[]): Promise<void>;
  /** The marks, a page at a time. */
  marks(limit: number, cursor?: Record<string, any>): Promise<Page<GcMark>>;
  /** Removes a mark if nothing marked it again since it was read (MARK_UNCHANGED_SINCE_READ). */
  clearMark(mark: GcMark): Promise<boolean>;
  /** A repository's links with their touch times, a page at a time. */
  links(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<LinkState>>;
  /** Removes a link if nothing touched it since it was read (LINK_UNTOUCHED_SINCE_READ). */
  dropLink(uid: string, digest: string, touchedAt: number | undefined): Promise<boolean>;
  /** A repository's upload records, expired ones included, a page at a time. */
  uploads(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<UploadRecord>>;
  /** Removes an upload record if it is still expired at `now` (UPLOAD_STILL_EXPIRED). */
  dropUpload(uid: string, uploadId: string, now: number): Promise<boolean>;
  /** A repository's lifecycle chunks (preview results, planned batches), by kind and run, a page at a time. */
  chunks(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ChunkRef>>;
  /** Removes lifecycle chunks. */
  dropChunks(uid: string, chunks: ChunkRef[]): Promise<void>;
  /** Removes an image's scan record if it is still scan `scanId` (SCAN_UNCHANGED_SINCE_READ). */
  dropScan(uid: string, digest: string, scanId: string): Promise<boolean>;
  /** The blob records of one shard (a hex digit), a page at a time. */
  blobs(shard: string, limit: number, cursor?: Record<string, any>): Promise<Page<BlobState>>;
  /** The blob records of these digests (one batch read). */
  blobStates(digests: string[]): Promise<Map<string, BlobState>>;
  /** Records that repository `uid` references a blob written before garbage collection (and lists it in its shard). */
  adopt(digest: string, uid: string): Promise<void>;
  /**
   * Removes repository `uid` from a blob's referrers: with `ifTouchedAt`, only if the blob was not touched since (a
   * stale referrer); with `touchAt`, touching it then (the grace period counts from the loss of a reference).
   */
  unreference(digest: string, uid: string, options?: { ifTouchedAt?: number; touchAt?: number }): Promise<boolean>;
  /** Claims an unreferenced blob for collection if it is as read (BLOB_UNREFERENCED_AND_UNTOUCHED, or claimed before by a dead run). */
  claimBlob(blob: BlobState, token: string): Promise<boolean>;
  /** Removes the record of a blob this collection claimed (BLOB_CLAIMED_BY_US). */
  forgetBlob(digest: string, token: string): Promise<boolean>;
  /** The collector's state. */
  state(): Promise<GcState>;
  /** Saves the state if its version is still `state.version` (GC_STATE_UNCHANGED_SINCE_READ). */
  saveState(state: GcState): Promise<boolean>;
}
