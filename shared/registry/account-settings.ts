/**
 * GetAccountSetting / PutAccountSetting: the registry's account settings, their values and defaults as ECR has them.
 * BASIC_SCAN_TYPE_VERSION (AWS_NATIVE), REGISTRY_POLICY_SCOPE (V2: the registry policy applies to every ECR action it
 * names; V1 is retired) and BLOB_MOUNTING (ENABLED / DISABLED, DISABLED until set: cross-repository mounts, which the
 * OCI upload POST honours through `blobMountingEnabled`). Stored as account setting items of the scan store.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { ValidationException } from '../errors.ts';
import type { GetAccountSettingInput, PutAccountSettingInput } from '../model/types.ts';
import { authorize } from './common.ts';

/** The account settings this registry knows, their allowed values and defaults (and what a retired value answers). */
const ACCOUNT_SETTINGS: Record<string, { values: string[]; default: string; hint?: Record<string, string> }> = {
  BASIC_SCAN_TYPE_VERSION: {
    values: ['AWS_NATIVE'],
    default: 'AWS_NATIVE',
    hint: { CLAIR: 'Clair-based basic scanning is retired; AWS_NATIVE is the only basic scan type version.' },
  },
  REGISTRY_POLICY_SCOPE: {
    values: ['V2'],
    default: 'V2',
    hint: { V1: 'Registry policy scope V1 is retired; V2, which applies the registry policy to every ECR action it names, is the only registry policy scope.' },
  },
  BLOB_MOUNTING: { values: ['ENABLED', 'DISABLED'], default: 'DISABLED' },
};

function settingOf(name: string) {
  if (!Object.hasOwn(ACCOUNT_SETTINGS, name)) {
    throw new ValidationException(
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must be one of the account settings this registry supports: [${Object.keys(ACCOUNT_SETTINGS).join(', ')}]`,
    );
  }
  return ACCOUNT_SETTINGS[name];
}

/** An account setting's value: the stored one, or its default. */
async function settingValue(deps: Pick<Deps, 'scans'>, name: string): Promise<string> {
  return (await deps.scans.getSetting(name)) ?? settingOf(name).default;
}

/** Whether cross-repository blob mounts are offered (BLOB_MOUNTING is ENABLED). */
export async function blobMountingEnabled(deps: Pick<Deps, 'scans'>): Promise<boolean> {
  return (await settingValue(deps, 'BLOB_MOUNTING')) === 'ENABLED';
}

/** GetAccountSetting: the stored value, or the default. */
export async function getAccountSetting(deps: Deps, actor: Actor, input: GetAccountSettingInput) {
  await authorize(deps, actor, 'ecr:GetAccountSetting', ANY_RESOURCE);
  settingOf(input.name);
  return { name: input.name, value: await settingValue(deps, input.name) };
}

/** PutAccountSetting: stores a valid value. */
export async function putAccountSetting(deps: Deps, actor: Actor, input: PutAccountSettingInput) {
  await authorize(deps, actor, 'ecr:PutAccountSetting', ANY_RESOURCE);
  const setting = settingOf(input.name);
  if (!setting.values.includes(input.value)) {
    throw new ValidationException(
      setting.hint?.[input.value] ??
        `1 validation error detected: Value '${input.value}' at 'value' failed to satisfy constraint: Member must satisfy enum value set: [${setting.values.join(', ')}]`,
    );
  }
  await deps.scans.putSetting(input.name, input.value);
  return { name: input.name, value: input.value };
}
