/**
 * Scanning configuration operations: BatchGetRepositoryScanningConfiguration, Get/PutRegistryScanningConfiguration
 * and Get/PutAccountSetting (BASIC_SCAN_TYPE_VERSION).
 */
import type { CallContext } from '../protocol/ecr-handler.ts';
import { InvalidParameterException, ValidationException } from '../errors.ts';
import { checkRegistryId, repositoryArn } from '../registry/common.ts';
import type { RegistryScanningConfiguration, ScanningRule } from '../store/scans.ts';
import { DEFAULT_CONFIGURATION, effectiveScanning } from './rules.ts';

/** The registry's scanning configuration, or the default (BASIC, no rules) when none was put. */
export async function registryConfiguration(call: Pick<CallContext, 'deps'>): Promise<RegistryScanningConfiguration> {
  return (await call.deps.scans.getConfiguration()) ?? DEFAULT_CONFIGURATION;
}

/** BatchGetRepositoryScanningConfiguration: each repository's effective scanning; missing ones as failures. */
export async function batchGetRepositoryScanningConfiguration(input: any, call: CallContext) {
  const configuration = await registryConfiguration(call);
  const scanningConfigurations = [];
  const failures = [];
  for (const name of [...new Set<string>(input.repositoryNames)]) {
    const repo = await call.deps.repositories.get(name);
    if (!repo) {
      failures.push({ repositoryName: name, failureCode: 'REPOSITORY_NOT_FOUND', failureReason: `The repository with name '${name}' does not exist in the registry with id '${call.deps.config.registryId}'` });
      continue;
    }
    const effective = effectiveScanning(configuration, repo);
    scanningConfigurations.push({
      repositoryArn: repositoryArn(call, repo.name),
      repositoryName: repo.name,
      scanOnPush: effective.scanOnPush,
      scanFrequency: effective.scanFrequency,
      appliedScanFilters: effective.appliedScanFilters,
    });
  }
  return { scanningConfigurations, failures };
}

/** GetRegistryScanningConfiguration. */
export async function getRegistryScanningConfiguration(_input: any, call: CallContext) {
  const registryId = checkRegistryId(call, undefined);
  return { registryId, scanningConfiguration: await registryConfiguration(call) };
}

/** PutRegistryScanningConfiguration: BASIC allows SCAN_ON_PUSH and MANUAL rules, ENHANCED SCAN_ON_PUSH and CONTINUOUS_SCAN. */
export async function putRegistryScanningConfiguration(input: any, call: CallContext) {
  const current = await registryConfiguration(call);
  const scanType = input.scanType ?? current.scanType;
  const rules: ScanningRule[] = (input.rules ?? []).map((r: any) => ({ scanFrequency: r.scanFrequency, repositoryFilters: r.repositoryFilters.map((f: any) => ({ filter: f.filter, filterType: f.filterType })) }));
  const allowed = scanType === 'BASIC' ? ['SCAN_ON_PUSH', 'MANUAL'] : ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'];
  for (const rule of rules) {
    if (!allowed.includes(rule.scanFrequency)) {
      throw new InvalidParameterException(`Invalid parameter at 'rules' failed to satisfy constraint: 'scanFrequency ${rule.scanFrequency} is not supported for scan type ${scanType}; use ${allowed.join(' or ')}'`);
    }
    if (!rule.repositoryFilters.length) throw new InvalidParameterException("Invalid parameter at 'repositoryFilters' failed to satisfy constraint: 'a rule needs at least one repository filter'");
  }
  if (new Set(rules.map((r) => r.scanFrequency)).size !== rules.length) {
    throw new InvalidParameterException("Invalid parameter at 'rules' failed to satisfy constraint: 'each scan frequency may appear in one rule only'");
  }
  const configuration = { scanType, rules };
  await call.deps.scans.putConfiguration(configuration);
  return { registryScanningConfiguration: configuration };
}

/** The account settings this registry knows, their allowed values and defaults. */
const ACCOUNT_SETTINGS: Record<string, { values: string[]; default: string; hint?: Record<string, string> }> = {
  BASIC_SCAN_TYPE_VERSION: { values: ['AWS_NATIVE'], default: 'AWS_NATIVE', hint: { CLAIR: 'Clair-based basic scanning is retired; AWS_NATIVE is the only basic scan type version.' } },
};

function settingOf(name: string) {
  if (!Object.hasOwn(ACCOUNT_SETTINGS, name)) {
    throw new ValidationException(`1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must be one of the account settings this registry supports: [${Object.keys(ACCOUNT_SETTINGS).join(', ')}]`);
  }
  return ACCOUNT_SETTINGS[name];
}

/** GetAccountSetting: the stored value, or the default. */
export async function getAccountSetting(input: any, call: CallContext) {
  const setting = settingOf(input.name);
  return { name: input.name, value: (await call.deps.scans.getSetting(input.name)) ?? setting.default };
}

/** PutAccountSetting: stores a valid value. */
export async function putAccountSetting(input: any, call: CallContext) {
  const setting = settingOf(input.name);
  if (!setting.values.includes(input.value)) {
    throw new ValidationException(setting.hint?.[input.value] ?? `1 validation error detected: Value '${input.value}' at 'value' failed to satisfy constraint: Member must satisfy enum value set: [${setting.values.join(', ')}]`);
  }
  await call.deps.scans.putSetting(input.name, input.value);
  return { name: input.name, value: input.value };
}
