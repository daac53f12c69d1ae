/**
 * Image scanning through the real @aws-sdk/client-ecr, continued: the layer index cache, multi-architecture
 * images, feed imports and enhanced (continuous) scanning, against feeds the tests write into SCAN_FEED_DIR,
 * and the feed location AWS uses: OSV exports uploaded under SCAN_FEED_S3_PREFIX of the registry's bucket.
 */
import { readdirSync, rmSync } from 'node:fs';
import { jobActor } from '../helpers/actors.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchGetRepositoryScanningConfigurationCommand,
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  PutImageCommand,
  PutRegistryScanningConfigurationCommand,
  StartImageScanCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import type { TestRegistry } from '../helpers/registry.ts';
import { apkInstalled, layerTar, osRelease, osvRecord, osvZip, pushImageOfLayers, writeOsvFeed } from '../helpers/scan-fixtures.ts';
import { attr, debianBase, debianUpper, waitForScan, startScanRegistry, type ScanRegistry } from '../helpers/scan-registry.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';

let scan: ScanRegistry;
let registry: TestRegistry;
let ecr: ECRClient;
let feedDir: string;
let events: RegistryEvent[];

beforeAll(async () => {
  scan = await startScanRegistry();
  ({ registry, ecr, feedDir, events } = scan);
});
afterAll(async () => {
  await scan?.destroy();
});

describe('layer index cache, multi-architecture images and feeds', () => {
  it('indexes a shared base layer once: a second image scans from the cached index even with the base blob gone', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/cache' }));
    const base = await debianBase();
    const first = await pushImageOfLayers(ecr, 'scan/cache', [base, await layerTar([{ path: 'srv/a', content: 'a' }])], 'a');
    await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/cache', imageId: { imageDigest: first } }));
    await waitForScan(ecr, 'scan/cache', first);
    const { sha256Digest } = await import('../helpers/layers.ts');
    const blob = await registry.deps.layers.getBlob(sha256Digest(base));
    await registry.deps.blobs.delete([blob!.object]);
    const second = await pushImageOfLayers(ecr, 'scan/cache', [base, await layerTar([{ path: 'srv/b', content: 'b' }])], 'b');
    await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/cache', imageId: { imageDigest: second } }));
    expect((await waitForScan(ecr, 'scan/cache', second)).state).toBe('SUCCESS');
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/cache', imageId: { imageDigest: second } }));
    expect(out.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 1, UNDEFINED: 2 });
  });

  it('scans each platform image of a multi-architecture index', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/multi' }));
    const amd = await pushImageOfLayers(ecr, 'scan/multi', [await debianBase()]);
    const arm = await pushImageOfLayers(ecr, 'scan/multi', [
      await layerTar([
        { path: 'etc/os-release', content: osRelease('alpine', '3.18.2') },
        { path: 'lib/apk/db/installed', content: apkInstalled([{ name: 'libcrypto3', version: '3.1.1-r1', source: 'openssl', arch: 'aarch64' }]) },
      ]),
    ]);
    const manifests = await Promise.all(
      [amd, arm].map(async (digest) => {
        const { BatchGetImageCommand } = await import('@aws-sdk/client-ecr');
        const text = (await ecr.send(new BatchGetImageCommand({ repositoryName: 'scan/multi', imageIds: [{ imageDigest: digest }] }))).images![0]
          .imageManifest!;
        return { digest, size: Buffer.byteLength(text) };
      }),
    );
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: manifests.map((m, i) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: m.digest,
        size: m.size,
        platform: { architecture: ['amd64', 'arm64'][i], os: 'linux' },
      })),
    });
    const put = await ecr.send(new PutImageCommand({ repositoryName: 'scan/multi', imageManifest: index, imageTag: 'multi' }));
    const digest = put.image!.imageId!.imageDigest!;
    await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/multi', imageId: { imageTag: 'multi' } }));
    await waitForScan(ecr, 'scan/multi', digest);
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/multi', imageId: { imageTag: 'multi' } }));
    expect(out.imageScanFindings!.findings!.map((f) => `${f.name} ${attr(f, 'package_name')}`).sort()).toEqual([
      'CVE-2023-3001 libcrypto3',
      'CVE-2023-3002 libcrypto3',
      'CVE-2024-1001 libc6',
      'CVE-2024-1003 openssl',
      'CVE-2024-1004 tool',
      'CVE-2024-1005 zlib1g',
      'CVE-2024-1007 removed-later',
    ]);
  });

  it('imports a changed feed location as a new feed that later scans use, and skips an unchanged one', async () => {
    const { runFeedImport } = await import('../../shared/scan/feed/job.ts');
    const before = await registry.deps.scans.activeFeed();
    const unchanged = await runFeedImport(registry.deps, jobActor(registry.deps.config), { location: feedDir });
    expect(unchanged).toMatchObject({ imported: false, feedId: before!.feedId });
    writeOsvFeed(join(feedDir, 'extra'), 'Debian', [
      osvRecord(
        'DEBIAN-CVE-2025-0001',
        'Debian:12',
        'tool',
        [{ introduced: '0' }, { last_affected: '1.0~rc1-1' }],
        {},
        { ecosystem_specific: { urgency: 'unimportant' } },
      ),
    ]);
    const imported = await runFeedImport(registry.deps, jobActor(registry.deps.config), { location: join(feedDir, 'extra') });
    expect(imported.imported).toBe(true);
    try {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/newfeed' }));
      const digest = await pushImageOfLayers(ecr, 'scan/newfeed', [await debianBase(), await debianUpper()]);
      await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/newfeed', imageId: { imageDigest: digest } }));
      await waitForScan(ecr, 'scan/newfeed', digest);
      const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/newfeed', imageId: { imageDigest: digest } }));
      expect(out.imageScanFindings!.findings!.map((f) => `${f.name} ${f.severity}`)).toEqual(['CVE-2025-0001 INFORMATIONAL']);
      expect(out.imageScanFindings!.vulnerabilitySourceUpdatedAt!.getTime()).toBe(imported.importedAt);
    } finally {
      await runFeedImport(registry.deps, jobActor(registry.deps.config), { location: feedDir, force: true });
    }
  });
});

