/**
 * The principals document kept in AWS: read from Secrets Manager (GetSecretValue) or SSM (GetParameter) with a
 * signed call, against local endpoints that check the signature and the target; refreshed once a minute old
 * (an injected clock); a bad document or a failed read keeps the principals in force; the Lambdas' deps built on it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, configFromEnv, localConfigFromEnv, principalsDocumentSource } from '../../shared/config.ts';
import { watchPrincipalsDocument } from '../../shared/iam/document.ts';
import { PrincipalsFileError, rootEntry } from '../../shared/iam/principals.ts';
import { logger } from '../../shared/observe/logger.ts';
import { principalsDocumentReader } from '../../shared/secrets/principals-document.ts';
import { startSecretsManagerEndpoint, startSsmEndpoint, type SsmEndpoint } from '../helpers/ssm-endpoint.ts';

const ROLE = { accessKeyId: 'ASIAROLE000000000001', secretAccessKey: 'role-secret-0000000000' };
const ACCOUNT = '123456789012';
const root = rootEntry(ACCOUNT, 'test', 'test');
/** A principals document with one principal per name, each with a key of its own. */
const doc = (...names: string[]) =>
  JSON.stringify({
    principals: names.map((name, i) => ({
      arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      accessKeys: [{ accessKeyId: `AKIADOC00000000000${i}`, secretAccessKey: `${name}-secret-000000000000` }],
      policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly'],
    })),
  });
const principalOf = (directory: { byKey(id: string): { principal: { arn: string } } | undefined }, key: string) => directory.byKey(key)?.principal.arn;

