/**
 * Streamed blob uploads (the OCI API's) on top of the layer-upload mechanics (./layer-upload.ts).
 *
 * A request body is cut into chunks of CHUNK_BYTES and appended as S3 parts as it arrives, so memory stays
 * flat whatever the blob size. Hashing: when one request streams the blob from byte 0 (what skopeo, docker
 * and containerd do), node:crypto hashes it on the way (fast, ~0.9 GB/s here) and the record keeps that
 * digest. Uploads spread over several requests (chunked clients, Lambda's payload limit) cannot carry a
 * node:crypto state between requests, so their completed object is hashed once by reading it back. Either
 * way no blob becomes visible before its digest is verified, and a mismatch leaves nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { BlobSizeMismatchException, InvalidLayerException, InvalidLayerPartException, LimitExceededException } from '../errors.ts';
import type { BlobRecord, UploadRecord } from '../store/types.ts';
import { uploadObject, wholeUploadObject } from '../store/keys.ts';
import {
  appendPart,
  digestOfObject,
  discardUpload,
  endUpload,
  finishObject,
  linkTouched,
  NO_MULTIPART,
  planPart,
  readPending,
  recordBlob,
} from './layer-upload.ts';

/** Bytes gathered before they go to S3 as one part (S3 wants at least 5 MiB for a non-final part). */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Appends a request body at the upload's current end; returns the saved record. `length` (the request's
 * Content-Length) lets a fresh upload that arrives in one request be stored as one object, skipping the
 * multipart upload and its completion copy.
 */
export async function appendStream(deps: Deps, uid: string, upload: UploadRecord, body: Readable, length?: number): Promise<UploadRecord> {
  if (length === 0) {
    body.resume();
    return upload;
  }
  if (upload.nextByte === 0 && length !== undefined) return storeWhole(deps, uid, upload, body, length);
  if (upload.wholeObject) {
    // Reopen only when bytes really arrive: a completing PUT usually has an empty body of unannounced length.
    const chunks = body[Symbol.asyncIterator]();
    let first = await chunks.next();
    while (!first.done && (first.value as Buffer).length === 0) first = await chunks.next();
    if (first.done) return upload;
    upload = await reopenWhole(deps, uid, upload);
    body = Readable.from(continueWith(first.value as Buffer, chunks));
  }
  return appendParts(deps, uid, upload, body);
}

/** `first`, then the rest of an iterator already started. */
async function* continueWith(first: Buffer, rest: AsyncIterator<unknown>) {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value as Buffer;
}

async function appendParts(deps: Deps, uid: string, upload: UploadRecord, body: Readable): Promise<UploadRecord> {
  const hash = upload.nextByte === 0 ? createHash('sha256') : undefined;
  let current = upload;
  let held: Buffer[] = [];
  let heldBytes = 0;
  const flush = async (last: boolean) => {
    const bytes = held.length === 1 ? held[0] : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    const plan = planPart(current.parts.length, current.pendingBytes, bytes.length);
    if (plan.kind === 'tooManyParts') throw new LimitExceededException('the blob needs more than 10,000 storage parts');
    const extra =
      last && hash ? { streamDigest: { upTo: current.nextByte + bytes.length, digest: `sha256:${hash.copy().digest('hex')}` } } : { streamDigest: undefined };
    const next = await appendPart(deps, uid, current, bytes, plan, { untracked: true, extra });
    if (!next) throw rangeInvalid(current, 'another request wrote to this upload at the same time');
    current = next;
  };
  for await (const piece of body) {
    const chunk = piece as Buffer;
    hash?.update(chunk);
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= CHUNK_BYTES) await flush(false);
  }
  if (heldBytes > 0) {
    await flush(true);
  } else if (hash && current.nextByte > 0) {
    // The body ended exactly on a chunk boundary: record the digest on its own.
    const next = { ...current, streamDigest: { upTo: current.nextByte, digest: `sha256:${hash.digest('hex')}` } };
    if (!(await deps.layers.advanceUpload(uid, next, current.nextByte))) throw rangeInvalid(current, 'another request wrote to this upload at the same time');
    current = next;
  }
  return current;
}

