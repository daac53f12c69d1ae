/**
 * Repository creation templates through the real ECR SDK and the OCI API: the four operations with every member and
 * error (TemplateAlreadyExistsException, TemplateNotFoundException, LimitExceededException, ValidationException,
 * InvalidParameterException), Update's omitted members, and CREATE_ON_PUSH: a push to a repository that does not
 * exist creates it from the matching template at the push's first write, with ecr:CreateRepository.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  InitiateLayerUploadCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  UpdateRepositoryCreationTemplateCommand,
  paginateDescribeRepositoryCreationTemplates,
  type CreateRepositoryCreationTemplateCommandInput,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageManifest, pushBlobs } from '../helpers/images.ts';
import { ociClient, ociCode, sha256, type Oci } from '../helpers/oci.ts';
import { ecrClient, errorName, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const repositoryArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
const key = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: `${accessKeyId.toLowerCase()}-secret` });
const PUSHER = key('AKIAPUSHER000000001');
const CREATOR = key('AKIACREATOR00000001');
const PUSH_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
];
const principals = {
  principals: [
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/pusher`,
      accessKeys: [PUSHER],
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: PUSH_ACTIONS, Resource: '*' }] }],
    },
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/creator`,
      accessKeys: [CREATOR],
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [...PUSH_ACTIONS, 'ecr:CreateRepository'], Resource: '*' }] }],
    },
  ],
};
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: '210987654321' }, Action: ['ecr:BatchGetImage'] }],
});
const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } }],
});

let registry: TestRegistry;
let ecr: ECRClient;
let oci: Oci;
let dir: string;
const clients: ECRClient[] = [];
const as = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
  const client = ecrClient(registry.endpoint, credentials);
  clients.push(client);
  return client;
};
const create = (input: Partial<CreateRepositoryCreationTemplateCommandInput> & { prefix: string }) =>
  ecr.send(new CreateRepositoryCreationTemplateCommand({ appliedFor: ['CREATE_ON_PUSH'], ...input }));
const remove = (prefix: string) => ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix }));
const repositoryOf = async (name: string) => (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories![0];
const exists = (name: string) =>
  repositoryOf(name).then(
    () => true,
    (e: Error) => (e.name === 'RepositoryNotFoundException' ? false : Promise.reject(e)),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secr-templates-'));
  const file = join(dir, 'principals.json');
  writeFileSync(file, JSON.stringify(principals));
  registry = await startTestRegistry(undefined, { REGISTRY_IAM_FILE: file, REGISTRY_ID: ACCOUNT, LOG_LEVEL: 'silent' });
  ecr = registry.ecr;
  oci = await ociClient(registry);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await registry?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('CreateRepositoryCreationTemplate', () => {
  it('creates a template with every member and answers it back, with its times', async () => {
    // Prepare
    const input = {
      prefix: 'full',
      description: 'every member',
      encryptionConfiguration: { encryptionType: 'KMS' as const, kmsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc-123` },
      resourceTags: [{ Key: 'team', Value: 'a' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' as const,
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD' as const, filter: 'dev-*' }],
      repositoryPolicy: POLICY,
      lifecyclePolicy: LIFECYCLE,
      appliedFor: ['REPLICATION' as const, 'CREATE_ON_PUSH' as const, 'PULL_THROUGH_CACHE' as const],
      customRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecr-templates`,
    };
    // Act
    const out = await create(input);
    // Assess
    expect(out.registryId).toBe(ACCOUNT);
    const { createdAt, updatedAt, ...template } = out.repositoryCreationTemplate!;
    expect(template).toEqual(input);
    expect(createdAt).toBeInstanceOf(Date);
    expect(updatedAt).toEqual(createdAt);
    const described = await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['full'] }));
    expect(described.repositoryCreationTemplates).toEqual([out.repositoryCreationTemplate]);
    await remove('full');
  });

  it('gives an omitted member its default: MUTABLE, AES256, no tags', async () => {
    const out = await create({ prefix: 'bare' });

    expect(out.repositoryCreationTemplate).toMatchObject({
      prefix: 'bare',
      imageTagMutability: 'MUTABLE',
      encryptionConfiguration: { encryptionType: 'AES256' },
      resourceTags: [],
      appliedFor: ['CREATE_ON_PUSH'],
    });
    expect(out.repositoryCreationTemplate!.description).toBeUndefined();
    await remove('bare');
  });

  it('refuses a second template for a prefix, with or without its trailing /: TemplateAlreadyExistsException', async () => {
    await create({ prefix: 'twice' });

    expect(await errorName(create({ prefix: 'twice' }))).toBe('TemplateAlreadyExistsException');
    expect(await errorName(create({ prefix: 'twice/' }))).toBe('TemplateAlreadyExistsException');
    await remove('twice/');
  });

  it('refuses what the model forbids with ValidationException: a prefix off its pattern, no appliedFor, an unknown purpose', async () => {
    expect(await errorName(create({ prefix: 'Upper/Case' }))).toBe('ValidationException');
    expect(await errorName(create({ prefix: 'a//b' }))).toBe('ValidationException');
    expect(await errorName(ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'p' } as never)))).toBe('ValidationException');
    expect(await errorName(create({ prefix: 'p', appliedFor: ['SOMETHING'] as never }))).toBe('ValidationException');
    expect(await errorName(create({ prefix: 'p', description: 'x'.repeat(257) }))).toBe('ValidationException');
  });

  it('validates the policies as SetRepositoryPolicy and PutLifecyclePolicy do, and the other members as CreateRepository does', async () => {
    const refusal = async (input: Partial<CreateRepositoryCreationTemplateCommandInput>) => {
      const e = await rejection(create({ prefix: 'invalid', ...input }));
      return `${e.name}: ${e.message}`;
    };

    expect(await refusal({ repositoryPolicy: '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Principal":"*"}]}' })).toBe(
      "InvalidParameterException: Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'",
    );
    expect(await refusal({ lifecyclePolicy: 'not json' })).toMatch(/^InvalidParameterException: .*'LifecyclePolicyText'.*Lifecycle policy validation failure/);
    expect(await refusal({ appliedFor: [] })).toMatch(/^InvalidParameterException: .*'appliedFor'/);
    expect(await refusal({ encryptionConfiguration: { encryptionType: 'AES256', kmsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k` } })).toMatch(
      /^InvalidParameterException: .*kmsKey/,
    );
    expect(await refusal({ imageTagMutability: 'MUTABLE', imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'x*' }] })).toMatch(
      /^InvalidParameterException: .*imageTagMutabilityExclusionFilters/,
    );
    expect(await refusal({ imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' })).toMatch(/^InvalidParameterException: .*imageTagMutabilityExclusionFilters/);
    expect(await refusal({ resourceTags: [{ Key: 'aws:reserved', Value: 'x' }] })).toMatch(/^InvalidParameterException: .*'resourceTags'/);
    expect(await refusal({ resourceTags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })).toMatch(
      /^InvalidParameterException: .*'resourceTags'/,
    );
    expect(await refusal({ customRoleArn: 'arn:aws:iam::210987654321:role/elsewhere' })).toMatch(/^InvalidParameterException: .*'customRoleArn'/);
    expect(await refusal({ customRoleArn: 'not-an-arn' })).toMatch(/^InvalidParameterException: .*'customRoleArn'/);
    expect((await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['invalid'] }))).repositoryCreationTemplates).toEqual([]);
  });

  it('refuses a template beyond the registry’s 50 with LimitExceededException, and takes one again after a delete', async () => {
    // Prepare
    const prefixes = Array.from({ length: 50 }, (_, i) => `limit-${String(i).padStart(2, '0')}`);
    for (const prefix of prefixes) await create({ prefix, appliedFor: ['REPLICATION'] });
    // Act and assess
    expect(await errorName(create({ prefix: 'limit-50', appliedFor: ['REPLICATION'] }))).toBe('LimitExceededException');
    await remove('limit-00');
    await create({ prefix: 'limit-50', appliedFor: ['REPLICATION'] });
    for (const prefix of [...prefixes.slice(1), 'limit-50']) await remove(prefix);
  });
});

describe('DescribeRepositoryCreationTemplates', () => {
  it('lists every template in prefix order, a page of maxResults at a time, the last page without a token', async () => {
    // Prepare
    const prefixes = ['list/c', 'list/a', 'list/b', 'list/d', 'list/e'];
    for (const prefix of prefixes) await create({ prefix, appliedFor: ['REPLICATION'] });
    // Act
    const pages = [];
    for await (const page of paginateDescribeRepositoryCreationTemplates({ client: ecr, pageSize: 2 }, {})) pages.push(page);
    // Assess
    expect(pages.map((p) => p.repositoryCreationTemplates!.map((t) => t.prefix))).toEqual([['list/a', 'list/b'], ['list/c', 'list/d'], ['list/e']]);
    expect(pages.at(-1)!.nextToken).toBeUndefined();
    const all = await ecr.send(new DescribeRepositoryCreationTemplatesCommand({}));
    expect(all.repositoryCreationTemplates!.map((t) => t.prefix)).toEqual(['list/a', 'list/b', 'list/c', 'list/d', 'list/e']);
    expect(all.nextToken).toBeUndefined();
    for (const prefix of prefixes) await remove(prefix);
  });

  it('filters by prefixes, leaving out those without a template, and pages through them too', async () => {
    for (const prefix of ['pick/a', 'pick/b', 'pick/c']) await create({ prefix, appliedFor: ['REPLICATION'] });

    const first = await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['pick/c', 'pick/none', 'pick/a', 'pick/b'], maxResults: 2 }));
    const second = await ecr.send(
      new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['pick/c', 'pick/none', 'pick/a', 'pick/b'], maxResults: 2, nextToken: first.nextToken }),
    );

    expect(first.repositoryCreationTemplates!.map((t) => t.prefix)).toEqual(['pick/a', 'pick/b']);
    expect(second.repositoryCreationTemplates!.map((t) => t.prefix)).toEqual(['pick/c']);
    expect(second.nextToken).toBeUndefined();
    expect(await errorName(ecr.send(new DescribeRepositoryCreationTemplatesCommand({ nextToken: first.nextToken })))).toBe('InvalidParameterException');
    expect(await errorName(ecr.send(new DescribeRepositoryCreationTemplatesCommand({ maxResults: 0 })))).toBe('ValidationException');
    for (const prefix of ['pick/a', 'pick/b', 'pick/c']) await remove(prefix);
  });
});

describe('UpdateRepositoryCreationTemplate', () => {
  it('changes the members given, keeps the others, and sets an omitted imageTagMutability back to MUTABLE as the API reference says', async () => {
    // Prepare
    const before = (
      await create({
        prefix: 'upd',
        description: 'before',
        imageTagMutability: 'IMMUTABLE',
        resourceTags: [{ Key: 'a', Value: '1' }],
        repositoryPolicy: POLICY,
        lifecyclePolicy: LIFECYCLE,
        appliedFor: ['REPLICATION'],
        customRoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
        encryptionConfiguration: { encryptionType: 'KMS' },
      })
    ).repositoryCreationTemplate!;
    // Act
    const out = await ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'upd', description: 'after' }));
    // Assess
    const after = out.repositoryCreationTemplate!;
    expect(out.registryId).toBe(ACCOUNT);
    expect(after).toMatchObject({
      prefix: 'upd',
      description: 'after',
      imageTagMutability: 'MUTABLE',
      resourceTags: [{ Key: 'a', Value: '1' }],
      repositoryPolicy: POLICY,
      lifecyclePolicy: LIFECYCLE,
      appliedFor: ['REPLICATION'],
      customRoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
      encryptionConfiguration: { encryptionType: 'KMS' },
      createdAt: before.createdAt,
    });
    expect(after.updatedAt!.getTime()).toBeGreaterThanOrEqual(before.updatedAt!.getTime());
    expect((await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['upd'] }))).repositoryCreationTemplates).toEqual([after]);
  });

  it('replaces tags and purposes when given, clears a member given empty, and validates as Create does', async () => {
    const out = await ecr.send(
      new UpdateRepositoryCreationTemplateCommand({
        prefix: 'upd/',
        resourceTags: [],
        appliedFor: ['CREATE_ON_PUSH', 'PULL_THROUGH_CACHE'],
        description: '',
        repositoryPolicy: '',
        customRoleArn: '',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
      }),
    );

    const t = out.repositoryCreationTemplate!;
    expect(t).toMatchObject({
      resourceTags: [],
      appliedFor: ['CREATE_ON_PUSH', 'PULL_THROUGH_CACHE'],
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
      lifecyclePolicy: LIFECYCLE,
    });
    expect([t.description, t.repositoryPolicy, t.customRoleArn]).toEqual([undefined, undefined, undefined]);
    expect(await errorName(ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'upd', lifecyclePolicy: '{"rules":"x"}' })))).toBe(
      'InvalidParameterException',
    );
    expect(await errorName(ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'upd', appliedFor: [] })))).toBe('InvalidParameterException');
    await remove('upd');
  });

  it('answers TemplateNotFoundException for a prefix without a template', async () => {
    const e = await rejection(ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'nowhere', description: 'x' })));

    expect(`${e.name}: ${e.message}`).toBe(
      `TemplateNotFoundException: The repository creation template with prefix 'nowhere' does not exist in the registry with id '${ACCOUNT}'`,
    );
  });
});

describe('DeleteRepositoryCreationTemplate', () => {
  it('returns the template it deleted, then answers TemplateNotFoundException', async () => {
    const created = (await create({ prefix: 'del', description: 'gone soon' })).repositoryCreationTemplate!;

    const out = await remove('del');

    expect(out).toMatchObject({ registryId: ACCOUNT, repositoryCreationTemplate: created });
    expect(await errorName(remove('del'))).toBe('TemplateNotFoundException');
    expect(await errorName(ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'Bad Prefix' })))).toBe('ValidationException');
  });
});

describe('CREATE_ON_PUSH through the ECR API', () => {
  const full = {
    description: 'pushed repositories of team a',
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' as const,
    imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD' as const, filter: 'latest' }],
    encryptionConfiguration: { encryptionType: 'KMS' as const },
    resourceTags: [{ Key: 'team', Value: 'a' }],
    repositoryPolicy: POLICY,
    lifecyclePolicy: LIFECYCLE,
  };

  beforeAll(async () => {
    await create({ prefix: 'team-a', ...full });
    await create({ prefix: 'team-a/svc', resourceTags: [{ Key: 'tier', Value: 'svc' }] });
    await create({ prefix: 'replicated', appliedFor: ['REPLICATION', 'PULL_THROUGH_CACHE'] });
  });

  it('creates the repository at InitiateLayerUpload with the template’s settings, policy, lifecycle policy and tags', async () => {
    // Act
    const upload = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/app' }));
    // Assess
    expect(upload.uploadId).toBeDefined();
    expect(await repositoryOf('team-a/app')).toMatchObject({
      repositoryArn: repositoryArn('team-a/app'),
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: full.imageTagMutabilityExclusionFilters,
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/ecr` },
      imageScanningConfiguration: { scanOnPush: false },
    });
    expect((await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'team-a/app' }))).policyText).toBe(POLICY);
    expect((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'team-a/app' }))).lifecyclePolicyText).toBe(LIFECYCLE);
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn('team-a/app') }))).tags).toEqual([{ Key: 'team', Value: 'a' }]);
  });

  it('creates the repository at PutImage, its first write, even when the manifest is then refused', async () => {
    // Prepare: the blobs live in another new repository (created by its first InitiateLayerUpload)
    const blobs = await pushBlobs(ecr, 'team-a/put', 1);
    // Act
    const pushed = await ecr.send(new PutImageCommand({ repositoryName: 'team-a/put', imageTag: 'v1', imageManifest: imageManifest(blobs) }));
    const refused = await rejection(ecr.send(new PutImageCommand({ repositoryName: 'team-a/put-only', imageTag: 'v1', imageManifest: imageManifest(blobs) })));
    // Assess: the second repository was created, then the manifest refused because its layers are not in it
    expect(pushed.image!.imageId!.imageTag).toBe('v1');
    expect(refused.name).toBe('LayersNotFoundException');
    expect((await repositoryOf('team-a/put-only')).imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
  });

  it('never creates at a check: BatchCheckLayerAvailability answers RepositoryNotFoundException', async () => {
    expect(await errorName(ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'team-a/checked', layerDigests: [sha256('x')] })))).toBe(
      'RepositoryNotFoundException',
    );
    expect(await exists('team-a/checked')).toBe(false);
  });

  it('applies the longest matching prefix, a trailing / assumed: team-a/svc over team-a, and not team-a to team-ab', async () => {
    await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/svc/api' }));

    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn('team-a/svc/api') }))).tags).toEqual([{ Key: 'tier', Value: 'svc' }]);
    expect((await repositoryOf('team-a/svc/api')).imageTagMutability).toBe('MUTABLE');
    expect(await errorName(ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'team-ab/app' })))).toBe('RepositoryNotFoundException');
    expect(await errorName(ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a' })))).toBe('RepositoryNotFoundException');
    expect(await exists('team-ab/app')).toBe(false);
  });

  it('creates nothing from a template that is not for CREATE_ON_PUSH: the push fails as before', async () => {
    const e = await rejection(ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'replicated/app' })));

    expect(`${e.name}: ${e.message}`).toBe(
      `RepositoryNotFoundException: The repository with name 'replicated/app' does not exist in the registry with id '${ACCOUNT}'`,
    );
  });

  it('applies ROOT to a name no other prefix matches, and ROOT last', async () => {
    await create({ prefix: 'ROOT', resourceTags: [{ Key: 'from', Value: 'root' }] });
    try {
      await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'anything/app' }));
      await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/rooted' }));

      expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn('anything/app') }))).tags).toEqual([{ Key: 'from', Value: 'root' }]);
      expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn('team-a/rooted') }))).tags).toEqual([{ Key: 'team', Value: 'a' }]);
    } finally {
      await remove('ROOT');
    }
  });

  it('needs ecr:CreateRepository beside the push action: AccessDeniedException in AWS’s words, and nothing created', async () => {
    // Act
    const denied = await rejection(as(PUSHER).send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/denied' })));
    const allowed = await as(CREATOR).send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/allowed' }));
    // Assess
    expect(`${denied.name}: ${denied.message}`).toBe(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/pusher is not authorized to perform: ecr:CreateRepository on resource: ${repositoryArn('team-a/denied')} because no identity-based policy allows the ecr:CreateRepository action`,
    );
    expect(await exists('team-a/denied')).toBe(false);
    expect(allowed.uploadId).toBeDefined();
    expect(await exists('team-a/allowed')).toBe(true);
  });

  it('lets two concurrent first pushes both succeed, into one repository', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/raced' }))));

    expect(new Set(results.map((r) => r.uploadId)).size).toBe(6);
    const listed = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team-a/raced'] }));
    expect(listed.repositories).toHaveLength(1);
  });
});

describe('CREATE_ON_PUSH through the OCI API', () => {
  beforeAll(async () => {
    await create({ prefix: 'oci', imageTagMutability: 'IMMUTABLE', resourceTags: [{ Key: 'via', Value: 'oci' }] });
  });

  it('creates the repository at the upload POST, with the template’s settings', async () => {
    const res = await oci.fetch('/v2/oci/session/blobs/uploads/', { method: 'POST' });

    expect(res.status).toBe(202);
    expect((await repositoryOf('oci/session')).imageTagMutability).toBe('IMMUTABLE');
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn('oci/session') }))).tags).toEqual([{ Key: 'via', Value: 'oci' }]);
  });

  it('creates the repository at a monolithic POST ?digest= and at a mount, and the blob is there', async () => {
    const bytes = randomBytes(512);

    const digest = await oci.pushBlob('oci/monolithic', bytes);
    const mount = await oci.fetch(`/v2/oci/mounted/blobs/uploads/?mount=${digest}&from=oci/monolithic`, { method: 'POST' });

    expect((await oci.fetch(`/v2/oci/monolithic/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    expect(mount.status).toBe(202);
    expect(await exists('oci/mounted')).toBe(true);
  });

  it('creates the repository at a manifest PUT', async () => {
    const res = await oci.pushManifest(
      'oci/manifest',
      'v1',
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('{}'), size: 2 },
        layers: [],
      }),
    );

    expect(res.status).toBe(400);
    expect(await ociCode(res)).toBe('MANIFEST_BLOB_UNKNOWN');
    expect(await exists('oci/manifest')).toBe(true);
  });

  it('never creates at a HEAD or a GET: NAME_UNKNOWN, as before', async () => {
    const head = await oci.fetch(`/v2/oci/looked-at/blobs/${sha256('x')}`, { method: 'HEAD' });
    const get = await oci.fetch('/v2/oci/looked-at/manifests/v1');
    const tags = await oci.fetch('/v2/oci/looked-at/tags/list');

    expect([head.status, get.status, tags.status]).toEqual([404, 404, 404]);
    expect(await ociCode(get)).toBe('NAME_UNKNOWN');
    expect(await exists('oci/looked-at')).toBe(false);
  });

  it('answers 403 DENIED to a pusher without ecr:CreateRepository, and NAME_UNKNOWN without a template', async () => {
    const token = (await as(PUSHER).send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;

    const denied = await oci.fetch('/v2/oci/denied/blobs/uploads/', { method: 'POST', auth: `Basic ${token}` });
    const unknown = await oci.fetch('/v2/elsewhere/app/blobs/uploads/', { method: 'POST' });

    expect(denied.status).toBe(403);
    expect(await ociCode(denied)).toBe('DENIED');
    expect(unknown.status).toBe(404);
    expect(await ociCode(unknown)).toBe('NAME_UNKNOWN');
    expect(await exists('oci/denied')).toBe(false);
  });
});
