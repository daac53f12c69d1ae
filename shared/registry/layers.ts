/**
 * Layer operations: check availability, upload a layer in parts (initiate, upload part, complete), and
 * presigned download URLs. The upload mechanics (coalescing, hashing, storing once) are in layer-upload.ts.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type {
  BatchCheckLayerAvailabilityInput,
  CompleteLayerUploadInput,
  GetDownloadUrlForLayerInput,
  InitiateLayerUploadInput,
  UploadLayerPartInput,
} from '../model/types.ts';
import {
  EmptyUploadException,
  InvalidLayerException,
  InvalidLayerPartException,
  invalidParameter,
  LayerAlreadyExistsException,
  LimitExceededException,
  UploadNotFoundException,
} from '../errors.ts';
import { MAX_PARTS } from '../store/blobs.ts';
import type { LayerLink, RepositoryRecord, UploadRecord } from '../store/types.ts';
import { blobMountingEnabled } from './account-settings.ts';
import { blobDownloadUrl } from './blobs.ts';
import { checkRegistryId, openRepository } from './common.ts';
import { openForPush } from './creation-templates.ts';
import {
  appendPart,
  digestOfObject,
  discardUpload,
  endUpload,
  finishObject,
  linkExistingBlob,
  planPart,
  recordBlob,
  sealUpload,
  SHA256_DIGEST,
  startUpload,
  storeUpload,
  UploadDamagedError,
  type Sealed,
} from './layer-upload.ts';

/** BatchCheckLayerAvailability: which of the digests the repository holds, with their sizes. */
export async function batchCheckLayerAvailability(deps: Deps, actor: Actor, input: BatchCheckLayerAvailabilityInput) {
  const repo = await openRepository(deps, actor, 'ecr:BatchCheckLayerAvailability', input.repositoryName, input.registryId);
  const digests = [...new Set<string>(input.layerDigests)];
  const links = await deps.layers.links(
    repo.uid,
    digests.filter((d) => SHA256_DIGEST.test(d)),
  );
  await keepCheckedLinks(deps, repo.uid, links);
  if (actor.replicationFrom) await mountForReplica(deps, repo, digests, links);
  const layers = [];
  const failures = [];
  for (const layerDigest of digests) {
    const link = links.get(layerDigest);
    if (!SHA256_DIGEST.test(layerDigest)) failures.push({ layerDigest, failureCode: 'InvalidLayerDigest' as const, failureReason: 'Invalid layer digest' });
    else if (!link) failures.push({ layerDigest, failureCode: 'MissingLayerDigest' as const, failureReason: 'Requested image not found' });
    else layers.push({ layerDigest, layerAvailability: 'AVAILABLE' as const, layerSize: link.size, ...(link.mediaType ? { mediaType: link.mediaType } : {}) });
  }
  return { layers, failures };
}

/**
 * A replication copy asks which layers its destination repository lacks: where this registry allows mounting
 * (BLOB_MOUNTING ENABLED), a blob it already stores for another repository is linked into the replica's repository
 * now and reported available, so the copy does not send it again (ECR's "not sent where the destination allows
 * mounting"). Only replication-marked calls, already authorized as ecr:ReplicateImage on the repository, mount this
 * way: no digest is offered a plain caller who has not proven it holds the bytes.
 */
async function mountForReplica(deps: Deps, repo: RepositoryRecord, digests: string[], links: Map<string, LayerLink>): Promise<void> {
  const wanted = digests.filter((d) => SHA256_DIGEST.test(d) && !links.has(d));
  if (wanted.length === 0 || !(await blobMountingEnabled(deps))) return;
  for (const digest of wanted) {
    // Referenced before it is linked, as a mount is (invariant G): a blob being garbage collected is not, and is sent.
    const blob = await linkExistingBlob(deps, repo.uid, digest);
    if (blob) links.set(digest, { digest, size: blob.size });
  }
}

/**
 * A layer said AVAILABLE stays so for half the grace period at least: links last touched longer ago than that are
 * touched now (garbage collection backs off from them), so the PutImage that relies on this answer finds them. One
 * that garbage collection dropped meanwhile is reported missing instead, and the client uploads it.
 */
async function keepCheckedLinks(deps: Deps, uid: string, links: Map<string, { digest: string; touchedAt?: number }>): Promise<void> {
  const now = deps.now().getTime();
  const stale = [...links.values()].filter((l) => (l.touchedAt ?? 0) <= now - (deps.config.gcGraceSeconds * 1000) / 2).map((l) => l.digest);
  if (!stale.length) return;
  const touched = await deps.layers.touchLinks(uid, stale, now);
  for (const digest of stale) if (!touched.has(digest)) links.delete(digest);
}

