/** Repository policies: stored on the repository after validation as IAM policy JSON. */
import type { CallContext } from '../protocol/ecr-handler.ts';
import { RepositoryPolicyNotFoundException } from '../errors.ts';
import { checkRegistryId, repositoryNotFound, requireRepository } from './common.ts';
import { validateRepositoryPolicy } from './policy.ts';

/** SetRepositoryPolicy: validates and stores the policy text exactly as given. */
export async function setRepositoryPolicy(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  validateRepositoryPolicy(input.policyText);
  if (!(await call.deps.repositories.update(repo.name, repo.uid, { policyText: input.policyText }))) throw repositoryNotFound(call, repo.name);
  return { registryId, repositoryName: repo.name, policyText: input.policyText };
}

/** GetRepositoryPolicy: the stored policy, or RepositoryPolicyNotFoundException. */
export async function getRepositoryPolicy(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  if (repo.policyText === undefined) throw policyNotFound(call, repo.name);
  return { registryId, repositoryName: repo.name, policyText: repo.policyText };
}

/** DeleteRepositoryPolicy: removes the policy and returns what it was. */
export async function deleteRepositoryPolicy(input: any, call: CallContext) {
  const registryId = checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  if (repo.policyText === undefined) throw policyNotFound(call, repo.name);
  if (!(await call.deps.repositories.update(repo.name, repo.uid, {}, ['policyText']))) throw repositoryNotFound(call, repo.name);
  return { registryId, repositoryName: repo.name, policyText: repo.policyText };
}

function policyNotFound(call: CallContext, name: string) {
  return new RepositoryPolicyNotFoundException(`Repository policy does not exist for the repository with name '${name}' in the registry with id '${call.deps.config.registryId}'`);
}
