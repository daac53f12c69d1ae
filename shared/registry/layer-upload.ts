/**
 * The mechanics of a layer upload, shared by the ECR layer operations and the streamed blob uploads (blob-stream.ts):
 * an S3 multipart upload on uploads/<id>/data, progress in an UploadRecord, the sha256 of what was stored.
 *
 * Coalescing: clients send parts of any size (ECR's up to 20 MiB), S3 wants non-final parts of at least
 * 5 MiB. Small parts wait as pending objects; once pending + the new part reach 5 MiB they go to S3 as one
 * part. The last part number is kept for the final flush of whatever is pending at completion.
 *
 * Concurrency: S3 is written first and the record last, with a conditional write at the byte the request
 * started from, so a request that dies halfway is simply retried. Racing requests for the same bytes
 * compute the same writes from the same record, so an identical repeat changes nothing, and only one of
 * them is recorded. The hash covers exactly the bytes sent to S3 parts: pending bytes are hashed when
 * they are read back to be coalesced or flushed, so the digest always describes the stored bytes, even if
 * a racing request with other bytes overwrote a pending object. (A racing overwrite of an S3 part makes
 * S3's CompleteMultipartUpload refuse the recorded ETag; the embedded S3 server does not check ETags.)
 *
 * Hashing (docs/ARCHITECTURE.md "Layer uploads"): the process that holds an upload keeps a node:crypto sha256 of
 * its S3 parts in memory (./live-hash.ts), advanced only by the request whose conditional write recorded those
 * parts. The record saves no hash state; when the live hash is missing or out of step with the record (a part
 * landed on another instance, the process restarted), completion reads the stored object back and hashes it.
 * Records written by earlier versions carry a resumable hash-wasm state, which is continued to the end.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createSHA256, type IHasher } from 'hash-wasm';
import type { Deps } from '../deps.ts';
import { MAX_PARTS, MIN_PART_BYTES } from '../store/blobs.ts';
import { pendingPartObject, uploadObject } from '../store/keys.ts';
import type { BlobRecord, UploadRecord } from '../store/types.ts';
import { forgetLiveHash, keepLiveHash, liveHashAt } from './live-hash.ts';

/** The only digest form ECR accepts for layers. */
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The pending objects no longer hold the bytes the record counts: racing requests sent different bytes. */
export class UploadDamagedError extends Error {
  override readonly name = 'UploadDamagedError';
}

/** What to do with a part: keep it pending, send it (with what is pending) as S3 part `partNumber`, or refuse. */
export type PartPlan = { kind: 'pend' } | { kind: 'send'; partNumber: number } | { kind: 'tooManyParts' };

/** Pure coalescing arithmetic: the plan for a part of `partBytes` given the upload's S3 parts and pending bytes. */
export function planPart(sentParts: number, pendingBytes: number, partBytes: number): PartPlan {
  if (pendingBytes + partBytes < MIN_PART_BYTES) return { kind: 'pend' };
  // Part MAX_PARTS is reserved for the final flush at completion.
  if (sentParts + 1 >= MAX_PARTS) return { kind: 'tooManyParts' };
  return { kind: 'send', partNumber: sentParts + 1 };
}

/** Starts an upload: an S3 multipart upload and its record, resumable for config.uploadTtlSeconds. */
export async function startUpload(deps: Deps, uid: string): Promise<UploadRecord> {
  const uploadId = randomUUID();
  const now = deps.now().getTime();
  // The S3 multipart upload starts with the first part sent: a small layer never needs one.
  const upload: UploadRecord = {
    uploadId,
    nextByte: 0,
    multipartId: NO_MULTIPART,
    parts: [],
    pending: [],
    pendingBytes: 0,
    hashState: UNTRACKED,
    createdAt: now,
    expiresAt: now + deps.config.uploadTtlSeconds * 1000,
  };
  await deps.layers.createUpload(uid, upload);
  return upload;
}

