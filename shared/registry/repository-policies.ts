/** Repository policies: stored on the repository after validation as IAM policy JSON. */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { DeleteRepositoryPolicyInput, GetRepositoryPolicyInput, SetRepositoryPolicyInput } from '../model/types.ts';
import { RepositoryPolicyNotFoundException } from '../errors.ts';
import { openRepository, repositoryNotFound } from './common.ts';
import { validateRepositoryPolicy } from './policy.ts';

/** SetRepositoryPolicy: validates and stores the policy text exactly as given. */
export async function setRepositoryPolicy(deps: Deps, actor: Actor, input: SetRepositoryPolicyInput) {
  const repo = await openRepository(deps, actor, 'ecr:SetRepositoryPolicy', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  validateRepositoryPolicy(input.policyText);
  if (!(await deps.repositories.update(repo.name, repo.uid, { policyText: input.policyText }))) throw repositoryNotFound(deps, repo.name);
  return { registryId, repositoryName: repo.name, policyText: input.policyText };
}

/** GetRepositoryPolicy: the stored policy, or RepositoryPolicyNotFoundException. */
export async function getRepositoryPolicy(deps: Deps, actor: Actor, input: GetRepositoryPolicyInput) {
  const repo = await openRepository(deps, actor, 'ecr:GetRepositoryPolicy', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  if (repo.policyText === undefined) throw policyNotFound(deps, repo.name);
  return { registryId, repositoryName: repo.name, policyText: repo.policyText };
}

/** DeleteRepositoryPolicy: removes the policy and returns what it was. */
export async function deleteRepositoryPolicy(deps: Deps, actor: Actor, input: DeleteRepositoryPolicyInput) {
  const repo = await openRepository(deps, actor, 'ecr:DeleteRepositoryPolicy', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  if (repo.policyText === undefined) throw policyNotFound(deps, repo.name);
  if (!(await deps.repositories.update(repo.name, repo.uid, {}, ['policyText']))) throw repositoryNotFound(deps, repo.name);
  return { registryId, repositoryName: repo.name, policyText: repo.policyText };
}

function policyNotFound(deps: Deps, name: string) {
  return new RepositoryPolicyNotFoundException(
    `Repository policy does not exist for the repository with name '${name}' in the registry with id '${deps.config.registryId}'`,
  );
}