const secrets: Record<string, string> = {};
const parameters: Record<string, string> = {};
let secretsManager: SsmEndpoint;
let ssm: SsmEndpoint;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  secretsManager = await startSecretsManagerEndpoint(secrets, ROLE);
  ssm = await startSsmEndpoint(parameters, ROLE);
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ROLE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE.secretAccessKey,
    SECRETS_MANAGER_ENDPOINT: secretsManager.endpoint,
    SSM_ENDPOINT: ssm.endpoint,
  };
});
afterAll(async () => {
  await secretsManager?.close();
  await ssm?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('where the principals document is', () => {
  it('is a Secrets Manager secret (REGISTRY_IAM_SECRET_ID) or an SSM parameter (REGISTRY_IAM_PARAMETER), one source at most', () => {
    expect(principalsDocumentSource({ REGISTRY_IAM_SECRET_ID: 'registry/principals' })).toEqual({ kind: 'secret', secretId: 'registry/principals' });
    expect(configFromEnv({ REGISTRY_IAM_PARAMETER: '/registry/principals' }).iamDocument).toEqual({ kind: 'parameter', name: '/registry/principals' });
    expect(() => configFromEnv({ REGISTRY_IAM_FILE: 'p.json', REGISTRY_IAM_SECRET_ID: 'x' })).toThrow(
      new ConfigError('REGISTRY_IAM_SECRET_ID', 'x', 'unset: REGISTRY_IAM_FILE already names the principals, and only one source may'),
    );
    expect(() => localConfigFromEnv({ REGISTRY_IAM_SECRET_ID: 'x' })).toThrow(/REGISTRY_IAM_SECRET_ID="x": expected unset on the local host/);
  });
});

describe('reading the document', () => {
  it('reads a Secrets Manager secret with one signed GetSecretValue', async () => {
    secrets['registry/principals'] = doc('ci');

    const text = await principalsDocumentReader({ kind: 'secret', secretId: 'registry/principals' }, env).read();

    expect(text).toBe(doc('ci'));
    expect(secretsManager.calls.at(-1)).toEqual({ target: 'secretsmanager.GetSecretValue', input: { SecretId: 'registry/principals' } });
  });

  it('reads an SSM SecureString with one signed GetParameter, decrypted', async () => {
    parameters['/registry/principals'] = doc('cluster');

    const text = await principalsDocumentReader({ kind: 'parameter', name: '/registry/principals' }, env).read();

    expect(text).toBe(doc('cluster'));
    expect(ssm.calls.at(-1)).toEqual({ target: 'AmazonSSM.GetParameter', input: { Name: '/registry/principals', WithDecryption: true } });
  });

  it("says which secret could not be read, and the service's reason", async () => {
    const read = principalsDocumentReader({ kind: 'secret', secretId: 'registry/missing' }, env).read();
    await expect(read).rejects.toThrow(
      "Secrets Manager secret registry/missing could not be read: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
    const wrongRole = principalsDocumentReader(
      { kind: 'secret', secretId: 'registry/principals' },
      { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-role-secret' },
    ).read();
    await expect(wrongRole).rejects.toThrow(/could not be read: InvalidSignatureException/);
  });
});

describe('the document in force', () => {
  it('is read again once a minute old, and the change is in force after that read', async () => {
    secrets['registry/refresh'] = doc('ci');
    const reader = principalsDocumentReader({ kind: 'secret', secretId: 'registry/refresh' }, env);
    let now = 0;
    const source = watchPrincipalsDocument(await reader.read(), reader.read, root, { where: reader.where, now: () => now });
    const calls = () => secretsManager.calls.filter((c) => c.input.SecretId === 'registry/refresh').length;
    secrets['registry/refresh'] = doc('ci', 'cluster');

    now = 59_999;
    const early = source.directory();
    await source.settled();
    now = 60_000;
    const stale = source.directory();
    await source.settled();
    const fresh = source.directory();

    expect(principalOf(early, 'AKIADOC000000000001')).toBeUndefined();
    expect(principalOf(stale, 'AKIADOC000000000001')).toBeUndefined();
    expect(principalOf(fresh, 'AKIADOC000000000001')).toBe(`arn:aws:iam::${ACCOUNT}:user/cluster`);
    expect(principalOf(fresh, 'test')).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(calls()).toBe(2);
  });

  it('keeps the principals in force when the changed document is invalid, or cannot be read, with one log line each', async () => {
    parameters['/registry/bad'] = doc('ci');
    const reader = principalsDocumentReader({ kind: 'parameter', name: '/registry/bad' }, env);
    let now = 0;
    const source = watchPrincipalsDocument(await reader.read(), reader.read, root, { where: reader.where, now: () => now });
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    parameters['/registry/bad'] = '{"principals": [{"arn": "not an arn"}]}';
    now = 60_000;
    source.directory();
    await source.settled();
    delete parameters['/registry/bad'];
    now = 120_000;
    source.directory();
    await source.settled();

    expect(principalOf(source.directory(), 'AKIADOC000000000000')).toBe(`arn:aws:iam::${ACCOUNT}:user/ci`);
    expect(errors.mock.calls).toEqual([
      [
        { where: 'SSM parameter /registry/bad', error: 'principals[0].arn must be an IAM user, role or root ARN (arn:aws:iam::<12 digits>:user/<name>)' },
        'principals document refused; the previous principals stay in force',
      ],
      [
        { where: 'SSM parameter /registry/bad', error: 'SSM parameter /registry/bad could not be read: ParameterNotFound' },
        'principals document refused; the previous principals stay in force',
      ],
    ]);
  });

  it('refuses an invalid document at cold start', () => {
    expect(() => watchPrincipalsDocument('{"principals": 3}', async () => '', root, { where: 'x' })).toThrow(PrincipalsFileError);
  });
});

describe("the Lambdas' deps", () => {
  it('read the document at cold start and authenticate its principals by their keys', async () => {
    secrets['registry/lambda'] = doc('ci');
    const saved = { ...process.env };
    Object.assign(process.env, env, { REGISTRY_IAM_SECRET_ID: 'registry/lambda', REGISTRY_ID: ACCOUNT, REGISTRY_SECRET_ACCESS_KEY: 'lambda-root-secret-0000' });
    try {
      vi.resetModules();
      const { lambdaDeps } = await import('../../shared/deps/lambda.ts');
      const deps = lambdaDeps({})();

      expect(principalOf(deps.principals.directory(), 'AKIADOC000000000000')).toBe(`arn:aws:iam::${ACCOUNT}:user/ci`);
      expect(deps.principals.directory().byKey('test')?.secretAccessKey).toBe('lambda-root-secret-0000');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
