/**
 * Pull through cache rules through the real ECR SDK: the five operations with their members and errors
 * (PullThroughCacheRuleAlreadyExistsException, PullThroughCacheRuleNotFoundException,
 * UnsupportedUpstreamRegistryException, SecretNotFoundException, InvalidParameterException, ValidationException,
 * LimitExceededException), and ValidatePullThroughCacheRule authenticating against a real upstream (CNCF
 * distribution with htpasswd) with the secret of REGISTRY_SECRETS_FILE.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
  paginateDescribePullThroughCacheRules,
  type CreatePullThroughCacheRuleCommandInput,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, wireError, type TestRegistry } from '../helpers/registry.ts';
import { startDistribution, type Distribution } from '../helpers/upstreams.ts';

const ACCOUNT = '123456789012';
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:ecr-pullthroughcache/${name}`;
const USER = { username: 'puller', password: 'right-password' };

let registry: TestRegistry;
let ecr: ECRClient;
let upstream: Distribution;
let dir: string;
const secrets: Record<string, { username?: string; accessToken?: string }> = {
  [secretArn('hub')]: { username: 'u', accessToken: 't' },
  [secretArn('good')]: { username: USER.username, accessToken: USER.password },
  [secretArn('bad')]: { username: USER.username, accessToken: 'wrong' },
  [secretArn('partial')]: { username: USER.username },
};
let secretsFile: string;

const create = (input: CreatePullThroughCacheRuleCommandInput) => ecr.send(new CreatePullThroughCacheRuleCommand(input));
const remove = (ecrRepositoryPrefix: string) => ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix }));
const validate = (ecrRepositoryPrefix: string) => ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secr-ptc-rules-'));
  secretsFile = join(dir, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ secrets }));
  upstream = await startDistribution(join(dir, 'upstream'), USER);
  registry = await startTestRegistry(undefined, { REGISTRY_ID: ACCOUNT, REGISTRY_SECRETS_FILE: secretsFile, LOG_LEVEL: 'silent' });
  ecr = registry.ecr;
});

afterAll(async () => {
  await registry?.destroy();
  await upstream?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('CreatePullThroughCacheRule', () => {
  it('creates a Docker Hub rule with its credential and answers every member back', async () => {
    const out = await create({
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      upstreamRegistry: 'docker-hub',
      credentialArn: secretArn('hub'),
    });

    expect(out).toMatchObject({
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      upstreamRegistry: 'docker-hub',
      credentialArn: secretArn('hub'),
      upstreamRepositoryPrefix: 'ROOT',
      registryId: ACCOUNT,
    });
    expect(out.createdAt).toBeInstanceOf(Date);
    const described = await ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['docker-hub/'] }));
    expect(described.pullThroughCacheRules).toEqual([{ ...out, $metadata: undefined, updatedAt: out.createdAt }].map(({ $metadata: _m, ...r }) => r));
    await remove('docker-hub');
  });

  it('infers the upstream registry from its URL and takes the credential-free registries without one', async () => {
    const out = await create({ ecrRepositoryPrefix: 'k8s', upstreamRegistryUrl: 'registry.k8s.io' });

    expect(out.upstreamRegistry).toBe('k8s');
    expect(out.credentialArn).toBeUndefined();
    await remove('k8s');
  });

  it('refuses a second rule for a prefix, a trailing / naming the same prefix', async () => {
    await create({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' });

    expect(await wireError(create({ ecrRepositoryPrefix: 'quay/', upstreamRegistryUrl: 'quay.io' }))).toMatch(
      /^PullThroughCacheRuleAlreadyExistsException: .*'quay\/'/,
    );
    await remove('quay');
  });

  it("refuses members ECR refuses, each with the model's or ECR's error", async () => {
    const cases: [CreatePullThroughCacheRuleCommandInput, RegExp][] = [
      [{ ecrRepositoryPrefix: 'Upper', upstreamRegistryUrl: 'quay.io' }, /^ValidationException: .*ecrRepositoryPrefix.*regular expression/],
      [{ ecrRepositoryPrefix: 'x', upstreamRegistryUrl: 'quay.io' }, /^ValidationException: .*ecrRepositoryPrefix.*length/],
      [{ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'quay.io' }, /^InvalidParameterException: .*ROOT/],
      [{ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io' }, /^InvalidParameterException: .*credential is required for docker-hub/],
      [
        { ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'quay.io', upstreamRegistry: 'docker-hub', credentialArn: secretArn('hub') },
        /^InvalidParameterException: .*upstreamRegistryUrl/,
      ],
      [
        { ecrRepositoryPrefix: 'k8s', upstreamRegistryUrl: 'registry.k8s.io', credentialArn: secretArn('hub') },
        /^InvalidParameterException: .*cannot be specified for k8s/,
      ],
      [
        {
          ecrRepositoryPrefix: 'hub',
          upstreamRegistryUrl: 'registry-1.docker.io',
          credentialArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other/hub-secret-x',
        },
        /^ValidationException: .*credentialArn/,
      ],
      [{ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: secretArn('missing') }, /^SecretNotFoundException: /],
      [{ ecrRepositoryPrefix: 'plain', upstreamRegistryUrl: 'http://registry.example.com' }, /^UnsupportedUpstreamRegistryException: /],
      [
        { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io', customRoleArn: `arn:aws:iam::${ACCOUNT}:role/r` },
        /^InvalidParameterException: .*customRoleArn/,
      ],
      [
        { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io', upstreamRepositoryPrefix: 'team' },
        /^InvalidParameterException: .*upstreamRepositoryPrefix/,
      ],
      [{ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io', upstreamRegistry: 'nope' as 'quay' }, /^ValidationException: .*upstreamRegistry/],
    ];
    for (const [input, expected] of cases) expect(await wireError(create(input))).toMatch(expected);
    expect((await ecr.send(new DescribePullThroughCacheRulesCommand({}))).pullThroughCacheRules).toEqual([]);
  });

  it('takes an ECR upstream with a custom role and an upstream prefix, and ROOT with one', async () => {
    const out = await create({
      ecrRepositoryPrefix: 'ROOT',
      upstreamRegistryUrl: '210987654321.dkr.ecr.eu-west-1.amazonaws.com',
      customRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecr-ptc`,
      upstreamRepositoryPrefix: 'prod',
    });

    expect(out).toMatchObject({ upstreamRegistry: 'ecr', customRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecr-ptc`, upstreamRepositoryPrefix: 'prod' });
    await remove('ROOT');
  });

  it('takes any OCI registry over https, and plain http on loopback (beyond ECR)', async () => {
    const harbor = await create({ ecrRepositoryPrefix: 'harbor', upstreamRegistryUrl: 'https://harbor.example.com:8443', upstreamRepositoryPrefix: 'library' });
    const local = await create({ ecrRepositoryPrefix: 'local', upstreamRegistryUrl: upstream.url });

    expect(harbor.upstreamRegistry).toBeUndefined();
    expect(harbor.upstreamRepositoryPrefix).toBe('library');
    expect(local.upstreamRegistryUrl).toBe(upstream.url);
    await remove('harbor');
    await remove('local');
  });

  it('refuses a rule past the quota of 50 with LimitExceededException', async () => {
    for (let i = 0; i < 50; i++) await create({ ecrRepositoryPrefix: `q${String(i).padStart(2, '0')}`, upstreamRegistryUrl: 'quay.io' });

    expect(await wireError(create({ ecrRepositoryPrefix: 'q50', upstreamRegistryUrl: 'quay.io' }))).toMatch(/^LimitExceededException: /);
    const pages = [];
    for await (const page of paginateDescribePullThroughCacheRules({ client: ecr, pageSize: 20 }, {})) pages.push(page.pullThroughCacheRules!.length);
    expect(pages).toEqual([20, 20, 10]);
    for (let i = 0; i < 50; i++) await remove(`q${String(i).padStart(2, '0')}`);
  });
});

describe('DescribePullThroughCacheRules, UpdatePullThroughCacheRule, DeletePullThroughCacheRule', () => {
  it('says PullThroughCacheRuleNotFoundException for a prefix without a rule, on each operation', async () => {
    expect(await wireError(ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['none'] })))).toMatch(
      /^PullThroughCacheRuleNotFoundException: .*'none'/,
    );
    expect(await wireError(ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'none', credentialArn: secretArn('hub') })))).toMatch(
      /^PullThroughCacheRuleNotFoundException: /,
    );
    expect(await wireError(remove('none'))).toMatch(/^PullThroughCacheRuleNotFoundException: /);
    expect(await wireError(validate('none'))).toMatch(/^PullThroughCacheRuleNotFoundException: /);
  });

  it('updates the credential (read first), keeps the rest, and deletes the rule returning it', async () => {
    await create({ ecrRepositoryPrefix: 'ghcr', upstreamRegistryUrl: 'ghcr.io', credentialArn: secretArn('hub') });

    expect(await wireError(ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ghcr', credentialArn: secretArn('missing') })))).toMatch(
      /^SecretNotFoundException: /,
    );
    const updated = await ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ghcr', credentialArn: secretArn('good') }));
    expect(updated).toMatchObject({ ecrRepositoryPrefix: 'ghcr', credentialArn: secretArn('good'), upstreamRepositoryPrefix: 'ROOT', registryId: ACCOUNT });
    expect(updated.updatedAt).toBeInstanceOf(Date);
    const deleted = await remove('ghcr');
    expect(deleted).toMatchObject({ ecrRepositoryPrefix: 'ghcr', upstreamRegistryUrl: 'ghcr.io', credentialArn: secretArn('good') });
    expect(await wireError(remove('ghcr'))).toMatch(/^PullThroughCacheRuleNotFoundException: /);
  });
});

describe('ValidatePullThroughCacheRule', () => {
  it('is valid when the secret authenticates against the upstream, invalid with the reason otherwise', async () => {
    await create({ ecrRepositoryPrefix: 'good', upstreamRegistryUrl: upstream.url, credentialArn: secretArn('good') });
    await create({ ecrRepositoryPrefix: 'bad', upstreamRegistryUrl: upstream.url, credentialArn: secretArn('bad') });
    await create({ ecrRepositoryPrefix: 'partial', upstreamRegistryUrl: upstream.url, credentialArn: secretArn('partial') });
    await create({ ecrRepositoryPrefix: 'anonymous', upstreamRegistryUrl: upstream.url });

    const good = await validate('good');
    const bad = await validate('bad');
    const partial = await validate('partial');
    const anonymous = await validate('anonymous');

    expect(good).toMatchObject({ ecrRepositoryPrefix: 'good', upstreamRegistryUrl: upstream.url, credentialArn: secretArn('good'), isValid: true });
    expect(good.failure).toBeUndefined();
    expect(bad).toMatchObject({ isValid: false, failure: expect.stringContaining('refused the credential') });
    expect(partial).toMatchObject({ isValid: false, failure: expect.stringContaining('username and accessToken') });
    expect(anonymous).toMatchObject({ isValid: false, failure: expect.stringContaining('requires authentication') });
  });

  it('is invalid when the upstream cannot be reached, or the secret has gone from the secrets file', async () => {
    await upstream.stop();
    const down = await validate('good');
    await upstream.start();
    writeFileSync(secretsFile, JSON.stringify({ secrets: {} }));
    const gone = await validate('good');
    writeFileSync(secretsFile, JSON.stringify({ secrets }));

    expect(down).toMatchObject({ isValid: false, failure: expect.stringContaining('could not be reached') });
    expect(gone).toMatchObject({ isValid: false, failure: expect.stringContaining('could not be found') });
  });
});
