/** Small pieces every registry operation shares: the registry id check, repository lookup, ARNs, URIs. */
import type { CallContext } from '../protocol/ecr-handler.ts';
import { InvalidParameterException, RepositoryNotFoundException } from '../errors.ts';
import type { RepositoryRecord } from '../store/types.ts';

/** Throws unless `registryId` is absent or names this registry. */
export function checkRegistryId(call: CallContext, registryId: string | undefined): string {
  const own = call.deps.config.registryId;
  if (registryId !== undefined && registryId !== own) {
    throw new InvalidParameterException(`Invalid parameter at 'registryId' failed to satisfy constraint: 'must be the id of this registry (${own})'`);
  }
  return own;
}

/** The repository, or RepositoryNotFoundException worded as ECR words it. */
export async function requireRepository(call: CallContext, name: string): Promise<RepositoryRecord> {
  const repo = await call.deps.repositories.get(name);
  if (!repo) throw repositoryNotFound(call, name);
  return repo;
}

export function repositoryNotFound(call: CallContext, name: string) {
  return new RepositoryNotFoundException(`The repository with name '${name}' does not exist in the registry with id '${call.deps.config.registryId}'`);
}

export function repositoryArn(call: CallContext, name: string): string {
  const { region, registryId } = call.deps.config;
  return `arn:aws:ecr:${region}:${registryId}:repository/${name}`;
}

/** The repository name in a repository ARN of this registry, or undefined. */
export function repositoryNameFromArn(call: CallContext, arn: string): string | undefined {
  const { region, registryId } = call.deps.config;
  const prefix = `arn:aws:ecr:${region}:${registryId}:repository/`;
  return arn.startsWith(prefix) && arn.length > prefix.length ? arn.slice(prefix.length) : undefined;
}

export function repositoryUri(call: CallContext, name: string): string {
  return `${call.host}/${name}`;
}

/** The Repository structure of the ECR API. */
export function repositoryView(call: CallContext, repo: RepositoryRecord) {
  return {
    repositoryArn: repositoryArn(call, repo.name),
    registryId: call.deps.config.registryId,
    repositoryName: repo.name,
    repositoryUri: repositoryUri(call, repo.name),
    createdAt: new Date(repo.createdAt),
    imageTagMutability: repo.imageTagMutability,
    ...(repo.imageTagMutabilityExclusionFilters?.length ? { imageTagMutabilityExclusionFilters: repo.imageTagMutabilityExclusionFilters } : {}),
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: { encryptionType: repo.encryptionType, ...(repo.kmsKey ? { kmsKey: repo.kmsKey } : {}) },
  };
}
