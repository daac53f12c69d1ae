/**
 * The registry itself: DescribeRegistry and the registry policy (Put/Get/DeleteRegistryPolicy). The registry policy is
 * a resource policy of the registry's account that takes part in every decision on a repository of the registry
 * (shared/iam/authorizer.ts), as ECR's V2 registry policy scope has it.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { RegistryPolicyNotFoundException } from '../errors.ts';
import type {
  DeleteRegistryPolicyInput,
  DescribeRegistryInput,
  DescribeRegistryOutput,
  GetRegistryPolicyInput,
  PutRegistryPolicyInput,
} from '../model/types.ts';
import { authorize } from './common.ts';
import { validateRegistryPolicy } from './policy.ts';

/** DescribeRegistry: the registry id and its replication configuration (no rules until PutReplicationConfiguration). */
export async function describeRegistry(deps: Deps, actor: Actor, _input: DescribeRegistryInput) {
  await authorize(deps, actor, 'ecr:DescribeRegistry', ANY_RESOURCE);
  const configuration = (await deps.registry.getReplicationConfiguration()) ?? { rules: [] };
  return { registryId: deps.config.registryId, replicationConfiguration: configuration as DescribeRegistryOutput['replicationConfiguration'] };
}

/** PutRegistryPolicy: validates the policy as ECR does and stores its text exactly as given. */
export async function putRegistryPolicy(deps: Deps, actor: Actor, input: PutRegistryPolicyInput) {
  await authorize(deps, actor, 'ecr:PutRegistryPolicy', ANY_RESOURCE);
  validateRegistryPolicy(input.policyText);
  await deps.registry.putPolicy(input.policyText);
  return { registryId: deps.config.registryId, policyText: input.policyText };
}

/** GetRegistryPolicy: the stored policy, or RegistryPolicyNotFoundException. */
export async function getRegistryPolicy(deps: Deps, actor: Actor, _input: GetRegistryPolicyInput) {
  await authorize(deps, actor, 'ecr:GetRegistryPolicy', ANY_RESOURCE);
  const policyText = await deps.registry.getPolicy();
  if (policyText === undefined) throw policyNotFound(deps);
  return { registryId: deps.config.registryId, policyText };
}

/** DeleteRegistryPolicy: removes the policy and returns what it was, or RegistryPolicyNotFoundException. */
export async function deleteRegistryPolicy(deps: Deps, actor: Actor, _input: DeleteRegistryPolicyInput) {
  await authorize(deps, actor, 'ecr:DeleteRegistryPolicy', ANY_RESOURCE);
  const policyText = await deps.registry.deletePolicy();
  if (policyText === undefined) throw policyNotFound(deps);
  return { registryId: deps.config.registryId, policyText };
}

function policyNotFound(deps: Deps) {
  return new RegistryPolicyNotFoundException(`Registry policy does not exist in the registry with id '${deps.config.registryId}'`);
}
