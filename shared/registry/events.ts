/** The ECR-shaped events the registry publishes ("ECR Image Action"). */
import type { Deps } from '../deps.ts';
import { ecrEvent } from '../events/publisher.ts';
import { repositoryArn } from './common.ts';

function imageAction(deps: Deps, action: 'PUSH' | 'DELETE', repositoryName: string, digest: string, tag?: string, result = 'SUCCESS') {
  const { registryId, region } = deps.config;
  return ecrEvent(
    'ECR Image Action',
    registryId,
    region,
    {
      result,
      'repository-name': repositoryName,
      'image-digest': digest,
      'action-type': action,
      ...(tag !== undefined ? { 'image-tag': tag } : {}),
    },
    [repositoryArn(deps.config, repositoryName)],
    deps.now(),
  );
}

/** The event of a pushed image (one per tag pushed, or one untagged). */
export const imagePushedEvent = (deps: Deps, repositoryName: string, digest: string, tag?: string) => imageAction(deps, 'PUSH', repositoryName, digest, tag);
/** The event of a deleted image or tag. */
export const imageDeletedEvent = (deps: Deps, repositoryName: string, digest: string, tag?: string) => imageAction(deps, 'DELETE', repositoryName, digest, tag);
