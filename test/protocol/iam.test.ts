/**
 * Who may do what, through the real ECR SDK and the OCI API: principals from REGISTRY_IAM_FILE, identity policies
 * (inline and AWS's managed ones), a repository policy for another account, AWS's refusals, and the file changed
 * while the registry runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRegistryCommand,
  DescribeRepositoryCreationTemplatesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  GetRegistryScanningConfigurationCommand,
  ListImagesCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  SetRepositoryPolicyCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { ociCode } from '../helpers/oci.ts';
import { principalClients, startTestRegistry, wireError, type TestRegistry } from '../helpers/registry.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const key = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: `${accessKeyId.toLowerCase()}-secret` });
const CI = key('AKIACI0000000000001');
const CLUSTER = key('AKIACLUSTER00000001');
const AUDITOR = key('AKIAAUDITOR00000001');
const VIEWER = key('AKIAVIEWER000000001');
const TAGGER = key('AKIATAGGER000000001');
const NOBODY = key('AKIANOBODY000000001');
const ADMIN = key('AKIAADMIN0000000001');

const principals = (withCluster = true) => ({
  principals: [
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
      accessKeys: [CI],
      policies: [
        'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/*` }] },
        { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ecr:DeleteRepository', Resource: '*' }] },
      ],
    },
    ...(withCluster
      ? [{ arn: `arn:aws:iam::${ACCOUNT}:user/cluster`, accessKeys: [CLUSTER], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'] }]
      : []),
    { arn: `arn:aws:iam::${OTHER}:user/auditor`, accessKeys: [AUDITOR], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'] },
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/tagger`,
      accessKeys: [TAGGER],
      policies: [
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['ecr:CreateRepository', 'ecr:TagResource'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:RequestTag/team': 'a' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'owner'] } },
            },
          ],
        },
      ],
    },
    { arn: `arn:aws:iam::${ACCOUNT}:user/nobody`, accessKeys: [NOBODY], policies: [] },
    { arn: `arn:aws:iam::${ACCOUNT}:user/admin`, accessKeys: [ADMIN], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess'] },
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/viewer`,
      accessKeys: [VIEWER],
      policies: [
        {
          Statement: [
            { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
            { Effect: 'Allow', Action: 'ecr:DescribeRepositories', Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-*` },
          ],
        },
      ],
    },
  ],
});

let registry: TestRegistry;
let dir: string;
let file: string;
const signers = principalClients(() => registry.endpoint);
const as = signers.as;
const errorOf = wireError;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secr-iam-'));
  file = join(dir, 'principals.json');
  writeFileSync(file, JSON.stringify(principals()));
  registry = await startTestRegistry(undefined, { REGISTRY_IAM_FILE: file, REGISTRY_ID: ACCOUNT, LOG_LEVEL: 'silent' });
  for (const repositoryName of ['team-a/app', 'team-b/app', 'shared/app']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName }));
  await putManifest(registry.ecr, 'shared/app', imageManifest(await pushBlobs(registry.ecr, 'shared/app', 1)), 'v1');
});

afterAll(async () => {
  signers.destroy();
  await registry?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const REPO_ARN = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;
/** One call of each operation group (infra/routing.ts), with the action and resource a refusal names. */
const GROUP_CALLS = [
  {
    group: 'repositories',
    action: 'DescribeRepositories',
    resource: REPO_ARN('team-a/app'),
    call: new DescribeRepositoriesCommand({ repositoryNames: ['team-a/app'] }),
  },
  { group: 'images', action: 'ListImages', resource: REPO_ARN('shared/app'), call: new ListImagesCommand({ repositoryName: 'shared/app' }) },
  {
    group: 'layers',
    action: 'BatchCheckLayerAvailability',
    resource: REPO_ARN('shared/app'),
    call: new BatchCheckLayerAvailabilityCommand({ repositoryName: 'shared/app', layerDigests: [`sha256:${'0'.repeat(64)}`] }),
  },
  { group: 'auth', action: 'GetAuthorizationToken', resource: '*', call: new GetAuthorizationTokenCommand({}) },
  { group: 'lifecycle', action: 'GetLifecyclePolicy', resource: REPO_ARN('shared/app'), call: new GetLifecyclePolicyCommand({ repositoryName: 'shared/app' }) },
  { group: 'scanning', action: 'GetRegistryScanningConfiguration', resource: '*', call: new GetRegistryScanningConfigurationCommand({}) },
  { group: 'registry', action: 'DescribeRegistry', resource: '*', call: new DescribeRegistryCommand({}) },
  { group: 'cache', action: 'DescribeRepositoryCreationTemplates', resource: '*', call: new DescribeRepositoryCreationTemplatesCommand({}) },
];

