/** Lambda of the repositories group: repositories, their settings, tags and policies. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/repositories.json' with { type: 'json' };
import * as repositories from '../../shared/registry/repositories.ts';
import * as policies from '../../shared/registry/repository-policies.ts';
import { createRepositoryOrReplica } from '../../shared/replication/create-destination.ts';

export const operations = {
  CreateRepository: createRepositoryOrReplica,
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

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, events. */
export const parts: DepsParts = { stores: dynamoStores, events: eventBridgeEvents };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