describe('enhanced scanning', () => {
  it('reports OS and language packages as enhancedFindings and re-matches continuous scans on a new feed without reading layers', async () => {
    const npmRecord = osvRecord('GHSA-35jh-r3h4-6jhm', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], {
      aliases: ['CVE-2021-23337'],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
    });
    writeOsvFeed(feedDir, 'npm', [npmRecord]);
    await (await import('../../shared/scan/feed/job.ts')).runFeedImport(registry.deps, jobActor(registry.deps.config), { location: feedDir });
    await ecr.send(
      new PutRegistryScanningConfigurationCommand({
        scanType: 'ENHANCED',
        rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'enhanced/*', filterType: 'WILDCARD' }] }],
      }),
    );
    try {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'enhanced/app' }));
      const app = await layerTar([
        {
          path: 'srv/app/package-lock.json',
          content: JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.20' } } }),
        },
        { path: 'usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n' },
      ]);
      const base = await debianBase();
      const digest = await pushImageOfLayers(ecr, 'enhanced/app', [base, app], 'v1');
      expect((await waitForScan(ecr, 'enhanced/app', digest)).state).toBe('SUCCESS');
      let out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'enhanced/app', imageId: { imageDigest: digest } }));
      expect(out.imageScanFindings!.findings).toBeUndefined();
      const enhanced = out.imageScanFindings!.enhancedFindings!;
      const lodash = enhanced.find((f) => f.packageVulnerabilityDetails?.vulnerablePackages?.[0].name === 'lodash')!;
      expect(lodash).toMatchObject({
        awsAccountId: '000000000000',
        severity: 'HIGH',
        status: 'ACTIVE',
        type: 'PACKAGE_VULNERABILITY',
        fixAvailable: 'YES',
        score: 7.2,
        packageVulnerabilityDetails: {
          vulnerabilityId: 'CVE-2021-23337',
          vulnerablePackages: [{ name: 'lodash', version: '4.17.20', packageManager: 'NPM', filePath: 'srv/app/package-lock.json', fixedInVersion: '4.17.21' }],
        },
        resources: [
          { type: 'AWS_ECR_CONTAINER_IMAGE', details: { awsEcrContainerImage: { repositoryName: 'enhanced/app', imageHash: digest, imageTags: ['v1'] } } },
        ],
      });
      expect(lodash.firstObservedAt).toBeInstanceOf(Date);
      expect(enhanced.filter((f) => f.packageVulnerabilityDetails?.vulnerablePackages?.[0].packageManager === 'OS')).toHaveLength(5);
      const batch = await ecr.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ['enhanced/app'] }));
      expect(batch.scanningConfigurations![0]).toMatchObject({ scanFrequency: 'CONTINUOUS_SCAN', scanOnPush: true });

      // A new advisory for Jinja2 arrives; the image's layers are gone, yet continuous scanning finds it.
      const { sha256Digest } = await import('../helpers/layers.ts');
      for (const layer of [base, app]) await registry.deps.blobs.delete([(await registry.deps.layers.getBlob(sha256Digest(layer)))!.object]);
      writeOsvFeed(feedDir, 'PyPI', [
        osvRecord('PYSEC-2024-4', 'PyPI', 'jinja2', [{ introduced: '0' }, { fixed: '3.1.3' }], {
          aliases: ['CVE-2024-22195'],
          database_specific: { severity: 'MODERATE' },
        }),
      ]);
      const eventsBefore = events.length;
      const result = await (await import('../../shared/scan/feed/job.ts')).runFeedImport(registry.deps, jobActor(registry.deps.config), { location: feedDir });
      expect(result.rematched).toBeGreaterThanOrEqual(1);
      out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'enhanced/app', imageId: { imageDigest: digest } }));
      const jinja = out.imageScanFindings!.enhancedFindings!.find((f) => f.packageVulnerabilityDetails?.vulnerabilityId === 'CVE-2024-22195')!;
      expect(jinja).toMatchObject({
        severity: 'MEDIUM',
        packageVulnerabilityDetails: { vulnerablePackages: [{ name: 'Jinja2', packageManager: 'PYTHONPKG' }] },
      });
      expect(out.imageScanFindings!.vulnerabilitySourceUpdatedAt!.getTime()).toBe(result.importedAt);
      expect(events.slice(eventsBefore).some((e) => e['detail-type'] === 'ECR Image Scan' && e.detail['image-digest'] === digest)).toBe(true);
    } finally {
      await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
      rmSync(join(feedDir, 'npm'), { recursive: true, force: true });
      rmSync(join(feedDir, 'PyPI'), { recursive: true, force: true });
    }
  });
});