/**
 * Appends `bytes` at upload.nextByte as `plan` says. Returns the saved record, or undefined when another
 * request moved the upload on first (nothing this call wrote is then referenced). Keeps the upload alive
 * for another config.uploadTtlSeconds.
 */
export async function appendPart(
  deps: Deps,
  uid: string,
  upload: UploadRecord,
  bytes: Buffer,
  plan: PartPlan,
  options: AppendOptions = {},
): Promise<UploadRecord | undefined> {
  if (plan.kind === 'tooManyParts') throw new Error('appendPart: the plan refuses this part');
  const { uploadId } = upload;
  const expiresAt = deps.now().getTime() + deps.config.uploadTtlSeconds * 1000;
  let next: UploadRecord;
  let live: Hash | undefined;
  if (plan.kind === 'pend') {
    await deps.blobs.put(pendingPartObject(uploadId, upload.nextByte), bytes);
    next = {
      ...upload,
      nextByte: upload.nextByte + bytes.length,
      pending: [...upload.pending, upload.nextByte],
      pendingBytes: upload.pendingBytes + bytes.length,
      expiresAt,
      ...(options.untracked ? { hashState: UNTRACKED } : {}),
    };
  } else {
    const pending = await readPending(deps, upload);
    const body = pending.length ? Buffer.concat([pending, bytes]) : bytes;
    let hashState = UNTRACKED;
    if (!options.untracked) {
      if (isHashTracked(upload)) hashState = await hashOnward(upload.hashState, body);
      else live = liveHashAt(uploadId, hashedBytes(upload))?.update(body);
    }
    const multipartId = upload.multipartId || (await deps.blobs.startMultipart(uploadObject(uploadId)));
    const etag = await deps.blobs.uploadPart(uploadObject(uploadId), multipartId, plan.partNumber, body, false);
    next = {
      ...upload,
      multipartId,
      nextByte: upload.nextByte + bytes.length,
      parts: [...upload.parts, { partNumber: plan.partNumber, etag }],
      pending: [],
      pendingBytes: 0,
      hashState,
      expiresAt,
    };
  }
  if (options.extra) next = { ...next, ...options.extra };
  if (!(await deps.layers.advanceUpload(uid, next, upload.nextByte))) return undefined;
  // Only the request whose write recorded the parts moves the live hash on, so it covers exactly the recorded parts.
  if (live) keepLiveHash(uploadId, live, hashedBytes(next));
  if (plan.kind === 'send') await deletePending(deps, upload);
  return next;
}

/** The bytes of an upload already in S3 parts: what its hash (live or saved) covers. */
const hashedBytes = (upload: UploadRecord) => upload.nextByte - upload.pendingBytes;

/**
 * `untracked`: skip the resumable hash (the caller hashes the stream itself, or verifies the stored object at
 * completion). Once untracked, an upload stays untracked.
 */
export type AppendOptions = { untracked?: boolean; extra?: Partial<UploadRecord> };

/** The multipartId of an upload that has sent no part to S3 yet. */
export const NO_MULTIPART = '';

/** The saved hash state of an upload that has none (its bytes are hashed live, or verified another way). */
export const UNTRACKED = '';
/** Whether the upload's record carries a resumable hash state (records written by earlier versions). */
export const isHashTracked = (upload: UploadRecord) => upload.hashState !== UNTRACKED;

/**
 * An upload's bytes not yet in an S3 part, and the digest of all its bytes when known without reading them back
 * (undefined: the live hash is not in step with the record and no state was saved: completion reads the object back).
 */
export type Sealed = { digest?: string; size: number; tail: Buffer };

/** Reads the pending bytes back and finishes the hash: the digest of exactly what completion will store, when known. */
export async function sealUpload(deps: Deps, upload: UploadRecord): Promise<Sealed> {
  const tail = await readPending(deps, upload);
  const size = upload.nextByte;
  if (isHashTracked(upload)) return { digest: await finishHash(upload.hashState, tail), size, tail };
  const live = upload.wholeObject ? undefined : liveHashAt(upload.uploadId, hashedBytes(upload));
  return { digest: live ? `sha256:${live.update(tail).digest('hex')}` : undefined, size, tail };
}

