/**
 * The registry group through the real ECR SDK and the OCI API: DescribeRegistry, the registry policy (taking part
 * in every decision on a repository: cross-account pulls it grants, denies it holds, documents ECR refuses), the
 * account settings REGISTRY_POLICY_SCOPE and BLOB_MOUNTING (mounts offered or not, on the wire), and pull-time
 * update exclusions (honoured by pulls, limited to 100, paged).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRegistryPolicyCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  ECRClient,
  GetAccountSettingCommand,
  GetAuthorizationTokenCommand,
  GetRegistryPolicyCommand,
  InitiateLayerUploadCommand,
  ListPullTimeUpdateExclusionsCommand,
  PutAccountSettingCommand,
  PutRegistryPolicyCommand,
  RegisterPullTimeUpdateExclusionCommand,
  SetRepositoryPolicyCommand,
  type ListPullTimeUpdateExclusionsCommandInput,
  type ListPullTimeUpdateExclusionsCommandOutput,
} from '@aws-sdk/client-ecr';
import { createPaginator } from '@smithy/core';
import type { Paginator } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { ociClient, ociCode, type Oci } from '../helpers/oci.ts';
import { principalClients, startTestRegistry, wireError, type TestRegistry } from '../helpers/registry.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const REGION = 'us-east-1';
const repositoryArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
const key = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: `${accessKeyId.toLowerCase()}-secret` });
const POWER = key('AKIAPOWER0000000001');
const PULLER = key('AKIAPULLER000000001');
const ROBOT = key('AKIAROBOT0000000001');
const MOUNTER = key('AKIAMOUNTER00000001');
const POWER_ARN = `arn:aws:iam::${ACCOUNT}:user/power`;
const PULLER_ARN = `arn:aws:iam::${OTHER}:user/puller`;
const ROBOT_ARN = `arn:aws:iam::${ACCOUNT}:user/robot`;

const principals = {
  principals: [
    { arn: POWER_ARN, accessKeys: [POWER], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser'] },
    { arn: PULLER_ARN, accessKeys: [PULLER], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'] },
    { arn: ROBOT_ARN, accessKeys: [ROBOT], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'] },
    {
      // May push into mount/dest and do nothing with mount/src.
      arn: `arn:aws:iam::${ACCOUNT}:user/mounter`,
      accessKeys: [MOUNTER],
      policies: [
        {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
            { Effect: 'Allow', Action: 'ecr:*', Resource: repositoryArn('mount/dest') },
          ],
        },
      ],
    },
  ],
};

let registry: TestRegistry;
let oci: Oci;
let dir: string;
const signers = principalClients(() => registry.endpoint);
const as = signers.as;
const errorOf = wireError;
/** A Basic authorization header for the OCI API, from the principal's own GetAuthorizationToken. */
const ociAuth = async (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  `Basic ${(await as(credentials).send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** The image's lastRecordedPullTime, as DescribeImages gives it. */
const pullTime = async (repositoryName: string, imageTag: string) =>
  (await registry.ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }))).imageDetails![0].lastRecordedPullTime;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secr-registry-'));
  const file = join(dir, 'principals.json');
  writeFileSync(file, JSON.stringify(principals));
  registry = await startTestRegistry(undefined, { REGISTRY_IAM_FILE: file, REGISTRY_ID: ACCOUNT, LOG_LEVEL: 'silent' });
  oci = await ociClient(registry);
  for (const repositoryName of ['shared/app', 'private/app', 'pulls/app', 'mount/src', 'mount/dest']) {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName }));
  }
  await registry.ecr.send(
    new CreateRepositoryCommand({ repositoryName: 'mount/kms', encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/registry' } }),
  );
  await putManifest(registry.ecr, 'shared/app', imageManifest(await pushBlobs(registry.ecr, 'shared/app', 1)), 'v1');
  await putManifest(registry.ecr, 'private/app', imageManifest(await pushBlobs(registry.ecr, 'private/app', 1)), 'v1');
  const blobs = await pushBlobs(registry.ecr, 'pulls/app', 1);
  for (const tag of ['a', 'b', 'c']) await putManifest(registry.ecr, 'pulls/app', imageManifest(blobs, undefined, { annotations: { tag } }), tag);
});

afterAll(async () => {
  signers.destroy();
  await registry?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('DescribeRegistry', () => {
  it('describes the registry: its id and a replication configuration without rules', async () => {
    const out = await registry.ecr.send(new DescribeRegistryCommand({}));

    expect(out.registryId).toBe(ACCOUNT);
    expect(out.replicationConfiguration).toEqual({ rules: [] });
  });
});

describe('the registry policy', () => {
  it('is put, read back exactly as given, and deleted, each call answering RegistryPolicyNotFoundException when there is none', async () => {
    // Prepare
    const text = policy({
      Sid: 'replication',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
      Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
      Resource: repositoryArn('*'),
    });
    const none = `RegistryPolicyNotFoundException: Registry policy does not exist in the registry with id '${ACCOUNT}'`;
    expect(await errorOf(registry.ecr.send(new GetRegistryPolicyCommand({})))).toBe(none);
    expect(await errorOf(registry.ecr.send(new DeleteRegistryPolicyCommand({})))).toBe(none);

    // Act
    const put = await registry.ecr.send(new PutRegistryPolicyCommand({ policyText: text }));
    const got = await registry.ecr.send(new GetRegistryPolicyCommand({}));
    const deleted = await registry.ecr.send(new DeleteRegistryPolicyCommand({}));

    // Assess
    expect(put).toMatchObject({ registryId: ACCOUNT, policyText: text });
    expect(got).toMatchObject({ registryId: ACCOUNT, policyText: text });
    expect(deleted).toMatchObject({ registryId: ACCOUNT, policyText: text });
    expect(await errorOf(registry.ecr.send(new GetRegistryPolicyCommand({})))).toBe(none);
  });

  it('accepts every ECR action under the V2 scope: repository actions, wildcards and the permission-only ones', async () => {
    const text = policy(
      {
        Effect: 'Allow',
        Principal: { AWS: OTHER },
        Action: ['ecr:BatchGetImage', 'ecr:batchcheckLayerAvailability', 'ecr:Describe*'],
        Resource: repositoryArn('shared/*'),
      },
      {
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${OTHER}:role/replicator`, `arn:aws:sts::${OTHER}:assumed-role/ci/session`] },
        Action: 'ecr:BatchImportUpstreamImage',
        Resource: '*',
      },
      { Effect: 'Deny', Principal: '*', NotAction: 'ecr:*', Resource: '*' },
    );

    await expect(registry.ecr.send(new PutRegistryPolicyCommand({ policyText: text }))).resolves.toMatchObject({ policyText: text });
    await registry.ecr.send(new DeleteRegistryPolicyCommand({}));
  });

  it.each([
    ['text that is not JSON', '{"Statement": ['],
    ['an action of another service', policy({ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 's3:GetObject'] })],
    ['an ECR action that does not exist', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:FlyToTheMoon' })],
    ['a malformed principal ARN', policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:*` }, Action: 'ecr:BatchGetImage' })],
    ['an account id that is not 12 digits', policy({ Effect: 'Allow', Principal: { AWS: '1234' }, Action: 'ecr:BatchGetImage' })],
    ['a federated principal', policy({ Effect: 'Allow', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'ecr:BatchGetImage' })],
    ['a statement without a principal', policy({ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' })],
    ['an Effect that is neither Allow nor Deny', policy({ Effect: 'Maybe', Principal: '*', Action: 'ecr:BatchGetImage' })],
  ])('is refused, as a registry and as a repository policy, with ECR’s InvalidParameterException for %s', async (_case, text) => {
    expect(await errorOf(registry.ecr.send(new PutRegistryPolicyCommand({ policyText: text })))).toBe(
      "InvalidParameterException: Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'",
    );
    expect(await errorOf(registry.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'shared/app', policyText: text })))).toBe(
      "InvalidParameterException: Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'",
    );
    expect(await errorOf(registry.ecr.send(new GetRegistryPolicyCommand({})))).toMatch(/^RegistryPolicyNotFoundException: /);
  });

  it('lets another account pull the repositories it names, and only while it is in force', async () => {
    // Prepare: the other account's principal has the managed read-only policy, no repository policy names it.
    const puller = as(PULLER);
    const pull = (repositoryName: string) => puller.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'v1' }] }));
    expect(await errorOf(pull('shared/app'))).toBe(
      `AccessDeniedException: User: ${PULLER_ARN} is not authorized to perform: ecr:BatchGetImage on resource: ${repositoryArn('shared/app')} because no resource-based policy allows the ecr:BatchGetImage action`,
    );

    // Act
    await registry.ecr.send(
      new PutRegistryPolicyCommand({
        policyText: policy({
          Sid: 'pull',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
          Action: ['ecr:BatchGetImage'],
          Resource: repositoryArn('shared/*'),
        }),
      }),
    );
    const allowed = await pull('shared/app');
    const elsewhere = await errorOf(pull('private/app'));
    const manifest = await fetch(`${registry.endpoint}/v2/shared/app/manifests/v1`, {
      headers: { authorization: await ociAuth(PULLER), accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    await registry.ecr.send(new DeleteRegistryPolicyCommand({}));

    // Assess
    expect(allowed.failures).toEqual([]);
    expect(allowed.images).toHaveLength(1);
    expect(elsewhere).toMatch(/^AccessDeniedException: .* because no resource-based policy allows the ecr:BatchGetImage action$/);
    expect(manifest.status).toBe(200);
    expect(await errorOf(pull('shared/app'))).toMatch(/because no resource-based policy allows the ecr:BatchGetImage action$/);
  });

  it('holds its Deny against the registry account’s own power user', async () => {
    // Prepare
    const power = as(POWER);
    await expect(power.send(new InitiateLayerUploadCommand({ repositoryName: 'shared/app' }))).resolves.toMatchObject({ uploadId: expect.any(String) });

    // Act
    await registry.ecr.send(
      new PutRegistryPolicyCommand({
        policyText: policy({
          Sid: 'frozen',
          Effect: 'Deny',
          Principal: { AWS: POWER_ARN },
          Action: 'ecr:InitiateLayerUpload',
          Resource: repositoryArn('shared/*'),
        }),
      }),
    );
    const denied = await errorOf(power.send(new InitiateLayerUploadCommand({ repositoryName: 'shared/app' })));
    const elsewhere = await power.send(new InitiateLayerUploadCommand({ repositoryName: 'private/app' }));
    const ociPush = await fetch(`${registry.endpoint}/v2/shared/app/blobs/uploads/`, { method: 'POST', headers: { authorization: await ociAuth(POWER) } });
    await registry.ecr.send(new DeleteRegistryPolicyCommand({}));

    // Assess
    expect(denied).toBe(
      `AccessDeniedException: User: ${POWER_ARN} is not authorized to perform: ecr:InitiateLayerUpload on resource: ${repositoryArn('shared/app')} with an explicit deny in a resource-based policy`,
    );
    expect(elsewhere.uploadId).toEqual(expect.any(String));
    expect(ociPush.status).toBe(403);
    expect(await ociCode(ociPush)).toBe('DENIED');
  });
});

describe('the account settings', () => {
  it('has REGISTRY_POLICY_SCOPE V2, the only scope, and refuses the retired V1', async () => {
    expect(await registry.ecr.send(new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' }))).toMatchObject({
      name: 'REGISTRY_POLICY_SCOPE',
      value: 'V2',
    });
    expect(await registry.ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V2' }))).toMatchObject({ value: 'V2' });
    expect(await errorOf(registry.ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' })))).toMatch(
      /^ValidationException: Registry policy scope V1 is retired/,
    );
    expect(await registry.ecr.send(new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' }))).toMatchObject({ value: 'V2' });
  });

  it('has BLOB_MOUNTING DISABLED until set, and takes ENABLED and DISABLED only', async () => {
    expect(await registry.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).toMatchObject({ name: 'BLOB_MOUNTING', value: 'DISABLED' });
    expect(await registry.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }))).toMatchObject({ value: 'ENABLED' });
    expect(await registry.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).toMatchObject({ value: 'ENABLED' });
    expect(await errorOf(registry.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'SOMETIMES' })))).toBe(
      "ValidationException: 1 validation error detected: Value 'SOMETIMES' at 'value' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
    );
    await registry.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' }));
    expect(await registry.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).toMatchObject({ value: 'DISABLED' });
  });

  it('refuses a setting it does not know with ValidationException', async () => {
    expect(await errorOf(registry.ecr.send(new GetAccountSettingCommand({ name: 'NO_SUCH_SETTING' })))).toMatch(/^ValidationException: /);
    expect(await errorOf(registry.ecr.send(new PutAccountSettingCommand({ name: 'NO_SUCH_SETTING', value: 'x' })))).toMatch(/^ValidationException: /);
  });
});

describe('cross-repository blob mounts (BLOB_MOUNTING)', () => {
  const mount = (to: string, digest: string, auth?: string) =>
    oci.fetch(`/v2/${to}/blobs/uploads/?mount=${digest}&from=mount/src`, { method: 'POST', ...(auth ? { auth } : {}) });
  const linked = async (repo: string, digest: string) => (await oci.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status;
  const setMounting = (value: 'ENABLED' | 'DISABLED') => registry.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value }));

  it('answers 202 with an upload session while DISABLED, and the blob stays stored once when that upload completes', async () => {
    // Prepare
    await setMounting('DISABLED');
    const bytes = randomBytes(3000);
    const digest = await oci.pushBlob('mount/src', bytes);
    const stored = await registry.deps.layers.getBlob(digest);

    // Act
    const res = await mount('mount/dest', digest);
    const location = res.headers.get('location')!;
    const completed = await oci.fetch(`${location}?digest=${digest}`, { method: 'PUT', body: bytes as unknown as BodyInit });

    // Assess
    expect(res.status).toBe(202);
    expect(location).toMatch(/^\/v2\/mount\/dest\/blobs\/uploads\/[0-9a-f-]{36}$/);
    expect(completed.status).toBe(201);
    expect(await linked('mount/dest', digest)).toBe(200);
    expect(await registry.deps.layers.getBlob(digest)).toEqual(stored);
  });

  it('mounts with 201 while ENABLED, to a caller that may read the source', async () => {
    await setMounting('ENABLED');
    const digest = await oci.pushBlob('mount/src', randomBytes(3000));
    expect(await linked('mount/dest', digest)).toBe(404);

    const res = await mount('mount/dest', digest);

    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/mount/dest/blobs/${digest}`);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    expect(await linked('mount/dest', digest)).toBe(200);
  });

  it('starts an upload instead (202) for a caller without ecr:GetDownloadUrlForLayer on the source', async () => {
    await setMounting('ENABLED');
    const digest = await oci.pushBlob('mount/src', randomBytes(3000));

    const res = await mount('mount/dest', digest, await ociAuth(MOUNTER));

    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(/^\/v2\/mount\/dest\/blobs\/uploads\//);
    expect(await linked('mount/dest', digest)).toBe(404);
  });

  it('starts an upload instead (202) between repositories of different encryption configurations', async () => {
    await setMounting('ENABLED');
    const digest = await oci.pushBlob('mount/src', randomBytes(3000));

    const res = await mount('mount/kms', digest);

    expect(res.status).toBe(202);
    expect(await linked('mount/kms', digest)).toBe(404);
    await setMounting('DISABLED');
  });
});

