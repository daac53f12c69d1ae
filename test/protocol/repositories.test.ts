import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DeleteRepositoryPolicyCommand,
  DescribeRepositoriesCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  SetRepositoryPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  paginateDescribeRepositories,
} from '@aws-sdk/client-ecr';
import { errorName, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.destroy();
});

const policy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] },
  ],
});

describe('repositories through the ECR SDK', () => {
  it('creates a repository and describes it with ECR fields', async () => {
    const host = new URL(registry.endpoint).host;
    const created = await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app', tags: [{ Key: 'env', Value: 'dev' }] }));
    expect(created.repository).toMatchObject({
      repositoryName: 'team/app',
      registryId: '000000000000',
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/team/app',
      repositoryUri: `${host}/team/app`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    expect(created.repository!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(created.repository!.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);
    const described = await registry.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/app'] }));
    expect(described.repositories).toEqual([created.repository]);
  });

  it('refuses a second repository of the same name with RepositoryAlreadyExistsException', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' }));
    const error = await rejection(registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' })));
    expect(error.name).toBe('RepositoryAlreadyExistsException');
    expect(error.message).toBe("The repository with name 'dup' already exists in the registry with id '000000000000'");
  });

  it('rejects an invalid repository name with InvalidParameterException naming the member', async () => {
    const error = await rejection(registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'Bad_Name!' })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression");
  });

  it('rejects a maxResults outside 1..1000 with InvalidParameterException', async () => {
    const error = await rejection(registry.ecr.send(new DescribeRepositoriesCommand({ maxResults: 1001 })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain("'maxResults'");
  });

  it('answers RepositoryNotFoundException for a repository that does not exist', async () => {
    expect(await errorName(registry.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })))).toBe('RepositoryNotFoundException');
    expect(await errorName(registry.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'nope' })))).toBe('RepositoryNotFoundException');
  });

  it('pages through repositories with the SDK paginator and no repeats', async () => {
    for (let i = 0; i < 7; i++) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: `page/r${i}` }));
    const names: string[] = [];
    for await (const page of paginateDescribeRepositories({ client: registry.ecr, pageSize: 3 }, {})) {
      expect(page.repositories!.length).toBeLessThanOrEqual(3);
      names.push(...page.repositories!.map((r) => r.repositoryName!));
    }
    expect(names.filter((n) => n.startsWith('page/'))).toEqual(['page/r0', 'page/r1', 'page/r2', 'page/r3', 'page/r4', 'page/r5', 'page/r6']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('rejects a forged nextToken with InvalidParameterException', async () => {
    const first = await registry.ecr.send(new DescribeRepositoriesCommand({ maxResults: 1 }));
    expect(first.nextToken).toBeDefined();
    const forged = first.nextToken!.slice(0, -3) + 'AAA';
    expect(await errorName(registry.ecr.send(new DescribeRepositoriesCommand({ maxResults: 1, nextToken: forged })))).toBe('InvalidParameterException');
  });

  it('changes tag mutability with exclusion filters and validates them', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'mut' }));
    const out = await registry.ecr.send(
      new PutImageTagMutabilityCommand({
        repositoryName: 'mut',
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      }),
    );
    expect(out).toMatchObject({
      repositoryName: 'mut',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
    });
    expect(await errorName(registry.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'mut', imageTagMutability: 'MUTABLE_WITH_EXCLUSION' })))).toBe(
      'InvalidParameterException',
    );
    const described = await registry.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['mut'] }));
    expect(described.repositories![0].imageTagMutabilityExclusionFilters).toEqual([{ filterType: 'WILDCARD', filter: 'latest*' }]);
  });

  it('turns scan on push on for a repository', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan' }));
    const out = await registry.ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: 'scan', imageScanningConfiguration: { scanOnPush: true } }));
    expect(out.imageScanningConfiguration).toEqual({ scanOnPush: true });
  });

  it('tags, lists and untags a repository by ARN', async () => {
    const { repository } = await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tagged', tags: [{ Key: 'a', Value: '1' }] }));
    await registry.ecr.send(
      new TagResourceCommand({
        resourceArn: repository!.repositoryArn,
        tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: '3' },
        ],
      }),
    );
    expect((await registry.ecr.send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn }))).tags).toEqual([
      { Key: 'a', Value: '3' },
      { Key: 'b', Value: '2' },
    ]);
    await registry.ecr.send(new UntagResourceCommand({ resourceArn: repository!.repositoryArn, tagKeys: ['a'] }));
    expect((await registry.ecr.send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn }))).tags).toEqual([{ Key: 'b', Value: '2' }]);
    expect(await errorName(registry.ecr.send(new TagResourceCommand({ resourceArn: repository!.repositoryArn, tags: [{ Key: 'aws:x', Value: '1' }] })))).toBe(
      'InvalidTagParameterException',
    );
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await errorName(registry.ecr.send(new TagResourceCommand({ resourceArn: repository!.repositoryArn, tags: many })))).toBe('TooManyTagsException');
    expect(await errorName(registry.ecr.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/missing' })))).toBe(
      'RepositoryNotFoundException',
    );
    expect(await errorName(registry.ecr.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })))).toBe('InvalidParameterException');
  });

  it('stores, returns and deletes a repository policy, refusing invalid policy JSON', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pol' }));
    expect(await errorName(registry.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'pol' })))).toBe('RepositoryPolicyNotFoundException');
    expect(await errorName(registry.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText: '{not json' })))).toBe(
      'InvalidParameterException',
    );
    expect(
      await errorName(
        registry.ecr.send(
          new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText: '{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"ecr:*"}]}' }),
        ),
      ),
    ).toBe('InvalidParameterException');
    const set = await registry.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText: policy }));
    expect(set).toMatchObject({ registryId: '000000000000', repositoryName: 'pol', policyText: policy });
    expect((await registry.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'pol' }))).policyText).toBe(policy);
    expect((await registry.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'pol' }))).policyText).toBe(policy);
    expect(await errorName(registry.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'pol' })))).toBe('RepositoryPolicyNotFoundException');
  });

  it('deletes an empty repository and then no longer finds it', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'gone' }));
    const out = await registry.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'gone' }));
    expect(out.repository!.repositoryName).toBe('gone');
    expect(await errorName(registry.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['gone'] })))).toBe('RepositoryNotFoundException');
  });

  it('validates encryption configuration and reports a KMS key', async () => {
    const out = await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'kms', encryptionConfiguration: { encryptionType: 'KMS' } }));
    expect(out.repository!.encryptionConfiguration).toEqual({ encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:000000000000:alias/aws/ecr' });
    expect(
      await errorName(
        registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'aes', encryptionConfiguration: { encryptionType: 'AES256', kmsKey: 'k' } })),
      ),
    ).toBe('InvalidParameterException');
  });
});
