/**
 * Reading and deleting images: BatchGetImage and BatchDeleteImage, and the same rules for the OCI API's manifest
 * GET/HEAD and DELETE (pullManifest, deleteImage). A pull is refused for an archived image or one whose media type
 * the client does not accept, and records the pull time; every reader goes through pullOne.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ImageNotFoundException } from '../errors.ts';
import type { BatchDeleteImageInput, BatchGetImageInput } from '../model/types.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import { openRepository } from './common.ts';
import { imageDeletedEvent } from './events.ts';
import { resolveImageId, type ImageFailure, type ImageId } from './image-ids.ts';
import { pullTimeRecorded } from './pull-time-exclusions.ts';
import { markRepository } from '../gc/marks.ts';
import { ensureCached, openForPull, upstreamFailureCode } from '../pull-through/cache.ts';

/** The exact manifest text of an image, from its item or from S3. */
export async function manifestText(deps: Deps, image: ImageRecord): Promise<string> {
  if (image.manifest !== undefined) return image.manifest;
  return (await deps.blobs.getBytes(image.manifestObject!)).toString('utf8');
}

/** What a pull may take: `accepted` media types (any when undefined); `record` writes the pull time (when over an hour old). */
type PullOptions = { accepted?: string[]; record: boolean };
type Pulled = { image: ImageRecord; manifest: string } | { failure: ImageFailure };

/** The pull rules, once: resolve, refuse archived or unaccepted images, read the manifest, record the pull. */
async function pullOne(deps: Deps, repo: RepositoryRecord, id: ImageId, options: PullOptions): Promise<Pulled> {
  const resolved = await resolveImageId(deps, repo, id);
  if ('failure' in resolved) return resolved;
  const { image } = resolved;
  if (image.archived) {
    return {
      failure: {
        imageId: id,
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image is archived and cannot be pulled; restore it with UpdateImageStorageClass (targetStorageClass STANDARD)',
      },
    };
  }
  if (options.accepted && !options.accepted.includes(image.manifestMediaType)) {
    return {
      failure: {
        imageId: id,
        failureCode: 'ImageNotFound',
        failureReason: `The image's media type ${image.manifestMediaType} is not one of the acceptedMediaTypes`,
      },
    };
  }
  const manifest = await manifestText(deps, image);
  const now = deps.now().getTime();
  if (options.record && !(image.lastPulledAt !== undefined && now - image.lastPulledAt < PULL_TIME_REFRESH_MS)) {
    await deps.images.recordPull(repo.uid, image.digest, now);
  }
  return { image, manifest };
}

/** A pull rewrites the recorded pull time only when it is older than this (ECR refreshes it at least daily). */
export const PULL_TIME_REFRESH_MS = 3600 * 1000;

