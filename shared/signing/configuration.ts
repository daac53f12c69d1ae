/**
 * The signing configuration: PutSigningConfiguration, GetSigningConfiguration, DeleteSigningConfiguration (the model
 * checks the members first: at most 10 rules, each a signing profile ARN and 1 to 100 WILDCARD_MATCH filters), and
 * which signing profiles apply to an image pushed into a repository.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { SigningConfigurationNotFoundException } from '../errors.ts';
import type {
  DeleteSigningConfigurationInput,
  DeleteSigningConfigurationOutput,
  GetSigningConfigurationInput,
  GetSigningConfigurationOutput,
  PutSigningConfigurationInput,
  PutSigningConfigurationOutput,
} from '../model/types.ts';
import { authorize } from '../registry/common.ts';
import type { SigningConfiguration } from '../store/registry.ts';

type WireConfiguration = NonNullable<GetSigningConfigurationOutput['signingConfiguration']>;

/** PutSigningConfiguration: replaces the registry's signing rules (an empty list signs nothing) and answers them. */
export async function putSigningConfiguration(deps: Deps, actor: Actor, input: PutSigningConfigurationInput): Promise<PutSigningConfigurationOutput> {
  await authorize(deps, actor, 'ecr:PutSigningConfiguration', ANY_RESOURCE);
  const configuration: SigningConfiguration = {
    rules: input.signingConfiguration.rules.map((rule) => ({
      signingProfileArn: rule.signingProfileArn,
      ...(rule.repositoryFilters ? { repositoryFilters: rule.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })) } : {}),
    })),
  };
  await deps.registry.putSigningConfiguration(configuration);
  return { signingConfiguration: configuration as WireConfiguration };
}

/** GetSigningConfiguration: the rules as put, or SigningConfigurationNotFoundException. */
export async function getSigningConfiguration(deps: Deps, actor: Actor, _input: GetSigningConfigurationInput): Promise<GetSigningConfigurationOutput> {
  await authorize(deps, actor, 'ecr:GetSigningConfiguration', ANY_RESOURCE);
  const configuration = await deps.registry.getSigningConfiguration();
  if (!configuration) throw notFound(deps);
  return { registryId: deps.config.registryId, signingConfiguration: configuration as WireConfiguration };
}

/** DeleteSigningConfiguration: removes the rules and answers what they were (signatures made stay), or SigningConfigurationNotFoundException. */
export async function deleteSigningConfiguration(deps: Deps, actor: Actor, _input: DeleteSigningConfigurationInput): Promise<DeleteSigningConfigurationOutput> {
  await authorize(deps, actor, 'ecr:DeleteSigningConfiguration', ANY_RESOURCE);
  const configuration = await deps.registry.deleteSigningConfiguration();
  if (!configuration) throw notFound(deps);
  return { registryId: deps.config.registryId, signingConfiguration: configuration as WireConfiguration };
}

/** Whether a WILDCARD_MATCH filter takes a repository name: `*` stands for any run of characters (`/` included), the rest is literal. */
export function wildcardMatches(filter: string, repositoryName: string): boolean {
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(repositoryName);
}

/** Whether a rule applies to a repository: a rule without filters applies to every repository, else any of its filters must match. */
export function signingRuleMatches(rule: SigningConfiguration['rules'][number], repositoryName: string): boolean {
  if (!rule.repositoryFilters?.length) return true;
  return rule.repositoryFilters.some((f) => f.filterType === 'WILDCARD_MATCH' && wildcardMatches(f.filter, repositoryName));
}

/** The signing profiles an image pushed into `repositoryName` is signed with: every matching rule's, each once, in rule order. */
export function profilesFor(configuration: SigningConfiguration | undefined, repositoryName: string): string[] {
  const profiles = new Set<string>();
  for (const rule of configuration?.rules ?? []) if (signingRuleMatches(rule, repositoryName)) profiles.add(rule.signingProfileArn);
  return [...profiles];
}

function notFound(deps: Deps) {
  return new SigningConfigurationNotFoundException(`The signing configuration does not exist in the registry with id '${deps.config.registryId}'`);
}
