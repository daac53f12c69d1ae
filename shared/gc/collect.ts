/**
 * The collection steps, each one conditional write on what was read (docs/ARCHITECTURE.md, "Garbage collection"):
 * a repository's links no image needs and nothing touched for the grace period, its expired uploads, and blobs
 * no repository references.
 */
import type { Deps } from '../deps.ts';
import { manifestText } from '../registry/images.ts';
import type { BlobState } from '../store/gc.ts';
import { layerIndexObject, pendingPartObject, uploadObject } from '../store/keys.ts';
import { markBlobs } from './marks.ts';
import { mapLimit } from '../util/map-limit.ts';

/** What a run looked at and freed. */
export type GcCounts = {
  /** Marks, links, uploads and blobs examined. */
  looked: number;
  links: number;
  uploads: number;
  /** Lifecycle chunks of runs and previews that are over (left by a run that died). */
  chunks: number;
  /** Scan records (and their findings objects) of images that are gone. */
  scans: number;
  blobs: number;
  /** Objects deleted from the blob store and their bytes (blobs only: parts of uploads are counted as uploads). */
  freedObjects: number;
  freedBytes: number;
  /** Things left for a later run: still within the grace period, or a pass that ran out of time. */
  deferred: number;
};

export const noCounts = (): GcCounts => ({ looked: 0, links: 0, uploads: 0, chunks: 0, scans: 0, blobs: 0, freedObjects: 0, freedBytes: 0, deferred: 0 });

/** The layer indexer's versions a scan index of a layer may exist for (shared/scan/index/layer-indexer.ts INDEXER_VERSION, 2 now, and later ones). */
const LAYER_INDEX_VERSIONS = [1, 2, 3, 4];

const DIGEST = /\b(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})\b/g;

/** The grace period in milliseconds. */
export const graceMs = (deps: Deps) => deps.config.gcGraceSeconds * 1000;

/**
 * Every digest the repository's images name (configs, layers, children, subjects), read a page of images at a time.
 * Over-approximates (any digest in a manifest counts), which only ever keeps more.
 */
export async function referencedDigests(deps: Deps, uid: string): Promise<Set<string>> {
  const referenced = new Set<string>();
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.images.list(uid, 200, cursor);
    for (const image of page.items) {
      referenced.add(image.digest);
      for (const d of (await manifestText(deps, image)).match(DIGEST) ?? []) referenced.add(d);
    }
    cursor = page.cursor;
  } while (cursor);
  return referenced;
}

/**
 * Drops the links of a live repository that no image of it references and that nothing touched for the grace period,
 * then collects the blobs that lost their last referrer. Gives up ('deferred') once half the grace period has passed
 * since it read the images, so a link touched by a PutImage that read it before can never be dropped after
 * (the argument in docs/ARCHITECTURE.md). `adopt`: also record the links of blobs written before GC existed.
 */
export async function collectLinks(deps: Deps, uid: string, counts: GcCounts, token: string, adopt = false): Promise<'done' | 'deferred'> {
  const started = deps.now().getTime();
  const grace = graceMs(deps);
  const referenced = await referencedDigests(deps, uid);
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.gc.links(uid, 500, cursor);
    counts.looked += page.items.length;
    if (adopt && page.items.length)
      await adoptLinks(
        deps,
        uid,
        page.items.map((l) => l.digest),
      );
    const now = deps.now().getTime();
    const garbage = page.items.filter((l) => !referenced.has(l.digest) && (l.touchedAt ?? 0) <= now - grace);
    counts.deferred += page.items.filter((l) => !referenced.has(l.digest) && (l.touchedAt ?? 0) > now - grace).length;
    // The blobs are marked first: a run killed after a link went still leaves the blob for the next one.
    await markBlobs(
      deps,
      garbage.map((l) => l.digest),
    );
    const freed: string[] = [];
    for (const [i, link] of garbage.entries()) {
      // The bound of the argument: no link is dropped more than half a grace period after the images were read.
      if (deps.now().getTime() - started > grace / 2) {
        counts.deferred += garbage.length - i;
        for (const digest of freed) await collectBlob(deps, digest, counts, token);
        return 'deferred';
      }
      if (!(await deps.gc.dropLink(uid, link.digest, link.touchedAt))) continue;
      await deps.gc.unreference(link.digest, uid);
      counts.links++;
      freed.push(link.digest);
    }
    for (const digest of freed) await collectBlob(deps, digest, counts, token);
    cursor = page.cursor;
  } while (cursor);
  return 'done';
}