/** BatchGetImage: the exact stored manifests, with per-image failures; records the pull time unless the caller is excluded. */
export async function batchGetImage(deps: Deps, actor: Actor, input: BatchGetImageInput) {
  const repo = await openForPull(deps, actor, 'ecr:BatchGetImage', input.repositoryName, input.registryId, input.imageIds);
  const images = [];
  const failures: ImageFailure[] = [];
  const record = await pullTimeRecorded(deps, actor);
  for (const id of input.imageIds) {
    const upstreamFailure = await cached(deps, actor, repo, id);
    if (upstreamFailure) {
      failures.push(upstreamFailure);
      continue;
    }
    const pulled = await pullOne(deps, repo, id, { accepted: input.acceptedMediaTypes, record });
    if ('failure' in pulled) {
      failures.push(pulled.failure);
      continue;
    }
    images.push({
      registryId: deps.config.registryId,
      repositoryName: repo.name,
      imageId: { imageDigest: pulled.image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
      imageManifest: pulled.manifest,
      imageManifestMediaType: pulled.image.manifestMediaType,
    });
  }
  return { images, failures };
}

export type PullManifestInput = { repositoryName: string; imageId: ImageId; accepted?: string[]; recordPull: boolean };

/** One image's manifest for a pull (the OCI manifest GET and HEAD); ImageNotFoundException with the reason when refused. */
export async function pullManifest(deps: Deps, actor: Actor, input: PullManifestInput): Promise<{ image: ImageRecord; manifest: string }> {
  const repo = await openForPull(deps, actor, 'ecr:BatchGetImage', input.repositoryName, undefined, [input.imageId]);
  await ensureCached(deps, actor, repo, input.imageId);
  const record = input.recordPull && (await pullTimeRecorded(deps, actor));
  const pulled = await pullOne(deps, repo, input.imageId, { accepted: input.accepted, record });
  if ('failure' in pulled) throw new ImageNotFoundException(pulled.failure.failureReason);
  return pulled;
}

/** A pull through cache's import for one id of a batch: nothing, or the failure ECR reports when upstream could not give the image. */
async function cached(deps: Deps, actor: Actor, repo: RepositoryRecord, id: ImageId): Promise<ImageFailure | undefined> {
  try {
    await ensureCached(deps, actor, repo, id);
    return undefined;
  } catch (e) {
    const code = upstreamFailureCode(e);
    if (code) return { imageId: id, failureCode: code, failureReason: (e as Error).message };
    if (e instanceof ImageNotFoundException) return { imageId: id, failureCode: 'ImageNotFound', failureReason: e.message };
    throw e;
  }
}

/** BatchDeleteImage: by tag removes the tag (and the image with its last tag); by digest removes the image and all its tags. */
export async function batchDeleteImage(deps: Deps, actor: Actor, input: BatchDeleteImageInput) {
  const repo = await openRepository(deps, actor, 'ecr:BatchDeleteImage', input.repositoryName, input.registryId);
  const imageIds: ImageId[] = [];
  const failures: ImageFailure[] = [];
  // The ids ListImages gives (one per tag, each with its digest) empty a repository in one call: an id that an
  // earlier id of the batch already deleted (its digest went with all its tags) is done, not ImageNotFound.
  const gone = new Set<string>();
  const key = (id: ImageId) => `${id.imageDigest}\u0000${id.imageTag ?? ''}`;
  for (const id of input.imageIds) {
    if (id.imageDigest !== undefined && gone.has(key(id))) continue;
    const result = await deleteImageId(deps, repo, id);
    if ('deleted' in result) for (const d of result.deleted) gone.add(key(d));
    if ('failure' in result) failures.push(result.failure);
    else imageIds.push(...result.deleted);
  }
  return { imageIds, failures };
}

/** One image or tag deleted (the OCI manifest DELETE): what went, or the failure as BatchDeleteImage reports it. */
export async function deleteImage(deps: Deps, actor: Actor, input: { repositoryName: string; imageId: ImageId }) {
  const repo = await openRepository(deps, actor, 'ecr:BatchDeleteImage', input.repositoryName);
  return deleteImageId(deps, repo, input.imageId);
}

/** Deletes what one identifier names: the steps every delete (BatchDeleteImage, OCI, lifecycle expiry) takes. */
export async function deleteImageId(deps: Deps, repo: RepositoryRecord, id: ImageId): Promise<{ deleted: ImageId[] } | { failure: ImageFailure }> {
  const resolved = await resolveImageId(deps, repo, id);
  if ('failure' in resolved) return resolved;
  const { images } = deps;
  const { image } = resolved;
  if (id.imageTag !== undefined && id.imageDigest === undefined) {
    // By tag: the tag goes; the image goes with its last tag unless a manifest list still needs it.
    if (!(await images.deleteTag(repo.uid, id.imageTag, image.digest))) {
      return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } };
    }
    const deleted: ImageId[] = [{ imageDigest: image.digest, imageTag: id.imageTag }];
    const remaining = await images.tagsOf(repo.uid, image.digest);
    if (remaining.length === 0 && (await liveParents(deps, repo, image.digest)).length === 0) {
      // Garbage collection learns first that the image's blobs may be free (docs/ARCHITECTURE.md "Garbage collection").
      await markRepository(deps, repo, image);
      await images.delete(repo.uid, image);
      // A push of this image under another tag may have written its tag after we read none and found the image
      // stored: it will not write the image again, so put it back (the push's tag must resolve).
      if ((await images.tagsOf(repo.uid, image.digest)).length > 0) await images.create(repo.uid, image);
    }
    await deps.events.publish([imageDeletedEvent(deps, repo.name, image.digest, id.imageTag)]);
    return { deleted };
  }
  const parents = await liveParents(deps, repo, image.digest);
  if (parents.length) {
    return {
      failure: {
        imageId: id,
        failureCode: 'ImageReferencedByManifestList',
        failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]`,
      },
    };
  }
  const tags = await images.tagsOf(repo.uid, image.digest);
  for (const tag of tags) await images.deleteTag(repo.uid, tag, image.digest);
  await markRepository(deps, repo, image);
  await images.delete(repo.uid, image);
  // Sweep: a push of this image (tag first, image last) may have tagged it meanwhile. If its image write came before
  // our delete, its tag is visible now and goes; if after, the image is back and the tag stays with it.
  for (const tag of await images.tagsOf(repo.uid, image.digest)) {
    if (!tags.includes(tag) && (await images.get(repo.uid, image.digest)) === undefined && (await images.deleteTag(repo.uid, tag, image.digest)))
      tags.push(tag);
  }
  const deleted: ImageId[] = tags.length ? tags.map((tag) => ({ imageDigest: image.digest, imageTag: tag })) : [{ imageDigest: image.digest }];
  await deps.events.publish(deleted.map((d) => imageDeletedEvent(deps, repo.name, image.digest, d.imageTag)));
  return { deleted };
}

/** Manifest lists / indexes in the repository that still name `digest` as a child. */
async function liveParents(deps: Deps, repo: RepositoryRecord, digest: string): Promise<string[]> {
  const parents = await deps.images.parentsOf(repo.uid, digest);
  const found = await Promise.all(parents.map((p) => deps.images.get(repo.uid, p)));
  return parents.filter((_, i) => found[i]?.children?.includes(digest));
}
