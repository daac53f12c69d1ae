/**
 * End to end through boto3 (Debian package python3-boto3 for /usr/bin/python3; `npm test` installs it).
 * Each case is a small Python script that prints JSON; the assertions are made here. The interpreter
 * runs as an async child process so the in-process registry keeps serving.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

let registry: TestRegistry;
const home = mkdtempSync(join(tmpdir(), 'secr-boto3-'));
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.destroy();
});

/** Every script starts with `ecr`, a boto3 client for the registry, and `out(value)` to print JSON. */
const PRELUDE = `
import datetime, json, sys
import boto3, botocore
from botocore.exceptions import ClientError
ecr = boto3.client('ecr', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test',
                   config=botocore.config.Config(retries={'max_attempts': 1}))
def out(value):
    print(json.dumps(value))
`;

/** Runs a script against the registry and returns what it printed with out(). */
async function python(script: string): Promise<any> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  const { stdout } = await run(PYTHON, ['-c', PRELUDE + script, registry.endpoint], { env });
  return JSON.parse(stdout);
}

describe('boto3 against the registry', () => {
  it('creates repositories and pages through all of them with the describe_repositories paginator', async () => {
    const result = await python(`
for i in range(7):
    ecr.create_repository(repositoryName=f'boto/r{i}', tags=[{'Key': 'n', 'Value': str(i)}])
pages = list(ecr.get_paginator('describe_repositories').paginate(PaginationConfig={'PageSize': 2}))
repos = [r for page in pages for r in page['repositories']]
out({
    'pages': len(pages),
    'sizes': [len(page['repositories']) for page in pages],
    'names': [r['repositoryName'] for r in repos],
    'createdAtIsDatetime': all(isinstance(r['createdAt'], datetime.datetime) for r in repos),
    'first': {k: v for k, v in repos[0].items() if k != 'createdAt'},
})
`);
    expect(result.pages).toBeGreaterThanOrEqual(4);
    expect(Math.max(...result.sizes)).toBeLessThanOrEqual(2);
    expect(result.names).toEqual(['boto/r0', 'boto/r1', 'boto/r2', 'boto/r3', 'boto/r4', 'boto/r5', 'boto/r6']);
    expect(result.createdAtIsDatetime).toBe(true);
    expect(result.first).toMatchObject({
      repositoryName: 'boto/r0',
      registryId: '000000000000',
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/boto/r0',
      repositoryUri: `127.0.0.1:${registry.port}/boto/r0`,
    });
  });

  it('raises a ClientError whose code is RepositoryNotFoundException', async () => {
    const result = await python(`
try:
    ecr.describe_repositories(repositoryNames=['boto/missing'])
    out({'raised': False})
except ClientError as e:
    out({'raised': True, 'code': e.response['Error']['Code'], 'message': e.response['Error']['Message'],
         'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'modeled': type(e).__name__})
`);
    expect(result).toMatchObject({ raised: true, code: 'RepositoryNotFoundException', status: 400, modeled: 'RepositoryNotFoundException' });
    expect(result.message).toContain("'boto/missing'");
  });

  it('gets an authorization token whose expiresAt is a datetime about 12 hours ahead', async () => {
    const result = await python(`
import base64
data = ecr.get_authorization_token()['authorizationData'][0]
out({
    'isDatetime': isinstance(data['expiresAt'], datetime.datetime),
    'expiresAt': data['expiresAt'].timestamp(),
    'proxyEndpoint': data['proxyEndpoint'],
    'user': base64.b64decode(data['authorizationToken']).decode().split(':', 1)[0],
})
`);
    expect(result.isDatetime).toBe(true);
    expect(Math.abs(result.expiresAt * 1000 - (Date.now() + 12 * 3600 * 1000))).toBeLessThan(60_000);
    expect(result.proxyEndpoint).toBe(`http://127.0.0.1:${registry.port}`);
    expect(result.user).toBe('AWS');
  });
});