/** The digest of an object as stored, read back in one pass. */
export async function digestOfObject(deps: Deps, key: string, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of await deps.blobs.getStream(key)) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}

/**
 * Stores a sealed upload as the blob of its digest and returns that blob's record. Blobs are stored once:
 * when the digest is stored already (before or during this call) the existing object is kept and the new
 * one dropped.
 */
export async function storeUpload(deps: Deps, upload: UploadRecord, sealed: Sealed & { digest: string }, uid: string): Promise<BlobRecord> {
  const object = uploadObject(upload.uploadId);
  const stored = await deps.layers.getBlob(sealed.digest);
  // The stored blob serves only if it can still be referenced (garbage collection may have claimed it since).
  if (stored && (await deps.layers.referenceBlob(sealed.digest, uid, deps.now().getTime()))) {
    if (upload.multipartId) await deps.blobs.abortMultipart(object, upload.multipartId);
    return stored;
  }
  await finishObject(deps, upload, sealed.tail);
  return recordBlob(deps, upload, sealed.digest, sealed.size, uid);
}

/** Completes the upload's S3 object with `tail` (its pending bytes) as the final part; returns the object key. */
export async function finishObject(deps: Deps, upload: UploadRecord, tail: Buffer): Promise<string> {
  const object = uploadObject(upload.uploadId);
  if (upload.parts.length === 0) {
    // Everything is in the tail: one plain object, no multipart upload.
    await deps.blobs.put(object, tail);
    return object;
  }
  let parts = upload.parts;
  if (tail.length > 0 || parts.length === 0) {
    // The final part: S3 allows it under 5 MiB, so a small layer is a single small part.
    const partNumber = parts.length + 1;
    parts = [...parts, { partNumber, etag: await deps.blobs.uploadPart(object, upload.multipartId, partNumber, tail, true) }];
  }
  await deps.blobs.completeMultipart(object, upload.multipartId, parts);
  return object;
}

/**
 * Records the completed object of an upload as the blob of `digest`, referenced by repository `uid`, keeping an existing
 * blob of that digest instead, unless garbage collection claimed that one (then this object replaces it).
 */
export async function recordBlob(deps: Deps, upload: UploadRecord, digest: string, size: number, uid: string): Promise<BlobRecord> {
  const object = upload.wholeObject ?? uploadObject(upload.uploadId);
  return recordStored(deps, { digest, size, object, createdAt: deps.now().getTime() }, uid);
}

/**
 * Records a blob whose verified bytes are stored at `blob.object`, referenced by repository `uid`, and links it there
 * touched (invariant G, docs/ARCHITECTURE.md "Garbage collection"): the record is created, or the stored one is
 * referenced and this copy dropped. For bytes that came some other way than an upload (a pull through cache import,
 * a signature). Returns what is recorded.
 */
export async function linkStoredBlob(deps: Deps, uid: string, blob: BlobRecord, mediaType?: string): Promise<BlobRecord> {
  const recorded = await recordStored(deps, blob, uid);
  await linkTouched(deps, uid, recorded.digest, recorded.size, mediaType);
  return recorded;
}

/**
 * Links into repository `uid` a blob the registry already stores, referenced first as a mount is; undefined when there
 * is none or it is being garbage collected (the caller stores the bytes again).
 */
export async function linkExistingBlob(deps: Deps, uid: string, digest: string, mediaType?: string): Promise<BlobRecord | undefined> {
  const blob = await deps.layers.getBlob(digest);
  if (!blob || !(await deps.layers.referenceBlob(digest, uid, deps.now().getTime()))) return undefined;
  await linkTouched(deps, uid, digest, blob.size, mediaType);
  return blob;
}

