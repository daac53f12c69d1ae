/**
 * Scanning configuration operations: BatchGetRepositoryScanningConfiguration and Get/PutRegistryScanningConfiguration
 * (the account settings are shared/registry/account-settings.ts).
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type {
  BatchGetRepositoryScanningConfigurationInput,
  GetRegistryScanningConfigurationInput,
  PutRegistryScanningConfigurationInput,
} from '../model/types.ts';
import { invalidParameter } from '../errors.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { authorize, checkRegistryId, repositoryArn } from '../registry/common.ts';
import type { RegistryScanningConfiguration, ScanningRule } from '../store/scans.ts';
import { DEFAULT_CONFIGURATION, effectiveScanning } from './rules.ts';

/** The registry's scanning configuration, or the default (BASIC, no rules) when none was put. */
export async function registryConfiguration(deps: Pick<Deps, 'scans'>): Promise<RegistryScanningConfiguration> {
  return (await deps.scans.getConfiguration()) ?? DEFAULT_CONFIGURATION;
}

/** BatchGetRepositoryScanningConfiguration: each repository's effective scanning; missing ones as failures. */
export async function batchGetRepositoryScanningConfiguration(deps: Deps, actor: Actor, input: BatchGetRepositoryScanningConfigurationInput) {
  const configuration = await registryConfiguration(deps);
  const scanningConfigurations = [];
  const failures = [];
  for (const name of [...new Set<string>(input.repositoryNames)]) {
    await authorize(deps, actor, 'ecr:BatchGetRepositoryScanningConfiguration', repositoryArn(deps.config, name));
    const repo = await deps.repositories.get(name);
    if (!repo) {
      failures.push({
        repositoryName: name,
        failureCode: 'REPOSITORY_NOT_FOUND' as const,
        failureReason: `The repository with name '${name}' does not exist in the registry with id '${deps.config.registryId}'`,
      });
      continue;
    }
    const effective = effectiveScanning(configuration, repo);
    scanningConfigurations.push({
      repositoryArn: repositoryArn(deps.config, repo.name),
      repositoryName: repo.name,
      scanOnPush: effective.scanOnPush,
      scanFrequency: effective.scanFrequency,
      appliedScanFilters: effective.appliedScanFilters,
    });
  }
  return { scanningConfigurations, failures };
}

/** GetRegistryScanningConfiguration. */
export async function getRegistryScanningConfiguration(deps: Deps, actor: Actor, _input: GetRegistryScanningConfigurationInput) {
  await authorize(deps, actor, 'ecr:GetRegistryScanningConfiguration', ANY_RESOURCE);
  const registryId = checkRegistryId(deps, undefined);
  return { registryId, scanningConfiguration: await registryConfiguration(deps) };
}

/** PutRegistryScanningConfiguration: BASIC allows SCAN_ON_PUSH and MANUAL rules, ENHANCED SCAN_ON_PUSH and CONTINUOUS_SCAN. */
export async function putRegistryScanningConfiguration(deps: Deps, actor: Actor, input: PutRegistryScanningConfigurationInput) {
  await authorize(deps, actor, 'ecr:PutRegistryScanningConfiguration', ANY_RESOURCE);
  const current = await registryConfiguration(deps);
  const scanType = input.scanType ?? current.scanType;
  const rules: ScanningRule[] = (input.rules ?? []).map((r: any) => ({
    scanFrequency: r.scanFrequency,
    repositoryFilters: r.repositoryFilters.map((f: any) => ({ filter: f.filter, filterType: f.filterType })),
  }));
  const allowed = scanType === 'BASIC' ? ['SCAN_ON_PUSH', 'MANUAL'] : ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'];
  for (const rule of rules) {
    if (!allowed.includes(rule.scanFrequency)) {
      throw invalidParameter('rules', `scanFrequency ${rule.scanFrequency} is not supported for scan type ${scanType}; use ${allowed.join(' or ')}`);
    }
    if (!rule.repositoryFilters.length) throw invalidParameter('repositoryFilters', 'a rule needs at least one repository filter');
  }
  if (new Set(rules.map((r) => r.scanFrequency)).size !== rules.length) {
    throw invalidParameter('rules', 'each scan frequency may appear in one rule only');
  }
  const configuration = { scanType, rules };
  await deps.scans.putConfiguration(configuration);
  return { registryScanningConfiguration: configuration };
}
