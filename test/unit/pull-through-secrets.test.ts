/**
 * The pull through cache credentials as the contract has them: REGISTRY_SECRETS_FILE by ARN locally, Secrets
 * Manager's GetSecretValue in AWS (a loopback endpoint that checks the SigV4 signature), each failure as the ECR
 * error CreatePullThroughCacheRule lists (SecretNotFoundException, UnableToAccessSecretException,
 * UnableToDecryptSecretValueException).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_TTL_MS, upstreamSecretsOf } from '../../shared/pull-through/secrets.ts';
import { startSecretsManagerEndpoint, type SsmEndpoint } from '../helpers/ssm-endpoint.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub';
const ROLE = { accessKeyId: 'AKIAROLE000000000001', secretAccessKey: 'role-secret' };
const values: Record<string, string> = { [ARN]: JSON.stringify({ username: 'u', accessToken: 't' }), [`${ARN}-text`]: 'not json' };
let endpoint: SsmEndpoint;
let dir: string;

beforeAll(async () => {
  endpoint = await startSecretsManagerEndpoint(values, ROLE);
  dir = mkdtempSync(join(tmpdir(), 'secr-ptc-secrets-'));
});
afterAll(async () => {
  await endpoint?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials from Secrets Manager', () => {
  const env = () => ({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ROLE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE.secretAccessKey,
    SECRETS_MANAGER_ENDPOINT: endpoint.endpoint,
  });

  it('reads the JSON secret with a signed GetSecretValue, once per SECRET_TTL_MS', async () => {
    let now = 1_000_000;
    const secrets = upstreamSecretsOf({}, env(), () => now);
    const before = endpoint.calls.length;

    const first = await secrets.read(ARN);
    const cached = await secrets.read(ARN);
    now += SECRET_TTL_MS;
    await secrets.read(ARN);

    expect(first).toEqual({ username: 'u', accessToken: 't' });
    expect(cached).toEqual(first);
    expect(endpoint.calls.slice(before)).toEqual([
      { target: 'secretsmanager.GetSecretValue', input: { SecretId: ARN } },
      { target: 'secretsmanager.GetSecretValue', input: { SecretId: ARN } },
    ]);
  });

  it('says SecretNotFoundException for a missing secret, UnableToDecryptSecretValueException for one that is not JSON, UnableToAccessSecretException when the call is refused', async () => {
    const secrets = upstreamSecretsOf({}, env());
    const refused = upstreamSecretsOf({}, { ...env(), AWS_SECRET_ACCESS_KEY: 'wrong' });

    await expect(secrets.read(`${ARN}-missing`)).rejects.toMatchObject({ name: 'SecretNotFoundException' });
    await expect(secrets.read(`${ARN}-text`)).rejects.toMatchObject({ name: 'UnableToDecryptSecretValueException' });
    await expect(refused.read(ARN)).rejects.toMatchObject({ name: 'UnableToAccessSecretException' });
  });
});

describe('credentials from REGISTRY_SECRETS_FILE', () => {
  it('reads the secret by ARN at each call, and says which secret is missing or unreadable', async () => {
    const file = join(dir, 'secrets.json');
    const secrets = upstreamSecretsOf({ secretsFile: file });
    writeFileSync(file, JSON.stringify({ secrets: { [ARN]: { username: 'u', accessToken: 't' } } }));

    const read = await secrets.read(ARN);
    writeFileSync(file, JSON.stringify({ secrets: { [ARN]: { username: 'u2', accessToken: 't2' } } }));
    const reread = await secrets.read(ARN);

    expect(read).toEqual({ username: 'u', accessToken: 't' });
    expect(reread).toEqual({ username: 'u2', accessToken: 't2' });
    await expect(secrets.read(`${ARN}-missing`)).rejects.toMatchObject({ name: 'SecretNotFoundException' });
    writeFileSync(file, '{not json');
    await expect(secrets.read(ARN)).rejects.toMatchObject({ name: 'UnableToAccessSecretException' });
  });
});