/** Stores all of a fresh upload as one object (under a key of its own, so a racing request cannot mix bytes in). */
async function storeWhole(deps: Deps, uid: string, upload: UploadRecord, body: Readable, length: number): Promise<UploadRecord> {
  const key = wholeUploadObject(upload.uploadId, randomUUID());
  const hash = createHash('sha256');
  let received = 0;
  const counted = new PassThrough();
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
  });
  body.on('error', (e) => counted.destroy(e));
  body.pipe(counted);
  try {
    await deps.blobs.put(key, counted, length);
  } catch (e) {
    await deps.blobs.delete([key]).catch(() => undefined);
    if (received !== length) throw new BlobSizeMismatchException(`Content-Length announced ${length} bytes but ${received} arrived`);
    throw e;
  }
  const next: UploadRecord = { ...upload, nextByte: length, wholeObject: key, streamDigest: { upTo: length, digest: `sha256:${hash.digest('hex')}` } };
  if (!(await deps.layers.advanceUpload(uid, next, 0))) {
    await deps.blobs.delete([key]).catch(() => undefined);
    throw rangeInvalid(upload, 'another request wrote to this upload at the same time');
  }
  if (upload.multipartId) await deps.blobs.abortMultipart(uploadObject(upload.uploadId), upload.multipartId);
  return next;
}

/** More bytes for an upload stored whole: it goes back to a multipart upload holding what it had so far. */
async function reopenWhole(deps: Deps, uid: string, upload: UploadRecord): Promise<UploadRecord> {
  const reset: UploadRecord = {
    ...upload,
    multipartId: NO_MULTIPART,
    parts: [],
    pending: [],
    pendingBytes: 0,
    nextByte: 0,
    wholeObject: undefined,
    streamDigest: undefined,
  };
  if (!(await deps.layers.advanceUpload(uid, reset, upload.nextByte))) throw rangeInvalid(upload, 'another request wrote to this upload at the same time');
  const reopened = await appendParts(deps, uid, reset, await deps.blobs.getStream(upload.wholeObject!));
  await deps.blobs.delete([upload.wholeObject!]).catch(() => undefined);
  return reopened;
}

/** Abandons an upload, whatever form its bytes are in. */
export async function dropUpload(deps: Deps, uid: string, upload: UploadRecord): Promise<void> {
  await discardUpload(deps, uid, upload);
  if (upload.wholeObject) await deps.blobs.delete([upload.wholeObject]).catch(() => undefined);
}

/**
 * Completes an upload as the blob `digest` (sha256 or sha512) and links it into the repository.
 * InvalidLayerException, with the upload discarded, when the bytes have another digest.
 */
export async function completeUpload(deps: Deps, uid: string, upload: UploadRecord, digest: string): Promise<BlobRecord> {
  const streamed = upload.streamDigest?.upTo === upload.nextByte ? upload.streamDigest.digest : undefined;
  const known = streamed ?? (upload.nextByte === 0 ? EMPTY_SHA256 : undefined);
  if (known && digest.startsWith('sha256:') && known !== digest) {
    await dropUpload(deps, uid, upload);
    throw new InvalidLayerException(`provided digest ${digest} did not match uploaded content (${known})`);
  }
  // A blob stored whole with a verified digest goes straight to the conditional record (which keeps an
  // existing blob of that digest and drops this copy); otherwise look first, to skip completing a copy.
  const stored = upload.wholeObject && known === digest ? undefined : await deps.layers.getBlob(digest);
  let blob: BlobRecord;
  // A stored blob serves only if it can still be referenced (garbage collection may have claimed it since).
  if (stored && known === digest && (await deps.layers.referenceBlob(digest, uid, deps.now().getTime()))) {
    await dropUpload(deps, uid, upload);
    blob = stored;
  } else {
    const object = upload.wholeObject ?? (await finishObject(deps, upload, await readPending(deps, upload)));
    if (known !== digest) {
      // Verify what was stored: the bytes came in over several requests, or under another algorithm.
      const actual = await digestOfObject(deps, object, digest.startsWith('sha512:') ? 'sha512' : 'sha256');
      if (actual !== digest) {
        await deps.blobs.delete([object]);
        await deps.layers.deleteUpload(uid, upload.uploadId);
        throw new InvalidLayerException(`provided digest ${digest} did not match uploaded content (${actual})`);
      }
    }
    blob = await recordBlob(deps, upload, digest, upload.nextByte, uid);
    // The link and the end of the upload are independent writes: in parallel, one round trip.
    await Promise.all([linkTouched(deps, uid, digest, blob.size), endUpload(deps, uid, upload)]);
    return blob;
  }
  await linkTouched(deps, uid, digest, blob.size);
  return blob;
}

export const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The bytes do not continue the upload where it stands: carries the last byte it really holds. */
export function rangeInvalid(upload: UploadRecord, message: string): InvalidLayerPartException {
  return new InvalidLayerPartException(message, { uploadId: upload.uploadId, lastValidByteReceived: upload.nextByte - 1 });
}
