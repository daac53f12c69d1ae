/** Resolving ECR image identifiers (digest and/or tag) within a repository, with ECR's failure codes. */
import type { Deps } from '../deps.ts';
import type { ImageFailureCode } from '../model/types.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import { isValidDigest } from './manifests.ts';

export type ImageId = { imageDigest?: string; imageTag?: string };
export type ImageFailure = { imageId: ImageId; failureCode: ImageFailureCode; failureReason: string };
export type Resolved = { image: ImageRecord; tag?: string } | { failure: ImageFailure };

/** Finds the image an identifier names; tag and digest together must agree. */
export async function resolveImageId(deps: Deps, repo: RepositoryRecord, id: ImageId): Promise<Resolved> {
  const fail = (failureCode: ImageFailureCode, failureReason: string): Resolved => ({ failure: { imageId: id, failureCode, failureReason } });
  if (id.imageDigest === undefined && id.imageTag === undefined)
    return fail('MissingDigestAndTag', 'Invalid request parameters: both tag and digest cannot be null');
  if (id.imageDigest !== undefined && !isValidDigest(id.imageDigest)) return fail('InvalidImageDigest', 'Invalid image digest');
  const { images } = deps;
  let digest = id.imageDigest;
  if (id.imageTag !== undefined) {
    const tag = await images.getTag(repo.uid, id.imageTag);
    if (!tag) return fail('ImageNotFound', 'Requested image not found');
    if (digest !== undefined && tag.digest !== digest)
      return fail('ImageTagDoesNotMatchDigest', 'Invalid request parameters: image tag and digest do not match');
    digest = tag.digest;
  }
  const image = await images.get(repo.uid, digest!);
  if (!image) return fail('ImageNotFound', 'Requested image not found');
  return { image, tag: id.imageTag };
}
