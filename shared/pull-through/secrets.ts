/**
 * The credentials pull through cache rules name (`credentialArn`), as the contract has them: a Secrets Manager
 * secret whose value is JSON `{"username", "accessToken"}`; locally, REGISTRY_SECRETS_FILE holds the same secrets by
 * ARN (`{"secrets": {"<arn>": {"username", "accessToken"}}}`). Secrets Manager is reached with the project's own
 * SigV4 call (shared/secrets/aws-json.ts), loaded only when a secret is first read there.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { SecretNotFoundException, UnableToAccessSecretException, UnableToDecryptSecretValueException } from '../errors.ts';

/** A secret's value: what upstream authentication needs (either member may be missing from a malformed secret). */
export type UpstreamCredential = { username?: string; accessToken?: string };

export interface UpstreamSecrets {
  /** The secret's value; SecretNotFoundException, UnableToAccessSecretException or UnableToDecryptSecretValueException when it cannot be read. */
  read(arn: string): Promise<UpstreamCredential>;
}

/** How long a secret read from Secrets Manager is used before it is read again. */
export const SECRET_TTL_MS = 60_000;

/** The secrets source the configuration names: REGISTRY_SECRETS_FILE, else Secrets Manager. */
export function upstreamSecretsOf(config: Pick<Config, 'secretsFile'>, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): UpstreamSecrets {
  return config.secretsFile ? fileSecrets(config.secretsFile) : secretsManager(env, now);
}

/** The secrets of a file, read at each call (a test or an operator may change it while the registry runs). */
export function fileSecrets(file: string): UpstreamSecrets {
  return {
    async read(arn) {
      let doc: { secrets?: Record<string, unknown> };
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new UnableToAccessSecretException(`The secrets file REGISTRY_SECRETS_FILE could not be read: ${(e as Error).message}`);
      }
      const value = doc?.secrets?.[arn];
      if (value === undefined) throw secretNotFound(arn);
      if (typeof value !== 'object' || value === null) throw new UnableToDecryptSecretValueException(`The secret '${arn}' is not a JSON object`);
      return credentialOf(value as Record<string, unknown>);
    },
  };
}

/** Secrets Manager's GetSecretValue, each value kept for SECRET_TTL_MS. */
function secretsManager(env: NodeJS.ProcessEnv, now: () => number): UpstreamSecrets {
  const cache = new Map<string, { at: number; value: UpstreamCredential }>();
  return {
    async read(arn) {
      const hit = cache.get(arn);
      if (hit && now() - hit.at < SECRET_TTL_MS) return hit.value;
      const { callAwsJson, AwsCallError } = await import('../secrets/aws-json.ts');
      let out: Record<string, any>;
      try {
        out = await callAwsJson(env, {
          service: 'secretsmanager',
          target: 'secretsmanager.GetSecretValue',
          input: { SecretId: arn },
          endpoint: env.SECRETS_MANAGER_ENDPOINT || undefined,
          what: `secret ${arn}`,
        });
      } catch (e) {
        if (!(e instanceof AwsCallError)) throw new UnableToAccessSecretException(`The secret '${arn}' could not be read: ${(e as Error).message}`);
        if (e.type === 'ResourceNotFoundException') throw secretNotFound(arn);
        if (e.type === 'DecryptionFailure') throw new UnableToDecryptSecretValueException(`The secret '${arn}' could not be decrypted: ${e.message}`);
        throw new UnableToAccessSecretException(`The secret '${arn}' could not be read: ${e.message}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(out.SecretString ?? ''));
      } catch {
        throw new UnableToDecryptSecretValueException(`The secret '${arn}' does not hold JSON`);
      }
      if (typeof parsed !== 'object' || parsed === null) throw new UnableToDecryptSecretValueException(`The secret '${arn}' is not a JSON object`);
      const value = credentialOf(parsed as Record<string, unknown>);
      cache.set(arn, { at: now(), value });
      return value;
    },
  };
}

function credentialOf(v: Record<string, unknown>): UpstreamCredential {
  return {
    ...(typeof v.username === 'string' ? { username: v.username } : {}),
    ...(typeof v.accessToken === 'string' ? { accessToken: v.accessToken } : {}),
  };
}

function secretNotFound(arn: string) {
  return new SecretNotFoundException(`The specified secret '${arn}' could not be found.`);
}
