/**
 * Lifecycle policies through the real AWS CLI v2 (/usr/bin/aws, Debian package awscli) and boto3
 * (/usr/bin/python3): put, get, preview with the CLI's waiter, and ECR's error for an invalid policy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { imageManifest, pushBlobs, putManifest } from '../helpers/images.ts';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'secr-lccli-'));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  LANG: 'C.UTF-8',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.destroy();
});

/** `aws ecr <args>` against the registry: exit code, stdout, stderr. */
async function aws(...args: string[]) {
  try {
    const { stdout, stderr } = await run('/usr/bin/aws', ['--endpoint-url', registry.endpoint, '--output', 'json', 'ecr', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof error.code !== 'number') throw e;
    return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  }
}

const policy = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'one untagged image',
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

describe('lifecycle policies through the AWS CLI v2 and boto3', () => {
  it('puts and gets a policy, previews it with `aws ecr wait lifecycle-policy-preview-complete`, and refuses an invalid one', async () => {
    expect((await aws('create-repository', '--repository-name', 'cli/lc')).code).toBe(0);
    for (let i = 0; i < 2; i++) await putManifest(registry.ecr, 'cli/lc', imageManifest(await pushBlobs(registry.ecr, 'cli/lc', 1, 64)));
    const file = join(home, 'policy.json');
    writeFileSync(file, policy);

    const preview = await aws('start-lifecycle-policy-preview', '--repository-name', 'cli/lc', '--lifecycle-policy-text', `file://${file}`);
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout).status).toBe('IN_PROGRESS');
    await registry.jobs.idle();
    expect(await aws('wait', 'lifecycle-policy-preview-complete', '--repository-name', 'cli/lc')).toMatchObject({ code: 0, stderr: '' });
    const results = JSON.parse((await aws('get-lifecycle-policy-preview', '--repository-name', 'cli/lc')).stdout);
    expect(results).toMatchObject({ status: 'COMPLETE', summary: { expiringImageTotalCount: 1 } });
    expect(results.previewResults[0]).toMatchObject({ action: { type: 'EXPIRE' }, appliedRulePriority: 1 });

    expect((await aws('put-lifecycle-policy', '--repository-name', 'cli/lc', '--lifecycle-policy-text', `file://${file}`)).code).toBe(0);
    await registry.jobs.idle();
    const got = JSON.parse((await aws('get-lifecycle-policy', '--repository-name', 'cli/lc')).stdout);
    expect(got.lifecyclePolicyText).toBe(policy);
    expect(Math.abs(Date.parse(got.lastEvaluatedAt) - Date.now())).toBeLessThan(60_000);

    writeFileSync(file, policy.replace('"untagged"', '"tagged"'));
    const refused = await aws('put-lifecycle-policy', '--repository-name', 'cli/lc', '--lifecycle-policy-text', `file://${file}`);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(InvalidParameterException)');
    expect(refused.stderr).toContain('Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.');
  });

  it('reads the policy and its lastEvaluatedAt with boto3', async () => {
    const script = [
      'import boto3, sys',
      `ecr = boto3.client('ecr', endpoint_url='${registry.endpoint}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')`,
      "out = ecr.get_lifecycle_policy(repositoryName='cli/lc')",
      "print(out['lifecyclePolicyText'] == sys.argv[1], type(out['lastEvaluatedAt']).__name__)",
      "try:\n    ecr.delete_lifecycle_policy(repositoryName='cli/lc'); ecr.delete_lifecycle_policy(repositoryName='cli/lc')\nexcept ecr.exceptions.LifecyclePolicyNotFoundException:\n    print('not found')",
    ].join('\n');
    const { stdout } = await run('/usr/bin/python3', ['-c', script, policy], { env });
    expect(stdout.trim().split('\n')).toEqual(['True datetime', 'not found']);
  });
});