describe('pull-time update exclusions', () => {
  const robot = () => as(ROBOT);

  it('are registered, listed and deregistered, each error named as the model names it', async () => {
    // Prepare
    const arn = `arn:aws:iam::${ACCOUNT}:role/deployer`;

    // Act
    const registered = await registry.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn }));
    const again = await errorOf(registry.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn })));
    const listed = await registry.ecr.send(new ListPullTimeUpdateExclusionsCommand({}));
    const deregistered = await registry.ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn }));
    const missing = await errorOf(registry.ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn })));

    // Assess
    expect(registered.principalArn).toBe(arn);
    expect(registered.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(registered.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(again).toBe(
      `ExclusionAlreadyExistsException: The principal '${arn}' is already excluded from pull time updates in the registry with id '${ACCOUNT}'`,
    );
    expect(listed.pullTimeUpdateExclusions).toEqual([arn]);
    expect(listed.nextToken).toBeUndefined();
    expect(deregistered).toMatchObject({ principalArn: arn });
    expect(missing).toBe(`ExclusionNotFoundException: The principal '${arn}' is not excluded from pull time updates in the registry with id '${ACCOUNT}'`);
    expect((await registry.ecr.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions).toEqual([]);
  });

  it('refuses a principal that is not an IAM user or role ARN with ValidationException', async () => {
    expect(await errorOf(registry.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: `arn:aws:iam::${ACCOUNT}:root` })))).toMatch(
      /^ValidationException: 1 validation error detected: Value .* at 'principalArn' failed to satisfy constraint/,
    );
  });

  it('leave lastRecordedPullTime as it was when an excluded principal pulls, through the ECR API and the OCI API', async () => {
    // Prepare
    await registry.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: ROBOT_ARN }));
    const auth = await ociAuth(ROBOT);

    // Act
    await robot().send(new BatchGetImageCommand({ repositoryName: 'pulls/app', imageIds: [{ imageTag: 'a' }] }));
    const ociPull = await fetch(`${registry.endpoint}/v2/pulls/app/manifests/b`, {
      headers: { authorization: auth, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    await registry.ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: ROBOT_ARN }));
    await robot().send(new BatchGetImageCommand({ repositoryName: 'pulls/app', imageIds: [{ imageTag: 'c' }] }));

    // Assess
    expect(ociPull.status).toBe(200);
    expect(await pullTime('pulls/app', 'a')).toBeUndefined();
    expect(await pullTime('pulls/app', 'b')).toBeUndefined();
    expect(await pullTime('pulls/app', 'c')).toBeInstanceOf(Date);
  });

  it('hold at most 100 principals (LimitExceededException) and page with the SDK paginator', async () => {
    // Prepare
    const arns = Array.from({ length: 100 }, (_, i) => `arn:aws:iam::${OTHER}:user/ci-${String(i).padStart(3, '0')}`);
    for (const principalArn of arns) await registry.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
    const paginate: (
      config: { client: ECRClient; pageSize?: number },
      input: ListPullTimeUpdateExclusionsCommandInput,
    ) => Paginator<ListPullTimeUpdateExclusionsCommandOutput> = createPaginator(
      ECRClient,
      ListPullTimeUpdateExclusionsCommand,
      'nextToken',
      'nextToken',
      'maxResults',
    );

    // Act
    const over = await errorOf(registry.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: `arn:aws:iam::${OTHER}:user/one-too-many` })));
    const pages: string[][] = [];
    for await (const page of paginate({ client: registry.ecr, pageSize: 30 }, {})) pages.push(page.pullTimeUpdateExclusions ?? []);
    const whole = await registry.ecr.send(new ListPullTimeUpdateExclusionsCommand({}));
    const forged = await errorOf(registry.ecr.send(new ListPullTimeUpdateExclusionsCommand({ nextToken: 'not-a-token' })));
    for (const principalArn of arns) await registry.ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn }));

    // Assess
    expect(over).toBe(
      `LimitExceededException: The pull time update exclusion list of the registry with id '${ACCOUNT}' already has 100 principals, the most it may have`,
    );
    expect(pages.map((p) => p.length)).toEqual([30, 30, 30, 10]);
    expect(pages.flat()).toEqual(arns);
    expect(whole.pullTimeUpdateExclusions).toHaveLength(100);
    expect(whole.nextToken).toBeUndefined();
    expect(forged).toBe("InvalidParameterException: Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken provided'");
  });
});
