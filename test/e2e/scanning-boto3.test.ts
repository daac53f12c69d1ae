/**
 * Image scanning end to end through boto3 (/usr/bin/python3): scan on push, start_image_scan with the
 * image_scan_complete waiter, the findings paginator, the 24-hour limit, an unsupported image and the
 * registry scanning configuration. Images are pushed with the SDK (layers built in the test); boto3 does
 * everything scanning.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { dpkgStatus, layerTar, osRelease, osvRecord, pushImageOfLayers, writeOsvFeed } from '../helpers/scan-fixtures.ts';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'secr-boto3-scan-'));
const feedDir = mkdtempSync(join(tmpdir(), 'secr-boto3-feed-'));
let registry: TestRegistry;

const PACKAGES = Array.from({ length: 12 }, (_, i) => `lib${i}`);

beforeAll(async () => {
  writeOsvFeed(
    feedDir,
    'Debian',
    PACKAGES.map((p, i) =>
      osvRecord(
        `DEBIAN-CVE-2024-${5000 + i}`,
        'Debian:12',
        p,
        [{ introduced: '0' }, { fixed: '1.1-1' }],
        {},
        { ecosystem_specific: { urgency: i % 2 ? 'high' : 'low' } },
      ),
    ),
  );
  registry = await startTestRegistry(undefined, { SCAN_FEED_DIR: feedDir });
});
afterAll(async () => {
  await registry?.destroy();
  rmSync(feedDir, { recursive: true, force: true });
});

const PRELUDE = `
import json, sys
import boto3, botocore
from botocore.exceptions import ClientError, WaiterError
ecr = boto3.client('ecr', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test',
                   config=botocore.config.Config(retries={'max_attempts': 1}))
def out(value):
    print(json.dumps(value, default=str))
def code(call, **kw):
    try:
        call(**kw)
        return None
    except ClientError as e:
        return e.response['Error']['Code']
def wait(repo, digest):
    import time
    for _ in range(50):
        if code(ecr.describe_image_scan_findings, repositoryName=repo, imageId={'imageDigest': digest}) != 'ScanNotFoundException':
            break
        time.sleep(0.1)
    ecr.get_waiter('image_scan_complete').wait(repositoryName=repo, imageId={'imageDigest': digest}, WaiterConfig={'Delay': 1, 'MaxAttempts': 60})
`;

async function python(script: string, ...args: string[]): Promise<any> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  const { stdout } = await run(PYTHON, ['-c', PRELUDE + script, registry.endpoint, ...args], { env });
  return JSON.parse(stdout);
}

const debianLayer = () =>
  layerTar([
    { path: 'etc/os-release', content: osRelease('debian', '12') },
    { path: 'var/lib/dpkg/status', content: dpkgStatus(PACKAGES.map((name) => ({ name, version: '1.0-1' }))) },
  ]);

describe('boto3 scanning', () => {
  it('scans on push under a registry rule, pages findings and answers LimitExceededException on a second start', async () => {
    const config = await python(`
out(ecr.put_registry_scanning_configuration(scanType='BASIC', rules=[{'scanFrequency': 'SCAN_ON_PUSH', 'repositoryFilters': [{'filter': 'boto-scan/*', 'filterType': 'WILDCARD'}]}])['registryScanningConfiguration'])
`);
    expect(config).toEqual({
      scanType: 'BASIC',
      rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'boto-scan/*', filterType: 'WILDCARD' }] }],
    });
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'boto-scan/app' }));
    const digest = await pushImageOfLayers(registry.ecr, 'boto-scan/app', [await debianLayer()], 'v1');
    const result = await python(
      `
repo, digest = 'boto-scan/app', sys.argv[2]
wait(repo, digest)
pages = list(ecr.get_paginator('describe_image_scan_findings').paginate(repositoryName=repo, imageId={'imageDigest': digest}, PaginationConfig={'PageSize': 5}))
first = pages[0]
out({
    'status': first['imageScanStatus'],
    'pages': [len(p['imageScanFindings']['findings']) for p in pages],
    'counts': first['imageScanFindings']['findingSeverityCounts'],
    'completedAt': type(first['imageScanFindings']['imageScanCompletedAt']).__name__,
    'names': sorted(f['name'] for p in pages for f in p['imageScanFindings']['findings']),
    'attributes': first['imageScanFindings']['findings'][0]['attributes'],
    'again': code(ecr.start_image_scan, repositoryName=repo, imageId={'imageDigest': digest}),
    'describe': ecr.describe_images(repositoryName=repo)['imageDetails'][0]['imageScanStatus'],
    'config': ecr.batch_get_repository_scanning_configuration(repositoryNames=[repo])['scanningConfigurations'][0]['scanFrequency'],
})
ecr.put_registry_scanning_configuration(scanType='BASIC', rules=[])
`,
      digest,
    );
    expect(result.status).toEqual({ status: 'COMPLETE', description: 'The scan was completed successfully.' });
    expect(result.pages).toEqual([5, 5, 2]);
    expect(result.counts).toEqual({ HIGH: 6, LOW: 6 });
    expect(result.completedAt).toBe('datetime');
    expect(result.names).toEqual(PACKAGES.map((_, i) => `CVE-2024-${5000 + i}`));
    expect(result.attributes).toEqual(expect.arrayContaining([{ key: 'package_version', value: '1.0-1' }]));
    expect(result.again).toBe('LimitExceededException');
    expect(result.describe.status).toBe('COMPLETE');
    expect(result.config).toBe('SCAN_ON_PUSH');
  });

  it('starts a scan with start_image_scan, and the waiter fails on an unsupported image', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'boto-manual/app' }));
    const supported = await pushImageOfLayers(registry.ecr, 'boto-manual/app', [await debianLayer()], 'deb');
    const bare = await pushImageOfLayers(registry.ecr, 'boto-manual/app', [await layerTar([{ path: 'bin/app', content: 'x' }])], 'bare');
    const result = await python(
      `
repo = 'boto-manual/app'
before = code(ecr.describe_image_scan_findings, repositoryName=repo, imageId={'imageTag': 'deb'})
started = ecr.start_image_scan(repositoryName=repo, imageId={'imageTag': 'deb'})
wait(repo, sys.argv[2])
ecr.start_image_scan(repositoryName=repo, imageId={'imageTag': 'bare'})
try:
    wait(repo, sys.argv[3])
    failed = None
except WaiterError as e:
    failed = e.last_response['imageScanStatus']
out({
    'before': before,
    'started': started['imageScanStatus']['status'],
    'count': sum(ecr.describe_image_scan_findings(repositoryName=repo, imageId={'imageTag': 'deb'})['imageScanFindings']['findingSeverityCounts'].values()),
    'failed': failed,
})
`,
      supported,
      bare,
    );
    expect(result).toEqual({
      before: 'ScanNotFoundException',
      started: 'IN_PROGRESS',
      count: 12,
      failed: { status: 'FAILED', description: 'UnsupportedImageError: The operating system and/or package manager are not supported.' },
    });
  });
});