describe('the feed location in the registry bucket (SCAN_FEED_S3_PREFIX, as deployed in AWS)', () => {
  const prefix = 'feeds/incoming/';
  const key = `${prefix}Debian/all.zip`;
  const s3Deps = () => ({ ...registry.deps, config: { ...registry.deps.config, scanFeedDir: undefined, scanFeedS3Prefix: prefix } });
  const tempDirs = () =>
    readdirSync(tmpdir())
      .filter((n) => n.startsWith('secr-feed-import-'))
      .sort();

  it('leaves the active feed in place while nothing has been uploaded there', async () => {
    // Prepare
    const { runConfiguredFeedImport } = await import('../../shared/scan/feed/job.ts');
    const before = await registry.deps.scans.activeFeed();
    // Act
    const result = await runConfiguredFeedImport(s3Deps(), jobActor(registry.deps.config));
    // Assess
    expect(result).toMatchObject({ imported: false, feedId: before!.feedId });
    expect(result.reason).toMatch(/holds no OSV export/);
    expect((await registry.deps.scans.activeFeed())!.feedId).toBe(before!.feedId);
  });

  it('imports an uploaded all.zip on the feed schedule, skips it while unchanged, and scans then find its vulnerability', async () => {
    // Prepare: an export uploaded the way `aws s3 cp all.zip s3://<bucket>/feeds/incoming/Debian/all.zip` does.
    const { runConfiguredFeedImport, runFeedImport } = await import('../../shared/scan/feed/job.ts');
    const advisory = (fixed: string) =>
      osvRecord('DEBIAN-CVE-2025-0002', 'Debian:12', 'openssl', [{ introduced: '0' }, { fixed }], {}, { ecosystem_specific: { urgency: 'high' } });
    await registry.deps.blobs.put(key, osvZip([advisory('3.0.13-1~deb12u1')]));
    const before = await registry.deps.scans.activeFeed();
    const temps = tempDirs();
    try {
      // Act
      const imported = await runConfiguredFeedImport(s3Deps(), jobActor(registry.deps.config));
      const unchanged = await runConfiguredFeedImport(s3Deps(), jobActor(registry.deps.config));
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/s3feed' }));
      const digest = await pushImageOfLayers(ecr, 'scan/s3feed', [await debianBase()]);
      await ecr.send(new StartImageScanCommand({ repositoryName: 'scan/s3feed', imageId: { imageDigest: digest } }));
      await waitForScan(ecr, 'scan/s3feed', digest);
      const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/s3feed', imageId: { imageDigest: digest } }));
      await registry.deps.blobs.put(key, osvZip([advisory('3.0.14-1~deb12u1')]));
      const changed = await runConfiguredFeedImport(s3Deps(), jobActor(registry.deps.config));

      // Assess
      expect(imported).toMatchObject({ imported: true, advisories: 1 });
      expect(imported.feedId).not.toBe(before!.feedId);
      expect(unchanged).toMatchObject({ imported: false, feedId: imported.feedId });
      expect(out.imageScanFindings!.findings!.map((f) => `${f.name} ${f.severity} ${attr(f, 'package_name')}`)).toEqual(['CVE-2025-0002 HIGH openssl']);
      expect(out.imageScanFindings!.vulnerabilitySourceUpdatedAt!.getTime()).toBe(imported.importedAt);
      expect(changed.imported).toBe(true);
      expect(changed.feedId).not.toBe(imported.feedId);
      // Each export was copied to a temporary file for zip reading, and deleted after.
      expect(tempDirs()).toEqual(temps);
    } finally {
      await registry.deps.blobs.delete([key]);
      await runFeedImport(registry.deps, jobActor(registry.deps.config), { location: feedDir, force: true });
    }
  });
});
