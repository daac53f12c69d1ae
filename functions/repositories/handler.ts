/** Lambda of the repositories group: repositories, their settings, tags and policies. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import * as repositories from '../../shared/registry/repositories.ts';
import * as policies from '../../shared/registry/repository-policies.ts';

export const operations = {
  CreateRepository: repositories.createRepository,
  DescribeRepositories: repositories.describeRepositories,
  DeleteRepository: repositories.deleteRepository,
  PutImageTagMutability: repositories.putImageTagMutability,
  PutImageScanningConfiguration: repositories.putImageScanningConfiguration,
  TagResource: repositories.tagResource,
  UntagResource: repositories.untagResource,
  ListTagsForResource: repositories.listTagsForResource,
  SetRepositoryPolicy: policies.setRepositoryPolicy,
  GetRepositoryPolicy: policies.getRepositoryPolicy,
  DeleteRepositoryPolicy: policies.deleteRepositoryPolicy,
} satisfies ModelOperations;

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
