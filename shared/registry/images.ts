/** Reading and deleting images: BatchGetImage and BatchDeleteImage, and the shared pieces the OCI API reuses. */
import type { CallContext } from '../protocol/ecr-handler.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import { checkRegistryId, requireRepository } from './common.ts';
import { imageDeletedEvent } from './events.ts';
import { resolveImageId, type ImageFailure, type ImageId } from './image-ids.ts';

/** The exact manifest text of an image, from its item or from S3. */
export async function manifestText(call: CallContext, image: ImageRecord): Promise<string> {
  if (image.manifest !== undefined) return image.manifest;
  return (await call.deps.blobs.getBytes(image.manifestObject!)).toString('utf8');
}

/** BatchGetImage: the exact stored manifests, with per-image failures; records the pull time. */
export async function batchGetImage(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const accepted: string[] | undefined = input.acceptedMediaTypes;
  const images = [];
  const failures: ImageFailure[] = [];
  const now = call.deps.now().getTime();
  for (const id of input.imageIds as ImageId[]) {
    const resolved = await resolveImageId(call, repo, id);
    if ('failure' in resolved) { failures.push(resolved.failure); continue; }
    const { image } = resolved;
    if (image.archived) {
      failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image is archived and cannot be pulled; restore it with UpdateImageStorageClass (targetStorageClass STANDARD)' });
      continue;
    }
    if (accepted && !accepted.includes(image.manifestMediaType)) {
      failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: `The image's media type ${image.manifestMediaType} is not one of the acceptedMediaTypes` });
      continue;
    }
    images.push({
      registryId,
      repositoryName: repo.name,
      imageId: { imageDigest: image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
      imageManifest: await manifestText(call, image),
      imageManifestMediaType: image.manifestMediaType,
    });
    await call.deps.images.recordPull(repo.uid, image.digest, now);
  }
  return { images, failures };
}

/** BatchDeleteImage: by tag removes the tag (and the image with its last tag); by digest removes the image and all its tags. */
export async function batchDeleteImage(input: any, call: CallContext) {
  checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const imageIds: ImageId[] = [];
  const failures: ImageFailure[] = [];
  for (const id of input.imageIds as ImageId[]) {
    const result = await deleteImageId(call, repo, id);
    if ('failure' in result) failures.push(result.failure);
    else imageIds.push(...result.deleted);
  }
  return { imageIds, failures };
}

/** Deletes what one identifier names; shared with the OCI manifest DELETE. */
export async function deleteImageId(call: CallContext, repo: RepositoryRecord, id: ImageId): Promise<{ deleted: ImageId[] } | { failure: ImageFailure }> {
  const resolved = await resolveImageId(call, repo, id);
  if ('failure' in resolved) return resolved;
  const { images } = call.deps;
  const { image } = resolved;
  if (id.imageTag !== undefined && id.imageDigest === undefined) {
    // By tag: the tag goes; the image goes with its last tag unless a manifest list still needs it.
    if (!(await images.deleteTag(repo.uid, id.imageTag, image.digest))) {
      return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } };
    }
    const deleted: ImageId[] = [{ imageDigest: image.digest, imageTag: id.imageTag }];
    const remaining = await images.tagsOf(repo.uid, image.digest);
    if (remaining.length === 0 && (await liveParents(call, repo, image.digest)).length === 0) await images.delete(repo.uid, image);
    await call.deps.events.publish([imageDeletedEvent(call, repo.name, image.digest, id.imageTag)]);
    return { deleted };
  }
  const parents = await liveParents(call, repo, image.digest);
  if (parents.length) {
    return { failure: { imageId: id, failureCode: 'ImageReferencedByManifestList', failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]` } };
  }
  const tags = await images.tagsOf(repo.uid, image.digest);
  for (const tag of tags) await images.deleteTag(repo.uid, tag, image.digest);
  await images.delete(repo.uid, image);
  const deleted: ImageId[] = tags.length ? tags.map((tag) => ({ imageDigest: image.digest, imageTag: tag })) : [{ imageDigest: image.digest }];
  await call.deps.events.publish(deleted.map((d) => imageDeletedEvent(call, repo.name, image.digest, d.imageTag)));
  return { deleted };
}

/** Manifest lists / indexes in the repository that still name `digest` as a child. */
async function liveParents(call: CallContext, repo: RepositoryRecord, digest: string): Promise<string[]> {
  const parents = await call.deps.images.parentsOf(repo.uid, digest);
  const found = await Promise.all(parents.map((p) => call.deps.images.get(repo.uid, p)));
  return parents.filter((_, i) => found[i]?.children?.includes(digest));
}
