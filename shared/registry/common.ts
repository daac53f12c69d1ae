/**
 * What every domain entry point shares: the registry id check, authorization, repository lookup, ARNs, URIs.
 * A repository entry point opens its repository with `openRepository`, which checks the registry id, asks the
 * one authorization hook for the action on the repository's ARN, then reads the repository.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { repositoryArn, type Facts } from '../domain/authorize.ts';
import { invalidParameter, RepositoryNotFoundException } from '../errors.ts';
import type { RepositoryRecord } from '../store/types.ts';

export { repositoryArn };

/** Throws unless `registryId` is absent or names this registry. */
export function checkRegistryId(deps: Deps, registryId: string | undefined): string {
  const own = deps.config.registryId;
  if (registryId !== undefined && registryId !== own) throw invalidParameter('registryId', `must be the id of this registry (${own})`);
  return own;
}

/** Asks the authorization hook whether `actor` may perform `action` on `resource`; throws AccessDeniedException when not. */
export function authorize(deps: Deps, actor: Actor, action: string, resource: string, facts?: Facts): Promise<void> {
  return deps.authorizer.authorize(actor, action, resource, facts);
}

/**
 * Checks the registry id, reads the repository, authorizes `action` on it (its policy and tags take part), and only
 * then says RepositoryNotFoundException when it is absent: a caller that may not act learns nothing of what exists.
 * `request` adds what the request itself brings to the decision (its tags).
 */
export async function openRepository(
  deps: Deps,
  actor: Actor,
  action: string,
  name: string,
  registryId?: string,
  request: Omit<Facts, 'repository'> = {},
): Promise<RepositoryRecord> {
  checkRegistryId(deps, registryId);
  const repo = await deps.repositories.get(name);
  await authorize(deps, actor, action, repositoryArn(deps.config, name), { ...request, repository: repo ?? null });
  if (!repo) throw repositoryNotFound(deps, name);
  return repo;
}

/** The repository, or RepositoryNotFoundException worded as ECR words it. */
export async function requireRepository(deps: Deps, name: string): Promise<RepositoryRecord> {
  const repo = await deps.repositories.get(name);
  if (!repo) throw repositoryNotFound(deps, name);
  return repo;
}

export function repositoryNotFound(deps: Deps, name: string) {
  return new RepositoryNotFoundException(`The repository with name '${name}' does not exist in the registry with id '${deps.config.registryId}'`);
}

/** The repository name in a repository ARN of this registry, or undefined. */
export function repositoryNameFromArn(deps: Deps, arn: string): string | undefined {
  const prefix = repositoryArn(deps.config, '');
  return arn.startsWith(prefix) && arn.length > prefix.length ? arn.slice(prefix.length) : undefined;
}

export function repositoryUri(actor: Actor, name: string): string {
  return `${actor.via.host}/${name}`;
}

/** The Repository structure of the ECR API. */
export function repositoryView(deps: Deps, actor: Actor, repo: RepositoryRecord) {
  return {
    repositoryArn: repositoryArn(deps.config, repo.name),
    registryId: deps.config.registryId,
    repositoryName: repo.name,
    repositoryUri: repositoryUri(actor, repo.name),
    createdAt: new Date(repo.createdAt),
    imageTagMutability: repo.imageTagMutability,
    ...(repo.imageTagMutabilityExclusionFilters?.length ? { imageTagMutabilityExclusionFilters: repo.imageTagMutabilityExclusionFilters } : {}),
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: { encryptionType: repo.encryptionType, ...(repo.kmsKey ? { kmsKey: repo.kmsKey } : {}) },
  };
}