/** GetDownloadUrlForLayer: a short-lived presigned GET for exactly the blob of a layer the repository holds. */
export async function getDownloadUrlForLayer(deps: Deps, actor: Actor, input: GetDownloadUrlForLayerInput) {
  checkRegistryId(deps, input.registryId);
  const digest = input.layerDigest;
  if (!SHA256_DIGEST.test(digest)) throw invalidParameter('layerDigest', 'must be a sha256 digest of 64 lowercase hex digits');
  const { url } = await blobDownloadUrl(deps, actor, { repositoryName: input.repositoryName, digest });
  return { downloadUrl: url, layerDigest: digest };
}

/** InitiateLayerUpload: starts an upload and recommends the part size to send. */
export async function initiateLayerUpload(deps: Deps, actor: Actor, input: InitiateLayerUploadInput) {
  const repo = await openForPush(deps, actor, 'ecr:InitiateLayerUpload', input.repositoryName, input.registryId);
  const upload = await startUpload(deps, repo.uid);
  return { uploadId: upload.uploadId, partSize: deps.config.layerPartSize };
}

/**
 * UploadLayerPart: appends the next part. Parts arrive in order, each exactly once: a part that does not
 * start at the next byte, or whose byte range does not match its length, is an InvalidLayerPartException
 * carrying the last byte received so far.
 */