describe('every operation group', () => {
  it.each(GROUP_CALLS)(
    '$group: refuses $action to a principal no policy allows, with AWS words, and serves it to full access',
    async ({ action, resource, call }) => {
      // Act
      const refused = await errorOf(as(NOBODY).send(call as any));
      const served = await errorOf(as(ADMIN).send(call as any));
      // Assess
      expect(refused).toBe(
        `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: ecr:${action} on resource: ${resource} because no identity-based policy allows the ecr:${action} action`,
      );
      expect(served).not.toMatch(/^AccessDeniedException/);
      expect(served).toMatch(/^(no error|LifecyclePolicyNotFoundException)/);
    },
  );
});

describe('principals and policies', () => {
  it('lets a CI key push to its own repositories only, and holds its explicit deny', async () => {
    const ci = as(CI);
    await expect(ci.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/app' }))).resolves.toMatchObject({ uploadId: expect.any(String) });
    expect(await errorOf(ci.send(new InitiateLayerUploadCommand({ repositoryName: 'team-b/app' })))).toBe(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-b/app because no identity-based policy allows the ecr:InitiateLayerUpload action`,
    );
    expect(await errorOf(ci.send(new DeleteRepositoryCommand({ repositoryName: 'team-a/app' })))).toMatch(
      /^AccessDeniedException: .* with an explicit deny in an identity-based policy$/,
    );
    await expect(ci.send(new BatchGetImageCommand({ repositoryName: 'shared/app', imageIds: [{ imageTag: 'v1' }] }))).resolves.toMatchObject({ failures: [] });
  });

  it('lets a key with the managed read-only policy pull and describe, and refuses its pushes', async () => {
    const cluster = as(CLUSTER);
    expect((await cluster.send(new DescribeRepositoriesCommand({}))).repositories).toHaveLength(3);
    expect(await errorOf(cluster.send(new PutImageCommand({ repositoryName: 'shared/app', imageManifest: '{}', imageTag: 'x' })))).toMatch(
      /^AccessDeniedException: User: .*user\/cluster is not authorized to perform: ecr:PutImage/,
    );
  });

  it('lets a principal create and tag repositories only with the request tags its policy requires', async () => {
    const tagger = as(TAGGER);
    const created = await tagger.send(
      new CreateRepositoryCommand({
        repositoryName: 'tagged/a',
        tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'owner', Value: 'me' },
        ],
      }),
    );
    expect(created.repository?.repositoryName).toBe('tagged/a');
    const resource = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/tagged/b`;
    const refusal = `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/tagger is not authorized to perform: ecr:CreateRepository on resource: ${resource} because no identity-based policy allows the ecr:CreateRepository action`;
    expect(await errorOf(tagger.send(new CreateRepositoryCommand({ repositoryName: 'tagged/b' })))).toBe(refusal);
    expect(await errorOf(tagger.send(new CreateRepositoryCommand({ repositoryName: 'tagged/b', tags: [{ Key: 'team', Value: 'b' }] })))).toBe(refusal);
    expect(
      await errorOf(
        tagger.send(
          new CreateRepositoryCommand({
            repositoryName: 'tagged/b',
            tags: [
              { Key: 'team', Value: 'a' },
              { Key: 'cost', Value: '1' },
            ],
          }),
        ),
      ),
    ).toBe(refusal);
    const arn = created.repository!.repositoryArn!;
    await expect(tagger.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'team', Value: 'a' }] }))).resolves.toBeDefined();
    expect(await errorOf(tagger.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'owner', Value: 'you' }] })))).toMatch(
      /^AccessDeniedException: .* is not authorized to perform: ecr:TagResource on resource: .*tagged\/a because no identity-based policy allows the ecr:TagResource action$/,
    );
    await registry.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'tagged/a' }));
  });

  it('lets another account pull only the repository whose policy grants it', async () => {
    const auditor = as(AUDITOR);
    expect(await errorOf(auditor.send(new BatchGetImageCommand({ repositoryName: 'shared/app', imageIds: [{ imageTag: 'v1' }] })))).toMatch(
      /because no resource-based policy allows the ecr:BatchGetImage action$/,
    );
    await registry.ecr.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'shared/app',
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'audit', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ['ecr:BatchGetImage'] }],
        }),
      }),
    );
    await expect(auditor.send(new BatchGetImageCommand({ repositoryName: 'shared/app', imageIds: [{ imageTag: 'v1' }] }))).resolves.toMatchObject({
      failures: [],
    });
    expect(await errorOf(auditor.send(new BatchGetImageCommand({ repositoryName: 'team-a/app', imageIds: [{ imageTag: 'v1' }] })))).toMatch(
      /^AccessDeniedException: /,
    );
  });

  it('answers the OCI API as the token principal: a read-only token pulls and is refused a push with DENIED', async () => {
    const token = (await as(CLUSTER).send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
    const headers = { authorization: `Basic ${token}` };
    const pull = await fetch(`${registry.endpoint}/v2/shared/app/manifests/v1`, {
      headers: { ...headers, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(pull.status).toBe(200);
    const push = await fetch(`${registry.endpoint}/v2/shared/app/blobs/uploads/`, { method: 'POST', headers });
    expect(push.status).toBe(403);
    expect(await ociCode(push)).toBe('DENIED');
  });

  it('lists in _catalog only the repositories the principal may describe', async () => {
    const catalog = async (credentials: typeof VIEWER) => {
      const token = (await as(credentials).send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
      const res = await fetch(`${registry.endpoint}/v2/_catalog`, { headers: { authorization: `Basic ${token}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { repositories: string[] }).repositories;
    };
    expect(await catalog(VIEWER)).toEqual(['team-a/app', 'team-b/app']);
    expect(await catalog(CI)).toEqual(['shared/app', 'team-a/app', 'team-b/app']);
  });

  it('reloads the principals file within seconds: a removed principal loses its key and its tokens at once', async () => {
    const cluster = as(CLUSTER);
    const token = (await cluster.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
    writeFileSync(file, JSON.stringify(principals(false)));
    const deadline = Date.now() + 5000;
    let answer = '';
    while (Date.now() < deadline) {
      answer = await errorOf(cluster.send(new DescribeRepositoriesCommand({})));
      if (answer !== 'no error') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer).toMatch(/^UnrecognizedClientException: /);
    const pull = await fetch(`${registry.endpoint}/v2/shared/app/manifests/v1`, { headers: { authorization: `Basic ${token}` } });
    expect(pull.status).toBe(401);
    expect(await ociCode(pull)).toBe('UNAUTHORIZED');
  });

  it('keeps the principals in force when the changed file is invalid', async () => {
    writeFileSync(file, '{"principals": [{"arn": "not an arn"}]}');
    await new Promise((r) => setTimeout(r, 2500));
    await expect(as(CI).send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/app' }))).resolves.toMatchObject({ uploadId: expect.any(String) });
  });
});
