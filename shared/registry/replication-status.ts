/**
 * DescribeImageReplicationStatus: where each copy of an image stands, one entry per destination its push (or a later
 * one) replicated to, as the replication job records it (shared/replication/job.ts).
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ImageNotFoundException } from '../errors.ts';
import type { DescribeImageReplicationStatusInput, DescribeImageReplicationStatusOutput } from '../model/types.ts';
import { openRepository } from './common.ts';
import { resolveImageId } from './image-ids.ts';

/** The image's replication statuses; ImageNotFoundException worded as DescribeImages words it when the image is not there. */
export async function describeImageReplicationStatus(
  deps: Deps,
  actor: Actor,
  input: DescribeImageReplicationStatusInput,
): Promise<DescribeImageReplicationStatusOutput> {
  const repo = await openRepository(deps, actor, 'ecr:DescribeImageReplicationStatus', input.repositoryName, input.registryId);
  const id = input.imageId;
  const resolved = await resolveImageId(deps, repo, id);
  if ('failure' in resolved) {
    throw new ImageNotFoundException(
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${deps.config.registryId}'`,
    );
  }
  const statuses = await deps.registry.replicationStatuses(repo.uid, resolved.image.digest);
  return {
    repositoryName: repo.name,
    imageId: { imageDigest: resolved.image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
    replicationStatuses: statuses.map((s) => ({
      region: s.region,
      registryId: s.registryId,
      status: s.status,
      ...(s.failureCode !== undefined ? { failureCode: s.failureCode } : {}),
    })),
  };
}
