/**
 * The replication configuration: PutReplicationConfiguration (validated as ECR validates it; the model checks the
 * members, lengths and the 25 rules / 100 destinations / 100 filters limits first), and
 * which destinations a pushed image's repository replicates to.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { InvalidParameterException } from '../errors.ts';
import type { PutReplicationConfigurationInput } from '../model/types.ts';
import { authorize } from './common.ts';
import type { ReplicationConfiguration } from '../store/registry.ts';

/** A replication destination: another registry. */
export type Destination = { region: string; registryId: string };

/** PutReplicationConfiguration: replaces the registry's rules; a destination that is this very registry is refused as ECR refuses it. */
export async function putReplicationConfiguration(deps: Deps, actor: Actor, input: PutReplicationConfigurationInput) {
  await authorize(deps, actor, 'ecr:PutReplicationConfiguration', ANY_RESOURCE);
  const { region, registryId } = deps.config;
  const configuration: ReplicationConfiguration = {
    rules: input.replicationConfiguration.rules.map((rule) => ({
      destinations: rule.destinations.map((d) => ({ region: d.region, registryId: d.registryId })),
      ...(rule.repositoryFilters ? { repositoryFilters: rule.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })) } : {}),
    })),
  };
  for (const rule of configuration.rules) {
    for (const d of rule.destinations) {
      if (d.region === region && d.registryId === registryId) {
        throw new InvalidParameterException(
          "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'Replication destination cannot be the same as the source registry'",
        );
      }
    }
  }
  await deps.registry.putReplicationConfiguration(configuration);
  return { replicationConfiguration: configuration as PutReplicationConfigurationInput['replicationConfiguration'] };
}

/** Whether a rule's filters take a repository: no filters take every repository; PREFIX_MATCH is a plain name prefix, as in ECR. */
export function ruleMatches(rule: ReplicationConfiguration['rules'][number], repositoryName: string): boolean {
  if (!rule.repositoryFilters?.length) return true;
  return rule.repositoryFilters.some((f) => f.filterType === 'PREFIX_MATCH' && repositoryName.startsWith(f.filter));
}

/** The destinations an image pushed into `repositoryName` replicates to: every matching rule's, each once, in rule order. */
export function destinationsFor(configuration: ReplicationConfiguration | undefined, repositoryName: string): Destination[] {
  const seen = new Map<string, Destination>();
  for (const rule of configuration?.rules ?? []) {
    if (!ruleMatches(rule, repositoryName)) continue;
    for (const d of rule.destinations) seen.set(`${d.region}#${d.registryId}`, { region: d.region, registryId: d.registryId });
  }
  return [...seen.values()];
}