/** Records the repository as a referrer of the blobs it links whose records do not say so (written before GC existed). */
async function adoptLinks(deps: Deps, uid: string, digests: string[]): Promise<void> {
  const states = await deps.gc.blobStates(digests);
  for (const digest of digests) {
    const state = states.get(digest);
    if (state && !state.collecting && !state.linkedBy.includes(uid)) await deps.gc.adopt(digest, uid);
  }
}

/**
 * Frees the uploads of a repository past their expiry: the record first (only if still expired), then the multipart
 * upload (aborted: S3 drops its parts; the filesystem store removes its parts directory) and the pending objects.
 * An upload's whole object is deleted only when no blob record names it (a completion killed halfway may have recorded it).
 */
export async function collectUploads(deps: Deps, uid: string, counts: GcCounts, expiredBy?: number): Promise<void> {
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.gc.uploads(uid, 200, cursor);
    const now = expiredBy ?? deps.now().getTime();
    counts.looked += page.items.length;
    for (const upload of page.items) {
      if (upload.expiresAt > now || !(await deps.gc.dropUpload(uid, upload.uploadId, now))) continue;
      counts.uploads++;
      if (upload.multipartId) await deps.blobs.abortMultipart(uploadObject(upload.uploadId), upload.multipartId).catch(() => undefined);
      const objects = upload.pending.map((first) => pendingPartObject(upload.uploadId, first));
      if (upload.wholeObject && upload.streamDigest) {
        const blob = (await deps.gc.blobStates([upload.streamDigest.digest])).get(upload.streamDigest.digest);
        if (blob?.object !== upload.wholeObject) objects.push(upload.wholeObject);
      }
      if (objects.length) await deps.blobs.delete(objects);
    }
    cursor = page.cursor;
  } while (cursor);
}

/**
 * Drops the lifecycle chunks of runs and previews that are over: a run's plan outlives it only when the run died, a
 * preview's results only when a newer preview replaced it before deleting them. The chunks are listed first and the
 * current run and preview read after: a run or preview writes its record before its first chunk, so no chunk of a
 * current one is taken for a finished one's.
 */
export async function collectChunks(deps: Deps, uid: string, counts: GcCounts): Promise<void> {
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.gc.chunks(uid, 500, cursor);
    counts.looked += page.items.length;
    if (page.items.length) {
      const [policy, preview] = await Promise.all([deps.lifecycle.getPolicy(uid), deps.lifecycle.getPreview(uid)]);
      const current = new Set([policy?.run?.id, preview?.runId].filter((id): id is string => id !== undefined));
      const over = page.items.filter((c) => !current.has(c.runId));
      if (over.length) await deps.gc.dropChunks(uid, over);
      counts.chunks += over.length;
    }
    cursor = page.cursor;
  } while (cursor);
}

/**
 * Drops the scan records of images that are gone (deleted more than the grace period ago as far as the record shows:
 * its scan ended or started before that), then their findings objects. The record goes first, conditional on its scan
 * (a re-pushed image's new scan replaces it), so no record ever names deleted findings. Inventories are keyed by image
 * digest and may serve the same image in another repository: they stay.
 */
export async function collectScans(deps: Deps, uid: string, counts: GcCounts): Promise<void> {
  const before = deps.now().getTime() - graceMs(deps);
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.scans.list(uid, 200, cursor);
    counts.looked += page.items.length;
    for (const scan of page.items) {
      if ((scan.completedAt ?? scan.startedAt) > before || (await deps.images.get(uid, scan.digest))) continue;
      if (!(await deps.gc.dropScan(uid, scan.digest, scan.scanId))) continue;
      counts.scans++;
      if (scan.findingsObject) {
        await deps.blobs.delete([scan.findingsObject]);
        counts.freedObjects++;
      }
    }
    cursor = page.cursor;
  } while (cursor);
}

/** What became of a blob: freed, kept (referenced, touched, or claimed by a newer record), or not there. */
export type BlobOutcome = 'freed' | 'kept' | 'young' | 'gone';

