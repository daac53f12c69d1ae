/**
 * Image scanning through the real @aws-sdk/client-ecr: scan on push and StartImageScan run the scan state
 * machine (infra/scan.asl.json) in the local registry over layers built in the tests, against a small OSV
 * feed written by the tests into the registry's feed location (SCAN_FEED_DIR).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchGetRepositoryScanningConfigurationCommand,
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  GetAccountSettingCommand,
  GetRegistryScanningConfigurationCommand,
  PutAccountSettingCommand,
  PutImageCommand,
  PutRegistryScanningConfigurationCommand,
  StartImageScanCommand,
  UpdateImageStorageClassCommand,
  paginateDescribeImageScanFindings,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { errorName, rejection, type TestRegistry } from '../helpers/registry.ts';
import { pushLayer } from '../helpers/layers.ts';
import { apkInstalled, dpkgStatus, layerTar, osRelease, osvRecord, pushImageOfLayers, rpmdbSqlite, writeOsvFeed } from '../helpers/scan-fixtures.ts';
import { attr, debianBase, debianUpper, MANY, waitForScan, startScanRegistry, type ScanRegistry } from '../helpers/scan-registry.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';

let scan: ScanRegistry;
let registry: TestRegistry;
let ecr: ECRClient;
let events: RegistryEvent[];

beforeAll(async () => {
  scan = await startScanRegistry((dir) =>
    writeOsvFeed(dir, 'Rocky Linux', [
      osvRecord(
        'RLSA-2024:1234',
        'Rocky Linux:9',
        'openssl',
        [{ introduced: '0' }, { fixed: '1:3.0.7-25.el9_3' }],
        { aliases: ['CVE-2024-1234'] },
        { ecosystem_specific: { severity: 'Important' } },
      ),
    ]),
  );
  ({ registry, ecr, events } = scan);
});
afterAll(async () => {
  await scan?.destroy();
});

describe('scan on push', () => {
  it('scans an image pushed to a scanOnPush repository and reports the CVEs of its Debian packages', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/push', imageScanningConfiguration: { scanOnPush: true } }));
    const digest = await pushImageOfLayers(ecr, 'scan/push', [await debianBase(), await debianUpper()], 'v1');
    const waited = await waitForScan(ecr, 'scan/push', digest);
    expect(waited.state).toBe('SUCCESS');
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/push', imageId: { imageTag: 'v1' } }));
    expect(out.imageId).toEqual({ imageDigest: digest, imageTag: 'v1' });
    expect(out.imageScanStatus).toEqual({ status: 'COMPLETE', description: 'The scan was completed successfully.' });
    const findings = out.imageScanFindings!;
    expect(findings.imageScanCompletedAt).toBeInstanceOf(Date);
    expect(findings.vulnerabilitySourceUpdatedAt).toBeInstanceOf(Date);
    expect(findings.findingSeverityCounts).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 1, UNDEFINED: 1 });
    expect(findings.findings!.map((f) => `${f.name} ${attr(f, 'package_name')} ${attr(f, 'package_version')} ${f.severity}`)).toEqual([
      'CVE-2024-1003 openssl 3.0.11-1~deb12u2 CRITICAL', // introduced 0, no fix
      'CVE-2024-1001 libc6 2.36-9+deb12u3 HIGH', // fixed above the installed version, matched by source package glibc
      'CVE-2024-1005 zlib1g 1:1.2.13.dfsg-1 MEDIUM', // epoch 1 below 1:1.3-1
      'CVE-2024-1004 tool 1.0~rc1-1 UNDEFINED', // 1.0~rc1-1 sorts before the fix 1.0-1
    ]);
    const critical = findings.findings![0];
    expect(critical.uri).toBe('https://security-tracker.debian.org/tracker/CVE-2024-1003');
    expect(attr(critical, 'CVSS3_SCORE')).toBe('9.8');
    expect(critical.description).toContain('DEBIAN-CVE-2024-1003');

    const [detail] = (await ecr.send(new DescribeImagesCommand({ repositoryName: 'scan/push', imageIds: [{ imageDigest: digest }] }))).imageDetails!;
    expect(detail.imageScanStatus).toEqual({ status: 'COMPLETE', description: 'The scan was completed successfully.' });
    expect(detail.imageScanFindingsSummary).toMatchObject({ findingSeverityCounts: { CRITICAL: 1, HIGH: 1, MEDIUM: 1, UNDEFINED: 1 } });
    expect(detail.imageScanFindingsSummary!.imageScanCompletedAt).toBeInstanceOf(Date);

    const event = events.find((e) => e['detail-type'] === 'ECR Image Scan' && e.detail['image-digest'] === digest)!;
    expect(event).toMatchObject({ source: 'aws.ecr', account: '000000000000', resources: ['arn:aws:ecr:us-east-1:000000000000:repository/scan/push'] });
    expect(event.detail).toEqual({
      'scan-status': 'COMPLETE',
      'repository-name': 'scan/push',
      'image-digest': digest,
      'image-tags': ['v1'],
      'finding-severity-counts': { CRITICAL: 1, HIGH: 1, MEDIUM: 1, UNDEFINED: 1 },
    });
  });

  it('does not scan pushes to a repository without scan on push', async () => {
    // Prepare: a registry of its own, because stopping it is what says the push's scan-on-push decision has
    // been taken: a stop waits for the triggers' work in flight and then for every execution it started.
    const own = await startScanRegistry();
    let restarted: TestRegistry | undefined;
    try {
      await own.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/quiet' }));
      // Act
      const digest = await pushImageOfLayers(own.ecr, 'scan/quiet', [await debianBase()], 'v1');
      restarted = await own.registry.restart();
      // Assess
      expect(own.registry.jobs.history.filter((e) => e.machine === 'scan')).toEqual([]);
      expect(own.events.filter((e) => e['detail-type'] === 'ECR Image Scan')).toEqual([]);
      expect(
        await errorName(restarted.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/quiet', imageId: { imageDigest: digest } }))),
      ).toBe('ScanNotFoundException');
    } finally {
      await restarted?.destroy();
      rmSync(own.feedDir, { recursive: true, force: true });
    }
  });
});

describe('RPM images', () => {
  it('reads the rpmdb.sqlite of a Rocky Linux image and reports the advisory of its source package', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/rocky', imageScanningConfiguration: { scanOnPush: true } }));
    const digest = await pushImageOfLayers(
      ecr,
      'scan/rocky',
      [
        await layerTar([
          { path: 'etc/os-release', content: osRelease('rocky', '9.3', 'Rocky Linux') },
          {
            path: 'var/lib/rpm/rpmdb.sqlite',
            content: await rpmdbSqlite([
              { name: 'openssl-libs', version: '3.0.7', release: '24.el9', epoch: 1, sourceRpm: 'openssl-3.0.7-24.el9.src.rpm' },
              { name: 'bash', version: '5.1.8', release: '6.el9_1', sourceRpm: 'bash-5.1.8-6.el9_1.src.rpm' },
              { name: 'gpg-pubkey', version: '350d275d', release: '6395c6fc' },
            ]),
          },
        ]),
      ],
      '9',
    );
    expect((await waitForScan(ecr, 'scan/rocky', digest)).state).toBe('SUCCESS');
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/rocky', imageId: { imageTag: '9' } }));
    expect(out.imageScanStatus!.status).toBe('COMPLETE');
    expect(out.imageScanFindings!.findings!.map((f) => `${f.name} ${attr(f, 'package_name')} ${attr(f, 'package_version')} ${f.severity}`)).toEqual([
      'CVE-2024-1234 openssl-libs 1:3.0.7-24.el9 HIGH',
    ]);
  });
});

describe('StartImageScan', () => {
  it('scans on demand once per 24 hours, then answers LimitExceededException', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/manual' }));
    const digest = await pushImageOfLayers(
      ecr,
      'scan/manual',
      [
        await layerTar([
          { path: 'etc/os-release', content: osRelease('alpine', '3.18.4', 'Alpine Linux') },
          {
            path: 'lib/apk/db/installed',
            content: apkInstalled([
              { name: 'libssl3', version: '3.1.2-r0', source: 'openssl' },
              { name: 'musl', version: '1.2.4-r1' },
            ]),
          },
        ]),
      ],
      'alpine',
    );
    const missing = await rejection(ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/manual', imageId: { imageDigest: digest } })));
    expect(missing.name).toBe('ScanNotFoundException');
    expect(missing.message).toContain(digest);
    const started = await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'alpine' } }));
    expect(started).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'scan/manual',
      imageId: { imageDigest: digest, imageTag: 'alpine' },
      imageScanStatus: { status: 'IN_PROGRESS' },
    });
    expect((await waitForScan(ecr, 'scan/manual', digest)).state).toBe('SUCCESS');
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/manual', imageId: { imageDigest: digest } }));
    expect(out.imageScanFindings!.findings!.map((f) => `${f.name} ${attr(f, 'package_name')} ${f.uri}`)).toEqual([
      'CVE-2023-3001 libssl3 https://security.alpinelinux.org/vuln/CVE-2023-3001',
    ]);
    const again = await rejection(ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageDigest: digest } })));
    expect(again.name).toBe('LimitExceededException');
    expect(again.message).toContain('24 hours');
  });

  it('refuses artifacts, unknown images and repositories with ECR exceptions', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/refuse' }));
    const config = Buffer.from('{"chart":"x"}');
    const configDigest = await pushLayer(ecr, 'scan/refuse', config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    });
    await ecr.send(new PutImageCommand({ repositoryName: 'scan/refuse', imageManifest: manifest, imageTag: 'chart' }));
    const unsupported = await rejection(ecr.send(new StartImageScanCommand({ repositoryName: 'scan/refuse', imageId: { imageTag: 'chart' } })));
    expect(unsupported.name).toBe('UnsupportedImageTypeException');
    expect(unsupported.message).toContain('application/vnd.cncf.helm.config.v1+json');
    expect(await errorName(ecr.send(new StartImageScanCommand({ repositoryName: 'scan/refuse', imageId: { imageTag: 'nope' } })))).toBe(
      'ImageNotFoundException',
    );
    expect(await errorName(ecr.send(new StartImageScanCommand({ repositoryName: 'scan/none', imageId: { imageTag: 'x' } })))).toBe(
      'RepositoryNotFoundException',
    );
    expect(await errorName(ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/refuse', imageId: { imageTag: 'nope' } })))).toBe(
      'ImageNotFoundException',
    );
  });

  it('refuses an archived image with ImageArchivedException until it is restored', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/archived' }));
    const digest = await pushImageOfLayers(ecr, 'scan/archived', [await debianBase()], 'old');
    await ecr.send(new UpdateImageStorageClassCommand({ repositoryName: 'scan/archived', imageId: { imageDigest: digest }, targetStorageClass: 'ARCHIVE' }));
    const archived = await rejection(ecr.send(new StartImageScanCommand({ repositoryName: 'scan/archived', imageId: { imageTag: 'old' } })));
    expect(archived.name).toBe('ImageArchivedException');
    expect(archived.message).toContain('archived');
    await ecr.send(new UpdateImageStorageClassCommand({ repositoryName: 'scan/archived', imageId: { imageDigest: digest }, targetStorageClass: 'STANDARD' }));
    expect((await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/archived', imageId: { imageTag: 'old' } }))).imageScanStatus!.status).toBe(
      'IN_PROGRESS',
    );
    await waitForScan(ecr, 'scan/archived', digest);
  });

  it('fails the scan of an image without a recognised OS with the description ECR gives, which stops the waiter', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/bare' }));
    const digest = await pushImageOfLayers(ecr, 'scan/bare', [await layerTar([{ path: 'app/server', content: 'static binary' }])]);
    await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/bare', imageId: { imageDigest: digest } }));
    const waited = await rejection(waitForScan(ecr, 'scan/bare', digest));
    expect(waited.message).toContain('FAILED');
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/bare', imageId: { imageDigest: digest } }));
    expect(out.imageScanStatus).toEqual({
      status: 'FAILED',
      description: 'UnsupportedImageError: The operating system and/or package manager are not supported.',
    });
    expect(out.imageScanFindings).toBeUndefined();
  });

  it('records FAILED with the reason when a step fails (a zstd layer the indexer cannot read)', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/zstd' }));
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from('not really zstd')]);
    const digest = await pushImageOfLayers(ecr, 'scan/zstd', [zstd], undefined, 'application/vnd.oci.image.layer.v1.tar+zstd');
    await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/zstd', imageId: { imageDigest: digest } }));
    await rejection(waitForScan(ecr, 'scan/zstd', digest));
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/zstd', imageId: { imageDigest: digest } }));
    expect(out.imageScanStatus!.status).toBe('FAILED');
    expect(out.imageScanStatus!.description).toContain('zstd');
    expect(events.some((e) => e['detail-type'] === 'ECR Image Scan' && e.detail['image-digest'] === digest && e.detail['scan-status'] === 'FAILED')).toBe(true);
  });
});

describe('DescribeImageScanFindings', () => {
  it('pages findings with maxResults and nextToken, and the SDK paginator reads them all', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/pages' }));
    const layer = await layerTar([
      { path: 'etc/os-release', content: osRelease('debian', '12') },
      { path: 'var/lib/dpkg/status', content: dpkgStatus(MANY.map((name) => ({ name, version: '1.0-1' }))) },
    ]);
    const digest = await pushImageOfLayers(ecr, 'scan/pages', [layer]);
    await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/pages', imageId: { imageDigest: digest } }));
    await waitForScan(ecr, 'scan/pages', digest);
    const first = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/pages', imageId: { imageDigest: digest }, maxResults: 12 }));
    expect(first.imageScanFindings!.findings).toHaveLength(12);
    expect(first.imageScanFindings!.findingSeverityCounts).toEqual({ LOW: 30 });
    expect(first.nextToken).toBeDefined();
    const names: string[] = [];
    for await (const page of paginateDescribeImageScanFindings(
      { client: ecr, pageSize: 12 },
      { repositoryName: 'scan/pages', imageId: { imageDigest: digest } },
    )) {
      names.push(...page.imageScanFindings!.findings!.map((f) => f.name!));
    }
    expect(names).toEqual(MANY.map((_, i) => `CVE-2023-${2000 + i}`));
    const all = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/pages', imageId: { imageDigest: digest } }));
    expect(all.imageScanFindings!.findings).toHaveLength(30);
    expect(all.nextToken).toBeUndefined();
    const bad = await rejection(
      ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/pages', imageId: { imageDigest: digest }, maxResults: 1001 })),
    );
    expect(['InvalidParameterException', 'ValidationException']).toContain(bad.name);
    expect(
      await errorName(ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/pages', imageId: { imageDigest: digest }, nextToken: 'forged' }))),
    ).toBe('InvalidParameterException');
  });
});

describe('scanning configuration', () => {
  it('applies BASIC scan-on-push rules with wildcard filters, and refuses CONTINUOUS_SCAN for BASIC', async () => {
    expect((await ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration).toEqual({ scanType: 'BASIC', rules: [] });
    const put = await ecr.send(
      new PutRegistryScanningConfigurationCommand({
        scanType: 'BASIC',
        rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'rules/on-*', filterType: 'WILDCARD' }] }],
      }),
    );
    expect(put.registryScanningConfiguration).toEqual({
      scanType: 'BASIC',
      rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'rules/on-*', filterType: 'WILDCARD' }] }],
    });
    try {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'rules/on-push' }));
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'rules/off' }));
      const batch = await ecr.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ['rules/on-push', 'rules/off', 'rules/missing'] }));
      expect(batch.scanningConfigurations).toEqual([
        {
          repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/rules/on-push',
          repositoryName: 'rules/on-push',
          scanOnPush: true,
          scanFrequency: 'SCAN_ON_PUSH',
          appliedScanFilters: [{ filter: 'rules/on-*', filterType: 'WILDCARD' }],
        },
        {
          repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/rules/off',
          repositoryName: 'rules/off',
          scanOnPush: false,
          scanFrequency: 'MANUAL',
          appliedScanFilters: [],
        },
      ]);
      expect(batch.failures).toMatchObject([{ repositoryName: 'rules/missing', failureCode: 'REPOSITORY_NOT_FOUND' }]);
      const on = await pushImageOfLayers(ecr, 'rules/on-push', [await debianBase()], 'v1');
      const off = await pushImageOfLayers(ecr, 'rules/off', [await debianBase()], 'v1');
      expect((await waitForScan(ecr, 'rules/on-push', on)).state).toBe('SUCCESS');
      await registry.jobs.idle();
      expect(await errorName(ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'rules/off', imageId: { imageDigest: off } })))).toBe(
        'ScanNotFoundException',
      );
      const wrong = await rejection(
        ecr.send(
          new PutRegistryScanningConfigurationCommand({
            scanType: 'BASIC',
            rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
          }),
        ),
      );
      expect(wrong.name).toBe('InvalidParameterException');
      expect(wrong.message).toContain('CONTINUOUS_SCAN');
    } finally {
      await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
    }
  });

  it('reads and writes BASIC_SCAN_TYPE_VERSION and refuses other values and names', async () => {
    expect(await ecr.send(new GetAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION' }))).toMatchObject({
      name: 'BASIC_SCAN_TYPE_VERSION',
      value: 'AWS_NATIVE',
    });
    expect(await ecr.send(new PutAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION', value: 'AWS_NATIVE' }))).toMatchObject({
      name: 'BASIC_SCAN_TYPE_VERSION',
      value: 'AWS_NATIVE',
    });
    const clair = await rejection(ecr.send(new PutAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION', value: 'CLAIR' })));
    expect(clair.name).toBe('ValidationException');
    expect(clair.message).toContain('AWS_NATIVE');
    expect(await errorName(ecr.send(new GetAccountSettingCommand({ name: 'NO_SUCH_SETTING' })))).toBe('ValidationException');
  });
});
