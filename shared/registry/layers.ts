/**
 * Layer operations: check availability, upload a layer in parts (initiate, upload part, complete), and
 * presigned download URLs. The upload mechanics (coalescing, hashing, storing once) are in layer-upload.ts.
 */
import type { CallContext } from '../protocol/ecr-handler.ts';
import {
  EmptyUploadException, InvalidLayerException, InvalidLayerPartException, InvalidParameterException, LayerAlreadyExistsException,
  LayersNotFoundException, LimitExceededException, UploadNotFoundException,
} from '../errors.ts';
import { MAX_PARTS } from '../store/blobs.ts';
import type { RepositoryRecord, UploadRecord } from '../store/types.ts';
import { checkRegistryId, requireRepository } from './common.ts';
import {
  appendPart, discardUpload, endUpload, planPart, sealUpload, SHA256_DIGEST, startUpload, storeUpload, UploadDamagedError, type Sealed,
} from './layer-upload.ts';

/** How long a presigned layer download URL stays valid. */
export const DOWNLOAD_URL_SECONDS = 600;

/** BatchCheckLayerAvailability: which of the digests the repository holds, with their sizes. */
export async function batchCheckLayerAvailability(input: any, call: CallContext) {
  checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const digests = [...new Set<string>(input.layerDigests)];
  const links = await call.deps.layers.links(repo.uid, digests.filter((d) => SHA256_DIGEST.test(d)));
  const layers = [];
  const failures = [];
  for (const layerDigest of digests) {
    const link = links.get(layerDigest);
    if (!SHA256_DIGEST.test(layerDigest)) failures.push({ layerDigest, failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' });
    else if (!link) failures.push({ layerDigest, failureCode: 'MissingLayerDigest', failureReason: 'Requested image not found' });
    else layers.push({ layerDigest, layerAvailability: 'AVAILABLE', layerSize: link.size, ...(link.mediaType ? { mediaType: link.mediaType } : {}) });
  }
  return { layers, failures };
}

/** GetDownloadUrlForLayer: a short-lived presigned GET for exactly the blob of a layer the repository holds. */
export async function getDownloadUrlForLayer(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const digest: string = input.layerDigest;
  if (!SHA256_DIGEST.test(digest)) {
    throw new InvalidParameterException(`Invalid parameter at 'layerDigest' failed to satisfy constraint: 'must be a sha256 digest of 64 lowercase hex digits'`);
  }
  const repo = await requireRepository(call, input.repositoryName);
  const linked = (await call.deps.layers.links(repo.uid, [digest])).has(digest);
  const blob = linked ? await call.deps.layers.getBlob(digest) : undefined;
  if (!blob) {
    throw new LayersNotFoundException(`The specified layer does not exist: '${digest}' in the repository with name '${repo.name}' in the registry with id '${registryId}'`);
  }
  return { downloadUrl: await call.deps.blobs.presignGet(blob.object, DOWNLOAD_URL_SECONDS), layerDigest: digest };
}

/** InitiateLayerUpload: starts an upload and recommends the part size to send. */
export async function initiateLayerUpload(input: any, call: CallContext) {
  checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const upload = await startUpload(call.deps, repo.uid);
  return { uploadId: upload.uploadId, partSize: call.deps.config.layerPartSize };
}

/**
 * UploadLayerPart: appends the next part. Parts arrive in order, each exactly once: a part that does not
 * start at the next byte, or whose byte range does not match its length, is an InvalidLayerPartException
 * carrying the last byte received so far.
 */
export async function uploadLayerPart(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const upload = await requireUpload(call, repo, input.uploadId);
  const bytes: Buffer = input.layerPartBlob;
  const first: number = input.partFirstByte;
  const last: number = input.partLastByte;
  if (bytes.length === 0 || last - first + 1 !== bytes.length) {
    throw invalidPart(call, repo, upload, `The layer part size ${bytes.length} does not match the byte range ${first}-${last}.`);
  }
  if (first !== upload.nextByte) {
    throw invalidPart(call, repo, upload, `The first byte ${first} of the layer part is not consecutive to the last byte received, ${upload.nextByte - 1}.`);
  }
  const plan = planPart(upload.parts.length, upload.pendingBytes, bytes.length);
  if (plan.kind === 'tooManyParts') {
    throw new LimitExceededException(`The upload with id '${upload.uploadId}' would need more than ${MAX_PARTS} storage parts; send larger parts.`);
  }
  let next: UploadRecord | undefined;
  try {
    next = await appendPart(call.deps, repo.uid, upload, bytes, plan);
  } catch (e) {
    if (e instanceof UploadDamagedError) throw invalidPart(call, repo, upload, 'Earlier parts of this upload were overwritten by concurrent requests; start a new upload.');
    // A failure because another request moved the upload on (or ended it) meanwhile is answered as that.
    await throwIfMoved(call, repo, upload);
    throw e;
  }
  if (!next) {
    await throwIfMoved(call, repo, upload);
    throw invalidPart(call, repo, upload, `The layer part starting at byte ${first} was received concurrently by another request.`);
  }
  return { registryId, repositoryName: repo.name, uploadId: upload.uploadId, lastByteReceived: next.nextByte - 1 };
}

/**
 * CompleteLayerUpload: checks the digest of what was received (sha256 only, one digest) and makes the
 * layer part of the repository, storing its bytes once across all repositories.
 */
export async function completeLayerUpload(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const digests: string[] = input.layerDigests;
  if (digests.length !== 1) {
    throw new InvalidParameterException(`Invalid parameter at 'layerDigests' failed to satisfy constraint: 'only one layer digest is supported, ${digests.length} were given'`);
  }
  const digest = digests[0];
  if (!SHA256_DIGEST.test(digest)) {
    throw new InvalidParameterException(`Invalid parameter at 'layerDigests' failed to satisfy constraint: 'only sha256 digests of 64 lowercase hex digits are supported'`);
  }
  const upload = await requireUpload(call, repo, input.uploadId);
  if (upload.nextByte === 0) throw new EmptyUploadException(`The upload with id '${upload.uploadId}' contains no layer parts.`);
  const { deps } = call;
  try {
    let sealed: Sealed | undefined;
    try {
      sealed = await sealUpload(deps, upload);
    } catch (e) {
      if (!(e instanceof UploadDamagedError)) throw e;
    }
    if (sealed?.digest !== digest) {
      await discardUpload(deps, repo.uid, upload);
      const calculated = sealed ? `'${sealed.digest}'` : 'from parts overwritten by concurrent requests';
      throw new InvalidLayerException(`The layer digest calculated for the uploaded layer ${calculated} does not match the layer digest '${digest}' specified.`);
    }
    if ((await deps.layers.links(repo.uid, [digest])).has(digest)) {
      await discardUpload(deps, repo.uid, upload);
      throw layerExists(call, repo, digest);
    }
    const blob = await storeUpload(deps, upload, sealed);
    const linked = await deps.layers.link(repo.uid, { digest, size: blob.size });
    await endUpload(deps, repo.uid, upload);
    if (!linked) throw layerExists(call, repo, digest);
  } catch (e) {
    if (e instanceof InvalidLayerException || e instanceof LayerAlreadyExistsException) throw e;
    // A repeated completion racing this one may have finished the upload first.
    if (!(await deps.layers.getUpload(repo.uid, upload.uploadId, deps.now().getTime()))) {
      if ((await deps.layers.links(repo.uid, [digest])).has(digest)) throw layerExists(call, repo, digest);
      throw uploadNotFound(call, repo, upload.uploadId);
    }
    throw e;
  }
  return { registryId, repositoryName: repo.name, uploadId: upload.uploadId, layerDigest: digest };
}

/** The upload, if it exists in this repository and has not expired. */
async function requireUpload(call: CallContext, repo: RepositoryRecord, uploadId: string): Promise<UploadRecord> {
  const upload = await call.deps.layers.getUpload(repo.uid, uploadId, call.deps.now().getTime());
  if (!upload) throw uploadNotFound(call, repo, uploadId);
  return upload;
}

/** Throws what a client should hear when the upload is no longer where `seen` left it. */
async function throwIfMoved(call: CallContext, repo: RepositoryRecord, seen: UploadRecord): Promise<void> {
  const current = await call.deps.layers.getUpload(repo.uid, seen.uploadId, call.deps.now().getTime());
  if (!current) throw uploadNotFound(call, repo, seen.uploadId);
  if (current.nextByte !== seen.nextByte) {
    throw invalidPart(call, repo, current, `The layer part starting at byte ${seen.nextByte} was already received; the last byte received is ${current.nextByte - 1}.`);
  }
}

function invalidPart(call: CallContext, repo: RepositoryRecord, upload: UploadRecord, message: string) {
  return new InvalidLayerPartException(message, {
    registryId: call.deps.config.registryId, repositoryName: repo.name, uploadId: upload.uploadId, lastValidByteReceived: upload.nextByte - 1,
  });
}

function uploadNotFound(call: CallContext, repo: RepositoryRecord, uploadId: string) {
  return new UploadNotFoundException(`The upload with id '${uploadId}' does not exist in the repository with name '${repo.name}' in the registry with id '${call.deps.config.registryId}'`);
}

function layerExists(call: CallContext, repo: RepositoryRecord, digest: string) {
  return new LayerAlreadyExistsException(`Layer with digest '${digest}' already exists in the repository with name '${repo.name}' in registry with id '${call.deps.config.registryId}'`);
}
