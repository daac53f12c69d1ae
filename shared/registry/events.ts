/** The ECR-shaped events the registry publishes ("ECR Image Action"). */
import type { CallContext } from '../protocol/ecr-handler.ts';
import { ecrEvent } from '../events/publisher.ts';
import { repositoryArn } from './common.ts';

function imageAction(call: CallContext, action: 'PUSH' | 'DELETE', repositoryName: string, digest: string, tag?: string, result = 'SUCCESS') {
  const { registryId, region } = call.deps.config;
  return ecrEvent('ECR Image Action', registryId, region, {
    result,
    'repository-name': repositoryName,
    'image-digest': digest,
    'action-type': action,
    ...(tag !== undefined ? { 'image-tag': tag } : {}),
  }, [repositoryArn(call, repositoryName)], call.deps.now());
}

/** The event of a pushed image (one per tag pushed, or one untagged). */
export const imagePushedEvent = (call: CallContext, repositoryName: string, digest: string, tag?: string) => imageAction(call, 'PUSH', repositoryName, digest, tag);
/** The event of a deleted image or tag. */
export const imageDeletedEvent = (call: CallContext, repositoryName: string, digest: string, tag?: string) => imageAction(call, 'DELETE', repositoryName, digest, tag);