async function recordStored(deps: Deps, blob: BlobRecord, uid: string): Promise<BlobRecord> {
  const { digest, object } = blob;
  for (let attempt = 0; attempt < 5; attempt++) {
    const put = await deps.layers.putBlob(blob, uid);
    if (put.created) return blob;
    if (await deps.layers.referenceBlob(digest, uid, deps.now().getTime())) {
      const existing = put.existing ?? (await deps.layers.getBlob(digest));
      // Another upload stored the same bytes meanwhile. (A repeated completion of this same upload finds its own object.)
      if (existing && existing.object !== object) await deps.blobs.delete([object]).catch(() => undefined);
      return existing ?? blob;
    }
  }
  // Only a blob recorded and collected again between each of five reads and writes gets here.
  throw new Error(`blob ${digest} kept being recorded and collected under ${5} attempts`);
}

/**
 * Links a referenced blob into the repository with a fresh touch: a new link, or the existing one touched (one that
 * garbage collection dropped meanwhile is linked again). True when the link is new.
 */
export async function linkTouched(deps: Deps, uid: string, digest: string, size: number, mediaType?: string): Promise<boolean> {
  const at = deps.now().getTime();
  const link = { digest, size, touchedAt: at, ...(mediaType ? { mediaType } : {}) };
  if (await deps.layers.link(uid, link)) return true;
  if ((await deps.layers.touchLinks(uid, [digest], at)).has(digest)) return false;
  return deps.layers.link(uid, link);
}

/** Forgets a finished upload: its record and pending objects (best effort for the objects). */
export async function endUpload(deps: Deps, uid: string, upload: UploadRecord): Promise<void> {
  forgetLiveHash(upload.uploadId);
  await deps.layers.deleteUpload(uid, upload.uploadId);
  await deletePending(deps, upload);
}

/** Abandons an upload: its record, its S3 multipart upload and pending objects. */
export async function discardUpload(deps: Deps, uid: string, upload: UploadRecord): Promise<void> {
  forgetLiveHash(upload.uploadId);
  await deps.layers.deleteUpload(uid, upload.uploadId);
  if (upload.multipartId) await deps.blobs.abortMultipart(uploadObject(upload.uploadId), upload.multipartId);
  await deletePending(deps, upload);
}

/** The pending bytes in order (read back from S3); UploadDamagedError when they do not add up to what the record says. */
export async function readPending(deps: Deps, upload: UploadRecord): Promise<Buffer> {
  if (upload.pending.length === 0) return Buffer.alloc(0);
  const pieces = await Promise.all(upload.pending.map((first) => deps.blobs.getBytes(pendingPartObject(upload.uploadId, first))));
  // Each pending object must run exactly up to the next one (and the last up to nextByte).
  const ends = [...upload.pending.slice(1), upload.nextByte];
  if (pieces.some((p, i) => p.length !== ends[i] - upload.pending[i]))
    throw new UploadDamagedError(`upload ${upload.uploadId}: pending parts do not match their byte ranges`);
  return Buffer.concat(pieces);
}

async function deletePending(deps: Deps, upload: UploadRecord) {
  if (upload.pending.length === 0) return;
  await deps.blobs.delete(upload.pending.map((first) => pendingPartObject(upload.uploadId, first))).catch(() => undefined);
}

// The resumable sha256 of records written by earlier versions (hash-wasm's save/load). Each use below runs
// load → update → save without awaiting in between, so one hasher serves concurrent requests.
let hasher: IHasher | undefined;
const sha256 = async () => (hasher ??= await createSHA256());

async function hashOnward(state: string, bytes: Buffer): Promise<string> {
  const h = await sha256();
  h.load(Buffer.from(state, 'base64'));
  h.update(bytes);
  return Buffer.from(h.save()).toString('base64');
}

async function finishHash(state: string, bytes: Buffer): Promise<string> {
  const h = await sha256();
  h.load(Buffer.from(state, 'base64'));
  h.update(bytes);
  return `sha256:${h.digest('hex')}`;
}
