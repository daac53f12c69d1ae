/**
 * Streamed blob uploads (the OCI API's push of layers and configs): start one (or mount a blob another repository
 * holds), append request bodies at the byte the upload stands at, complete it with its digest, look at it, cancel
 * it. Upload state lives in the upload record; the bytes go to storage as they arrive (blob-stream.ts), and no blob
 * becomes visible before its digest is verified.
 */
import type { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { AccessDeniedException, BlobSizeMismatchException, invalidParameter, RepositoryNotFoundException, UploadNotFoundException } from '../errors.ts';
import type { BlobRecord, RepositoryRecord, UploadRecord } from '../store/types.ts';
import { blobMountingEnabled } from './account-settings.ts';
import { appendStream, completeUpload, dropUpload, rangeInvalid } from './blob-stream.ts';
import { openRepository } from './common.ts';
import { openForPush } from './creation-templates.ts';
import { linkTouched, startUpload } from './layer-upload.ts';
import { isValidDigest } from './manifests.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type UploadArgs = { repositoryName: string; uploadId: string };
/**
 * A request body to append: `length` is its announced length when known (a fresh upload arriving whole is then
 * stored as one object); `range` the inclusive byte range it says it carries, which must start where the upload stands.
 */
export type BodyArgs = { body: Readable; length?: number; range?: { start: number; end: number } | 'malformed' };

/** Starts an upload in the repository. */
export async function startBlobUpload(deps: Deps, actor: Actor, input: { repositoryName: string }): Promise<UploadRecord> {
  const repo = await openForPush(deps, actor, 'ecr:InitiateLayerUpload', input.repositoryName);
  return startUpload(deps, repo.uid);
}

/**
 * Links a blob that repository `from` holds into the repository (a cross-repository mount), as ECR offers one: only
 * while BLOB_MOUNTING is ENABLED, only to a caller that may read `from` (ecr:GetDownloadUrlForLayer), only between
 * repositories of the same encryption configuration, never from a pull-through-cache repository. Undefined when it
 * cannot be mounted (any of those, or `from` unknown or not holding the blob): the caller starts an upload instead.
 */
export async function mountBlob(deps: Deps, actor: Actor, input: { repositoryName: string; digest: string; from: string }): Promise<BlobRecord | undefined> {
  const repo = await openForPush(deps, actor, 'ecr:InitiateLayerUpload', input.repositoryName);
  if (!isValidDigest(input.digest)) return undefined;
  if (!(await blobMountingEnabled(deps))) return undefined;
  let source: RepositoryRecord | undefined;
  try {
    source = await openRepository(deps, actor, 'ecr:GetDownloadUrlForLayer', input.from);
  } catch (e) {
    if (e instanceof RepositoryNotFoundException || e instanceof AccessDeniedException) return undefined;
    throw e;
  }
  if (!sameEncryption(repo, source) || isPullThroughCache(source)) return undefined;
  const blob = await deps.layers.linkedBlob(source.uid, input.digest);
  if (!blob) return undefined;
  // The blob is referenced before it is linked; one being garbage collected cannot be (the client uploads it instead).
  const at = deps.now().getTime();
  if (!(await deps.layers.referenceBlob(input.digest, repo.uid, at))) return undefined;
  await linkTouched(deps, repo.uid, input.digest, blob.size);
  return blob;
}

/** ECR mounts only between repositories whose encryption type and KMS key are the same. */
function sameEncryption(a: RepositoryRecord, b: RepositoryRecord): boolean {
  return a.encryptionType === b.encryptionType && (a.kmsKey ?? '') === (b.kmsKey ?? '');
}

/** Whether a repository was created by a pull through cache rule (marked on its record), whose blobs ECR never offers to mount. */
function isPullThroughCache(repo: RepositoryRecord): boolean {
  return repo.pullThroughCache !== undefined;
}

/** Where an upload stands; UploadNotFoundException when it does not exist (or expired). */
export async function getBlobUpload(deps: Deps, actor: Actor, input: UploadArgs): Promise<UploadRecord> {
  const repo = await openRepository(deps, actor, 'ecr:UploadLayerPart', input.repositoryName);
  return requireUpload(deps, repo, input.uploadId);
}

/**
 * Appends a body at the upload's end; returns where the upload stands after it. InvalidLayerPartException (with the
 * last byte really received) when `range` does not continue the upload, BlobSizeMismatchException when the body does
 * not carry the bytes `range` announced.
 */
export async function appendBlobUpload(deps: Deps, actor: Actor, input: UploadArgs & BodyArgs): Promise<UploadRecord> {
  const repo = await openRepository(deps, actor, 'ecr:UploadLayerPart', input.repositoryName);
  const upload = await requireUpload(deps, repo, input.uploadId);
  return append(deps, repo, upload, input);
}

/** Appends the last body (if any) and completes the upload as the blob `digest` (sha256 or sha512), linked into the repository. */
export async function completeBlobUpload(deps: Deps, actor: Actor, input: UploadArgs & BodyArgs & { digest: string }): Promise<BlobRecord> {
  const repo = await openRepository(deps, actor, 'ecr:CompleteLayerUpload', input.repositoryName);
  const upload = await requireUpload(deps, repo, input.uploadId);
  if (!isValidDigest(input.digest)) {
    input.body.resume();
    throw invalidParameter('layerDigest', `invalid or missing digest: ${input.digest}`);
  }
  const complete = await append(deps, repo, upload, input);
  return completeUpload(deps, repo.uid, complete, input.digest);
}

/** Cancels an upload and drops what it received. */
export async function cancelBlobUpload(deps: Deps, actor: Actor, input: UploadArgs): Promise<void> {
  const repo = await openRepository(deps, actor, 'ecr:UploadLayerPart', input.repositoryName);
  await dropUpload(deps, repo.uid, await requireUpload(deps, repo, input.uploadId));
}

async function append(deps: Deps, repo: RepositoryRecord, upload: UploadRecord, input: BodyArgs): Promise<UploadRecord> {
  const { range } = input;
  if (range === 'malformed') {
    input.body.resume();
    throw rangeInvalid(upload, 'the byte range of the chunk is malformed');
  }
  if (range && (range.start !== upload.nextByte || range.end < range.start)) {
    input.body.resume();
    throw rangeInvalid(upload, `chunk ${range.start}-${range.end} does not continue the upload, which has ${upload.nextByte} bytes`);
  }
  const next = await appendStream(deps, repo.uid, upload, input.body, range ? undefined : input.length);
  const expected = range ? range.end - range.start + 1 : undefined;
  if (expected !== undefined && next.nextByte - upload.nextByte !== expected) {
    throw new BlobSizeMismatchException(`Content-Range announced ${expected} bytes but ${next.nextByte - upload.nextByte} arrived`);
  }
  return next;
}

async function requireUpload(deps: Deps, repo: RepositoryRecord, uploadId: string): Promise<UploadRecord> {
  const upload = UUID.test(uploadId) ? await deps.layers.getUpload(repo.uid, uploadId, deps.now().getTime()) : undefined;
  if (!upload) {
    throw new UploadNotFoundException(
      `The upload with id '${uploadId}' does not exist in the repository with name '${repo.name}' in the registry with id '${deps.config.registryId}'`,
    );
  }
  return upload;
}
