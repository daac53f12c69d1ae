/** Lambda of the lifecycle group: lifecycle policies and their previews. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/lifecycle.json' with { type: 'json' };
import { deleteLifecyclePolicy, getLifecyclePolicy, putLifecyclePolicy } from '../../shared/lifecycle/policies.ts';
import { getLifecyclePolicyPreview, startLifecyclePolicyPreview } from '../../shared/lifecycle/preview.ts';

export const operations = {
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
  GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
} satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, jobs. */
export const parts: DepsParts = { stores: dynamoStores, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