export async function uploadLayerPart(deps: Deps, actor: Actor, input: UploadLayerPartInput) {
  const repo = await openRepository(deps, actor, 'ecr:UploadLayerPart', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const upload = await requireUpload(deps, repo, input.uploadId);
  const bytes: Buffer = input.layerPartBlob;
  const first: number = input.partFirstByte;
  const last: number = input.partLastByte;
  if (bytes.length === 0 || last - first + 1 !== bytes.length) {
    throw invalidPart(deps, repo, upload, `The layer part size ${bytes.length} does not match the byte range ${first}-${last}.`);
  }
  if (first !== upload.nextByte) {
    throw invalidPart(deps, repo, upload, `The first byte ${first} of the layer part is not consecutive to the last byte received, ${upload.nextByte - 1}.`);
  }
  const plan = planPart(upload.parts.length, upload.pendingBytes, bytes.length);
  if (plan.kind === 'tooManyParts') {
    throw new LimitExceededException(`The upload with id '${upload.uploadId}' would need more than ${MAX_PARTS} storage parts; send larger parts.`);
  }
  let next: UploadRecord | undefined;
  try {
    next = await appendPart(deps, repo.uid, upload, bytes, plan);
  } catch (e) {
    if (e instanceof UploadDamagedError)
      throw invalidPart(deps, repo, upload, 'Earlier parts of this upload were overwritten by concurrent requests; start a new upload.');
    // A failure because another request moved the upload on (or ended it) meanwhile is answered as that.
    await throwIfMoved(deps, repo, upload);
    throw e;
  }
  if (!next) {
    await throwIfMoved(deps, repo, upload);
    throw invalidPart(deps, repo, upload, `The layer part starting at byte ${first} was received concurrently by another request.`);
  }
  return { registryId, repositoryName: repo.name, uploadId: upload.uploadId, lastByteReceived: next.nextByte - 1 };
}

/**
 * CompleteLayerUpload: checks the digest of what was received (sha256 only, one digest) and makes the
 * layer part of the repository, storing its bytes once across all repositories.
 */
export async function completeLayerUpload(deps: Deps, actor: Actor, input: CompleteLayerUploadInput) {
  const repo = await openRepository(deps, actor, 'ecr:CompleteLayerUpload', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const digests: string[] = input.layerDigests;
  if (digests.length !== 1) {
    throw invalidParameter('layerDigests', `only one layer digest is supported, ${digests.length} were given`);
  }
  const digest = digests[0];
  if (!SHA256_DIGEST.test(digest)) {
    throw invalidParameter('layerDigests', `only sha256 digests of 64 lowercase hex digits are supported`);
  }
  const upload = await requireUpload(deps, repo, input.uploadId);
  if (upload.nextByte === 0) throw new EmptyUploadException(`The upload with id '${upload.uploadId}' contains no layer parts.`);
  try {
    let sealed: Sealed | undefined;
    try {
      sealed = await sealUpload(deps, upload);
    } catch (e) {
      if (!(e instanceof UploadDamagedError)) throw e;
    }
    if (sealed && sealed.digest === undefined) {
      // No live hash in step (parts reached other instances): store the object, then hash it as stored.
      await completeByReadBack(deps, repo, upload, sealed, digest);
      return { registryId, repositoryName: repo.name, uploadId: upload.uploadId, layerDigest: digest };
    }
    if (sealed?.digest !== digest) {
      await discardUpload(deps, repo.uid, upload);
      throw digestMismatch(sealed ? `'${sealed.digest}'` : 'from parts overwritten by concurrent requests', digest);
    }
    if ((await deps.layers.links(repo.uid, [digest])).has(digest)) {
      await discardUpload(deps, repo.uid, upload);
      throw layerExists(deps, repo, digest);
    }
    const blob = await storeUpload(deps, upload, { ...sealed, digest }, repo.uid);
    const linked = await deps.layers.link(repo.uid, { digest, size: blob.size, touchedAt: deps.now().getTime() });
    await endUpload(deps, repo.uid, upload);
    if (!linked) throw layerExists(deps, repo, digest);
  } catch (e) {
    if (e instanceof InvalidLayerException || e instanceof LayerAlreadyExistsException) throw e;
    // A repeated completion racing this one may have finished the upload first.
    if (!(await deps.layers.getUpload(repo.uid, upload.uploadId, deps.now().getTime()))) {
      if ((await deps.layers.links(repo.uid, [digest])).has(digest)) throw layerExists(deps, repo, digest);
      throw uploadNotFound(deps, repo, upload.uploadId);
    }
    throw e;
  }
  return { registryId, repositoryName: repo.name, uploadId: upload.uploadId, layerDigest: digest };
}

/**
 * Completes an upload whose digest is not known yet: completes its object, reads it back once and hashes it, and
 * only then records and links the blob; a mismatch deletes the object and the upload, as the saved-hash path does.
 */
async function completeByReadBack(deps: Deps, repo: RepositoryRecord, upload: UploadRecord, sealed: Sealed, digest: string): Promise<void> {
  const object = upload.wholeObject ?? (await finishObject(deps, upload, sealed.tail));
  const actual = await digestOfObject(deps, object);
  const drop = async () => {
    await deps.blobs.delete([object]).catch(() => undefined);
    await endUpload(deps, repo.uid, upload);
  };
  if (actual !== digest) {
    await drop();
    throw digestMismatch(`'${actual}'`, digest);
  }
  if ((await deps.layers.links(repo.uid, [digest])).has(digest)) {
    await drop();
    throw layerExists(deps, repo, digest);
  }
  const blob = await recordBlob(deps, upload, digest, sealed.size, repo.uid);
  const linked = await deps.layers.link(repo.uid, { digest, size: blob.size, touchedAt: deps.now().getTime() });
  await endUpload(deps, repo.uid, upload);
  if (!linked) throw layerExists(deps, repo, digest);
}

function digestMismatch(calculated: string, digest: string) {
  return new InvalidLayerException(`The layer digest calculated for the uploaded layer ${calculated} does not match the layer digest '${digest}' specified.`);
}

/** The upload, if it exists in this repository and has not expired. */
async function requireUpload(deps: Deps, repo: RepositoryRecord, uploadId: string): Promise<UploadRecord> {
  const upload = await deps.layers.getUpload(repo.uid, uploadId, deps.now().getTime());
  if (!upload) throw uploadNotFound(deps, repo, uploadId);
  return upload;
}

/** Throws what a client should hear when the upload is no longer where `seen` left it. */
async function throwIfMoved(deps: Deps, repo: RepositoryRecord, seen: UploadRecord): Promise<void> {
  const current = await deps.layers.getUpload(repo.uid, seen.uploadId, deps.now().getTime());
  if (!current) throw uploadNotFound(deps, repo, seen.uploadId);
  if (current.nextByte !== seen.nextByte) {
    throw invalidPart(
      deps,
      repo,
      current,
      `The layer part starting at byte ${seen.nextByte} was already received; the last byte received is ${current.nextByte - 1}.`,
    );
  }
}

function invalidPart(deps: Deps, repo: RepositoryRecord, upload: UploadRecord, message: string) {
  return new InvalidLayerPartException(message, {
    registryId: deps.config.registryId,
    repositoryName: repo.name,
    uploadId: upload.uploadId,
    lastValidByteReceived: upload.nextByte - 1,
  });
}

function uploadNotFound(deps: Deps, repo: RepositoryRecord, uploadId: string) {
  return new UploadNotFoundException(
    `The upload with id '${uploadId}' does not exist in the repository with name '${repo.name}' in the registry with id '${deps.config.registryId}'`,
  );
}

function layerExists(deps: Deps, repo: RepositoryRecord, digest: string) {
  return new LayerAlreadyExistsException(
    `Layer with digest '${digest}' already exists in the repository with name '${repo.name}' in registry with id '${deps.config.registryId}'`,
  );
}
