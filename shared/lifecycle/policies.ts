/** PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy. A new policy is applied at once (a run starts). */
import type { CallContext } from '../protocol/ecr-handler.ts';
import { checkRegistryId, requireRepository } from '../registry/common.ts';
import { parsePolicy } from './policy.ts';
import { policyNotFound } from './preview.ts';
import { requestLifecycleRun } from './runs.ts';

/** PutLifecyclePolicy: validates and stores the policy, then starts (or queues) a run applying it. */
export async function putLifecyclePolicy(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  parsePolicy(input.lifecyclePolicyText);
  const stored = await call.deps.lifecycle.putPolicy(repo.uid, repo.name, input.lifecyclePolicyText, call.deps.now().getTime());
  try {
    await requestLifecycleRun(call.deps, repo.name, 'POLICY_CHANGE');
  } catch (e) {
    // The policy is stored; the daily schedule and the next push will apply it.
    console.error(JSON.stringify({ level: 'error', requestId: call.requestId, message: 'lifecycle run failed to start', repositoryName: repo.name, error: String(e) }));
  }
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: stored.policyText };
}

/** GetLifecyclePolicy: the policy text and when it was last evaluated. */
export async function getLifecyclePolicy(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const policy = await call.deps.lifecycle.getPolicy(repo.uid);
  if (!policy) throw policyNotFound(call, repo.name);
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: policy.policyText, ...evaluated(policy.lastEvaluatedAt) };
}

/** DeleteLifecyclePolicy: removes the policy (a run in progress stops applying it) and returns what it was. */
export async function deleteLifecyclePolicy(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const policy = await call.deps.lifecycle.deletePolicy(repo.uid);
  if (!policy) throw policyNotFound(call, repo.name);
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: policy.policyText, ...evaluated(policy.lastEvaluatedAt) };
}

const evaluated = (at: number | undefined) => (at !== undefined ? { lastEvaluatedAt: new Date(at) } : {});