/**
 * Collects one blob if no repository references it and nothing touched it for the grace period: claims the record
 * (BLOB_UNREFERENCED_AND_UNTOUCHED), deletes the object, then removes the record if it is still this claim's.
 * A referrer whose link is gone (a run killed between the two) is removed first, under the same grace.
 * With `claimed`, a claimed blob is added to it instead, for the caller to free with the rest of its page.
 */
export async function collectBlob(
  deps: Deps,
  digest: string,
  counts: GcCounts,
  token: string,
  read?: BlobState,
  linked?: (uid: string, digest: string) => boolean,
  claimed?: BlobState[],
): Promise<BlobOutcome> {
  let blob = read ?? (await deps.gc.blobStates([digest])).get(digest);
  counts.looked++;
  if (!blob) return 'gone';
  const now = deps.now().getTime();
  const grace = graceMs(deps);
  const untouched = (b: BlobState) => (b.touchedAt ?? b.createdAt) <= now - grace;
  if (!blob.collecting && !untouched(blob)) {
    counts.deferred++;
    return 'young';
  }
  if (blob.linkedBy.length && blob.touchedAt !== undefined) {
    // Stale referrers: a link that no longer exists (a run or a repository deletion killed between link and referrer).
    let dropped = false;
    for (const uid of blob.linkedBy) {
      const present = linked ? linked(uid, digest) : (await deps.layers.links(uid, [digest])).has(digest);
      if (!present) dropped = (await deps.gc.unreference(digest, uid, { ifTouchedAt: blob.touchedAt })) || dropped;
    }
    if (!dropped) return 'kept';
    blob = (await deps.gc.blobStates([digest])).get(digest);
    if (!blob) return 'gone';
  }
  if (blob.linkedBy.length) return 'kept';
  if (blob.touchedAt === undefined && (await deps.gc.state()).adoptedAt === undefined) {
    // Written before GC existed: its links are known only after a first sweep has adopted them.
    counts.deferred++;
    return 'young';
  }
  if (!(await deps.gc.claimBlob(blob, token))) return 'kept';
  if (claimed) {
    claimed.push(blob);
    return 'freed';
  }
  return (await freeClaimed(deps, [blob], counts, token)) ? 'freed' : 'kept';
}

/**
 * Frees claimed blobs: their objects (and the layers' scan indexes: no scan can read a claimed layer) in one
 * DeleteObjects per thousand keys, then each record if it is still this claim's. Returns how many were freed.
 */
async function freeClaimed(deps: Deps, blobs: BlobState[], counts: GcCounts, token: string): Promise<number> {
  if (!blobs.length) return 0;
  await deps.blobs.delete(blobs.flatMap((b) => [b.object, ...LAYER_INDEX_VERSIONS.map((v) => layerIndexObject(b.digest, v))]));
  let freed = 0;
  await mapLimit(blobs, BLOB_CONCURRENCY, async (b) => {
    if (!(await deps.gc.forgetBlob(b.digest, token))) return;
    freed++;
    counts.blobs++;
    counts.freedObjects++;
    counts.freedBytes += b.size;
  });
  return freed;
}

/** Blob collections at once within a page. */
const BLOB_CONCURRENCY = 8;

/**
 * Collects a page of blob records (the sweep's blob phase): the links their referrers claim are read in one batch per
 * repository first, then the blobs are collected a few at a time (each collection is its own conditional writes).
 */
export async function collectBlobs(deps: Deps, blobs: BlobState[], counts: GcCounts, token: string): Promise<void> {
  const now = deps.now().getTime();
  const byRepository = new Map<string, string[]>();
  for (const b of blobs) {
    if (b.touchedAt === undefined || b.touchedAt > now - graceMs(deps)) continue;
    for (const uid of b.linkedBy) byRepository.set(uid, [...(byRepository.get(uid) ?? []), b.digest]);
  }
  const present = new Set<string>();
  for (const [uid, digests] of byRepository) for (const d of (await deps.layers.links(uid, digests)).keys()) present.add(`${uid} ${d}`);
  const claimed: BlobState[] = [];
  await mapLimit(blobs, BLOB_CONCURRENCY, (b) => collectBlob(deps, b.digest, counts, token, b, (uid, d) => present.has(`${uid} ${d}`), claimed));
  await freeClaimed(deps, claimed, counts, token);
}
