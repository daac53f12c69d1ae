/** PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy. A new policy is applied at once (a run starts). */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { DeleteLifecyclePolicyInput, GetLifecyclePolicyInput, PutLifecyclePolicyInput } from '../model/types.ts';
import { openRepository } from '../registry/common.ts';
import { parsePolicy } from './policy.ts';
import { policyNotFound } from './preview.ts';
import { requestLifecycleRun } from './runs.ts';

/** PutLifecyclePolicy: validates and stores the policy, then starts (or queues) a run applying it. */
export async function putLifecyclePolicy(deps: Deps, actor: Actor, input: PutLifecyclePolicyInput) {
  const repo = await openRepository(deps, actor, 'ecr:PutLifecyclePolicy', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  parsePolicy(input.lifecyclePolicyText);
  const stored = await deps.lifecycle.putPolicy(repo.uid, repo.name, input.lifecyclePolicyText, deps.now().getTime());
  try {
    await requestLifecycleRun(deps, repo.name, 'POLICY_CHANGE');
  } catch (e) {
    // The policy is stored; the daily schedule and the next push will apply it.
    console.error(
      JSON.stringify({ level: 'error', requestId: actor.via.requestId, message: 'lifecycle run failed to start', repositoryName: repo.name, error: String(e) }),
    );
  }
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: stored.policyText };
}

/** GetLifecyclePolicy: the policy text and when it was last evaluated. */
export async function getLifecyclePolicy(deps: Deps, actor: Actor, input: GetLifecyclePolicyInput) {
  const repo = await openRepository(deps, actor, 'ecr:GetLifecyclePolicy', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const policy = await deps.lifecycle.getPolicy(repo.uid);
  if (!policy) throw policyNotFound(deps, repo.name);
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: policy.policyText, ...evaluated(policy.lastEvaluatedAt) };
}

/** DeleteLifecyclePolicy: removes the policy (a run in progress stops applying it) and returns what it was. */
export async function deleteLifecyclePolicy(deps: Deps, actor: Actor, input: DeleteLifecyclePolicyInput) {
  const repo = await openRepository(deps, actor, 'ecr:DeleteLifecyclePolicy', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const policy = await deps.lifecycle.deletePolicy(repo.uid);
  if (!policy) throw policyNotFound(deps, repo.name);
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: policy.policyText, ...evaluated(policy.lastEvaluatedAt) };
}

const evaluated = (at: number | undefined) => (at !== undefined ? { lastEvaluatedAt: new Date(at) } : {});
