/**
 * Storage classes of images: UpdateImageStorageClass, and the archive and restore steps lifecycle rules share.
 * An archived image stays described and listed (status ARCHIVED, with a filter) but cannot be pulled until it
 * is restored, by UpdateImageStorageClass to STANDARD or by pushing it again. Archiving is a state of the image
 * record: its blobs stay where they are, so a restore takes effect at once (status ACTIVE, never ACTIVATING).
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { UpdateImageStorageClassInput } from '../model/types.ts';
import { ImageNotFoundException, ImageStorageClassUpdateNotSupportedException } from '../errors.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import { openRepository } from './common.ts';
import { resolveImageId, type ImageId } from './image-ids.ts';

export type ImageStatus = 'ACTIVE' | 'ARCHIVED';

/** The ImageStatus of the ECR API for a stored image. */
export const imageStatus = (image: Pick<ImageRecord, 'archived'>): ImageStatus => (image.archived ? 'ARCHIVED' : 'ACTIVE');

/** Why an image may not be archived now: a manifest list naming it that is not archived itself. */
export async function unarchivedParents(deps: Deps, repo: RepositoryRecord, digest: string): Promise<string[]> {
  const parents = await deps.images.parentsOf(repo.uid, digest);
  const found = await Promise.all(parents.map((p) => deps.images.get(repo.uid, p)));
  return parents.filter((_, i) => found[i]?.children?.includes(digest) && !found[i]?.archived);
}

/** Moves an active image to the archive; false when it is archived already (or gone). */
export async function archiveImage(deps: Deps, repo: RepositoryRecord, digest: string): Promise<boolean> {
  return deps.imageStates.setStorageClass(repo.uid, digest, true, deps.now().getTime());
}

/** Restores an archived image to the standard class; false when it is not archived (or gone). */
export async function restoreImage(deps: Deps, repo: RepositoryRecord, digest: string): Promise<boolean> {
  return deps.imageStates.setStorageClass(repo.uid, digest, false, deps.now().getTime());
}

/** UpdateImageStorageClass: ARCHIVE archives an active image, STANDARD restores an archived one. */
export async function updateImageStorageClass(deps: Deps, actor: Actor, input: UpdateImageStorageClassInput) {
  const repo = await openRepository(deps, actor, 'ecr:UpdateImageStorageClass', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const id: ImageId = input.imageId;
  const resolved = await resolveImageId(deps, repo, id);
  if ('failure' in resolved) {
    throw new ImageNotFoundException(
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${registryId}'`,
    );
  }
  const { image } = resolved;
  const target: 'ARCHIVE' | 'STANDARD' = input.targetStorageClass;
  const current = image.archived ? 'ARCHIVE' : 'STANDARD';
  const unsupported = (why: string) =>
    new ImageStorageClassUpdateNotSupportedException(
      `The image with digest '${image.digest}' in the repository with name '${repo.name}' cannot be moved to the ${target} storage class: ${why}`,
    );
  if (current === target) throw unsupported(`it is already in the ${target} storage class.`);
  if (target === 'ARCHIVE') {
    const parents = await unarchivedParents(deps, repo, image.digest);
    if (parents.length) throw unsupported(`it is referenced by manifest lists that are not archived: [${parents.join(', ')}].`);
    if (!(await archiveImage(deps, repo, image.digest))) throw unsupported('its storage class changed meanwhile.');
  } else if (!(await restoreImage(deps, repo, image.digest))) {
    throw unsupported('its storage class changed meanwhile.');
  }
  return {
    registryId,
    repositoryName: repo.name,
    imageId: { imageDigest: image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
    imageStatus: target === 'ARCHIVE' ? ('ARCHIVED' as const) : ('ACTIVE' as const),
  };
}

/**
 * The image status filter of ListImages and DescribeImages (ACTIVE when not given): undefined when nothing needs
 * to be filtered out (no archived image ever in the repository and ACTIVE or ANY asked), else the predicate.
 */
export async function imageStatusFilter(
  deps: Deps,
  repo: RepositoryRecord,
  wanted: string | undefined,
): Promise<((image: Pick<ImageRecord, 'archived'>) => boolean) | undefined> {
  const status = wanted ?? 'ACTIVE';
  if (status === 'ANY') return undefined;
  if (status === 'ACTIVE' && !(await deps.imageStates.hasArchived(repo.uid))) return undefined;
  return (image) => imageStatus(image) === status;
}

/** Pushing an archived image again restores it, as in Amazon ECR. True when it was restored. */
export async function restoreIfArchived(deps: Deps, repo: RepositoryRecord, digest: string): Promise<boolean> {
  if (!(await deps.imageStates.hasArchived(repo.uid))) return false;
  const image = await deps.images.get(repo.uid, digest);
  return image?.archived === true && (await restoreImage(deps, repo, digest));
}
