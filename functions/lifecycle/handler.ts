/** Lambda of the lifecycle group: lifecycle policies and their previews. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import { deleteLifecyclePolicy, getLifecyclePolicy, putLifecyclePolicy } from '../../shared/lifecycle/policies.ts';
import { getLifecyclePolicyPreview, startLifecyclePolicyPreview } from '../../shared/lifecycle/preview.ts';

export const operations = {
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
  GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
} satisfies ModelOperations;

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
