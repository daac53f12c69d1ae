/**
 * End to end through the real AWS CLI v2 (Debian package awscli, /usr/bin/aws; `npm test` installs it).
 * The path is explicit because another, older `aws` may come first on PATH. Each call is an async child
 * process so the in-process registry keeps serving while the CLI waits for it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRegistryPassword } from '../../shared/registry/auth.ts';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const AWS = '/usr/bin/aws';
const run = promisify(execFile);

let registry: TestRegistry;
const home = mkdtempSync(join(tmpdir(), 'secr-awscli-'));
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.destroy();
});

type CliResult = { code: number; stdout: string; stderr: string; readonly json: any };

/** Runs `aws --endpoint-url <registry> --output json <args>` with only the test credentials in its environment. */
async function aws(args: string[], credentials: { accessKeyId?: string; secretAccessKey?: string } = {}): Promise<CliResult> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId ?? 'test',
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey ?? 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  try {
    const { stdout, stderr } = await run(AWS, ['--endpoint-url', registry.endpoint, '--output', 'json', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return {
      code: 0,
      stdout,
      stderr,
      get json() {
        return stdout.trim() ? JSON.parse(stdout) : undefined;
      },
    };
  } catch (e) {
    const error = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof error.code !== 'number') throw e; // the CLI could not be started at all
    return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '', json: undefined };
  }
}

/** Runs a call that must succeed and returns its parsed JSON output. */
async function ok(args: string[]): Promise<any> {
  const result = await aws(args);
  expect(result.stderr, `aws ${args.join(' ')}`).toBe('');
  expect(result.code).toBe(0);
  return result.json;
}

const policy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] },
  ],
});

describe('the AWS CLI v2 against the registry', () => {
  it('creates a repository with tags and lists them by ARN', async () => {
    const created = await ok(['ecr', 'create-repository', '--repository-name', 'cli/app', '--tags', 'Key=team,Value=core', 'Key=env,Value=dev']);
    expect(created.repository).toMatchObject({
      repositoryName: 'cli/app',
      registryId: '000000000000',
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/cli/app',
      repositoryUri: `127.0.0.1:${registry.port}/cli/app`,
      imageTagMutability: 'MUTABLE',
    });
    // The CLI prints timestamps as ISO strings it parsed from epoch seconds.
    expect(Math.abs(Date.parse(created.repository.createdAt) - Date.now())).toBeLessThan(60_000);
    const tags = await ok(['ecr', 'list-tags-for-resource', '--resource-arn', created.repository.repositoryArn]);
    expect(tags.tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'core' },
        { Key: 'env', Value: 'dev' },
      ]),
    );
    expect(tags.tags).toHaveLength(2);
  });

  it('fetches every page of describe-repositories and returns each repository once', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `cli/page/r${i}`);
    await Promise.all(names.map((name) => ok(['ecr', 'create-repository', '--repository-name', name])));
    // --page-size 2 makes the CLI send maxResults 2 and follow nextToken until the last page.
    const result = await aws(['ecr', 'describe-repositories', '--page-size', '2', '--debug']);
    expect(result.code).toBe(0);
    const requests = result.stderr.match(/Making request for OperationModel\(name=DescribeRepositories\)/g) ?? [];
    expect(requests.length).toBeGreaterThanOrEqual(4);
    const listed: string[] = result.json.repositories.map((r: any) => r.repositoryName);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(names));
    expect(result.json.nextToken).toBeUndefined();
  });

  it('changes tag mutability', async () => {
    await ok(['ecr', 'create-repository', '--repository-name', 'cli/mutability']);
    const out = await ok(['ecr', 'put-image-tag-mutability', '--repository-name', 'cli/mutability', '--image-tag-mutability', 'IMMUTABLE']);
    expect(out).toMatchObject({ registryId: '000000000000', repositoryName: 'cli/mutability', imageTagMutability: 'IMMUTABLE' });
    const described = await ok(['ecr', 'describe-repositories', '--repository-names', 'cli/mutability']);
    expect(described.repositories[0].imageTagMutability).toBe('IMMUTABLE');
  });

  it('sets and gets a repository policy', async () => {
    await ok(['ecr', 'create-repository', '--repository-name', 'cli/policy']);
    const set = await ok(['ecr', 'set-repository-policy', '--repository-name', 'cli/policy', '--policy-text', policy]);
    expect(set).toMatchObject({ registryId: '000000000000', repositoryName: 'cli/policy' });
    expect(JSON.parse(set.policyText)).toEqual(JSON.parse(policy));
    const got = await ok(['ecr', 'get-repository-policy', '--repository-name', 'cli/policy']);
    expect(JSON.parse(got.policyText)).toEqual(JSON.parse(policy));
  });

  it('prints a registry password with get-login-password that the registry accepts', async () => {
    const result = await aws(['ecr', 'get-login-password']);
    expect(result.code).toBe(0);
    const password = result.stdout.trim();
    expect(password).not.toBe('');
    expect(password).not.toContain('AWS:');
    expect(verifyRegistryPassword(registry.config.signingKey, registry.config.registryId, 'AWS', password, Date.now())).toBeDefined();
  });

  it('returns an authorization token with the proxy endpoint and a 12 hour expiry', async () => {
    const out = await ok(['ecr', 'get-authorization-token']);
    expect(out.authorizationData).toHaveLength(1);
    const [data] = out.authorizationData;
    expect(data.proxyEndpoint).toBe(`http://127.0.0.1:${registry.port}`);
    expect(Buffer.from(data.authorizationToken, 'base64').toString('utf8')).toMatch(/^AWS:.+/);
    expect(Math.abs(Date.parse(data.expiresAt) - (Date.now() + 12 * 3600 * 1000))).toBeLessThan(60_000);
  });

  it('reports RepositoryNotFoundException on stderr with exit code 254', async () => {
    const result = await aws(['ecr', 'describe-repositories', '--repository-names', 'cli/missing']);
    expect(result.code).toBe(254);
    expect(result.stderr).toContain('An error occurred (RepositoryNotFoundException) when calling the DescribeRepositories operation');
    expect(result.stdout).toBe('');
  });

  it('reports InvalidParameterException for a repository name the pattern refuses', async () => {
    const result = await aws(['ecr', 'create-repository', '--repository-name', 'Bad_Name!']);
    expect(result.code).toBe(254);
    expect(result.stderr).toContain('An error occurred (InvalidParameterException) when calling the CreateRepository operation');
  });

  it('reports InvalidSignatureException for a wrong secret key', async () => {
    const result = await aws(['ecr', 'describe-repositories'], { secretAccessKey: 'not-the-secret' });
    expect(result.code).toBe(254);
    expect(result.stderr).toContain('An error occurred (InvalidSignatureException) when calling the DescribeRepositories operation');
  });

  it('reports UnrecognizedClientException for an unknown access key', async () => {
    const result = await aws(['ecr', 'describe-repositories'], { accessKeyId: 'AKIAUNKNOWN' });
    expect(result.code).toBe(254);
    expect(result.stderr).toContain('An error occurred (UnrecognizedClientException) when calling the DescribeRepositories operation');
  });
});
