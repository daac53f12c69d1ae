/**
 * DescribeImageSigningStatus: one entry per signing profile that applied to the image's push, as the signing job
 * records it (./job.ts): IN_PROGRESS, COMPLETE, or FAILED with its failureCode and failureReason.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ImageNotFoundException } from '../errors.ts';
import type { DescribeImageSigningStatusInput, DescribeImageSigningStatusOutput } from '../model/types.ts';
import { openRepository } from '../registry/common.ts';
import { resolveImageId } from '../registry/image-ids.ts';

/** The image's signing statuses, ordered by profile ARN; ImageNotFoundException worded as DescribeImages words it when the image is not there. */
export async function describeImageSigningStatus(deps: Deps, actor: Actor, input: DescribeImageSigningStatusInput): Promise<DescribeImageSigningStatusOutput> {
  const repo = await openRepository(deps, actor, 'ecr:DescribeImageSigningStatus', input.repositoryName, input.registryId);
  const id = input.imageId;
  const resolved = await resolveImageId(deps, repo, id);
  if ('failure' in resolved) {
    throw new ImageNotFoundException(
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${deps.config.registryId}'`,
    );
  }
  const statuses = await deps.registry.signingStatuses(repo.uid, resolved.image.digest);
  return {
    repositoryName: repo.name,
    imageId: { imageDigest: resolved.image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
    registryId: deps.config.registryId,
    signingStatuses: statuses.map((s) => ({
      signingProfileArn: s.signingProfileArn,
      status: s.status,
      ...(s.status === 'FAILED' && s.failureCode !== undefined ? { failureCode: s.failureCode } : {}),
      ...(s.status === 'FAILED' && s.failureReason !== undefined ? { failureReason: s.failureReason } : {}),
    })),
  };
}
