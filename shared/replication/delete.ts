/**
 * REPLICATION_SYNC_DELETES (beyond ECR; users ask ECR for it in aws/containers-roadmap#2006): a deletion at the source
 * replayed at a destination through its BatchDeleteImage, which the destination decides as `ecr:BatchDeleteImage`
 * (not `ecr:ReplicateImage`: a peer may delete only where it is explicitly allowed to).
 */
import type { Deps } from '../deps.ts';
import { destinationClient, type CopyRequest } from './copy.ts';
import { DestinationError, failureOf, ReplicationFailure } from './destination.ts';

/** The failure code of BatchDeleteImage meaning there is nothing (left) to delete. */
const NOTHING_TO_DELETE = new Set(['ImageNotFound']);

/**
 * Deletes the image (by digest) or the tag (by tag, as the source removed it: the image goes with its last tag) at the
 * destination; what is already gone counts as deleted. Throws ReplicationFailure like a copy.
 */
export async function deleteAtDestination(deps: Deps, request: CopyRequest): Promise<{ deleted: number }> {
  const client = await destinationClient(deps, request.destination);
  // A removed tag is removed by tag alone (with its digest too, BatchDeleteImage would delete the whole image).
  const imageId = request.tag !== undefined ? { imageTag: request.tag } : { imageDigest: request.digest };
  try {
    const out = await client.call('BatchDeleteImage', { repositoryName: request.repositoryName, imageIds: [imageId] });
    const failure = (out.failures ?? []).find((f: { failureCode?: string }) => !NOTHING_TO_DELETE.has(f.failureCode ?? ''));
    if (failure)
      throw new ReplicationFailure('COPY_REFUSED', `the destination did not delete ${request.digest}: ${failure.failureCode}: ${failure.failureReason}`);
    return { deleted: out.imageIds?.length ?? 0 };
  } catch (e) {
    if (e instanceof DestinationError && e.type === 'RepositoryNotFoundException') return { deleted: 0 };
    throw failureOf(e);
  }
}
