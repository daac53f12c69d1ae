/**
 * What the scanning tests share: a small OSV feed covering the matching cases, Debian fixture layers, and a
 * bounded wait for a scan (the scan record a push starts in the background, then the SDK waiter).
 */
import { DescribeImageScanFindingsCommand, waitUntilImageScanComplete, type ECRClient } from '@aws-sdk/client-ecr';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorName, startTestRegistry, type TestRegistry } from './registry.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { dpkgStatus, layerTar, osRelease, osvRecord, writeOsvFeed } from './scan-fixtures.ts';

/** 30 packages named pkgNN, each with one advisory: enough for three pages of ten. */
export const MANY = Array.from({ length: 30 }, (_, i) => `pkg${String(i).padStart(2, '0')}`);

/** Writes the tests' Debian and Alpine feeds into `feedDir`. */
export function writeFeed(feedDir: string) {
  writeOsvFeed(feedDir, 'Debian', [
    osvRecord(
      'DEBIAN-CVE-2024-1001',
      'Debian:12',
      'glibc',
      [{ introduced: '0' }, { fixed: '2.36-9+deb12u4' }],
      {},
      { ecosystem_specific: { urgency: 'high' } },
    ),
    osvRecord('DEBIAN-CVE-2024-1002', 'Debian:12', 'glibc', [{ introduced: '0' }, { fixed: '2.36-9+deb12u1' }], {}, { ecosystem_specific: { urgency: 'low' } }),
    osvRecord('DEBIAN-CVE-2024-1003', 'Debian:12', 'openssl', [{ introduced: '0' }], {
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    }),
    osvRecord('DEBIAN-CVE-2024-1004', 'Debian:12', 'tool', [{ introduced: '0' }, { fixed: '1.0-1' }]),
    osvRecord('DEBIAN-CVE-2024-1005', 'Debian:12', 'zlib', [{ introduced: '0' }, { fixed: '1:1.3-1' }], {}, { ecosystem_specific: { urgency: 'medium' } }),
    osvRecord('DEBIAN-CVE-2024-1006', 'Debian:12', 'zlib', [{ introduced: '0' }, { fixed: '1.4-1' }]),
    osvRecord('DEBIAN-CVE-2024-1007', 'Debian:12', 'removed-later', [{ introduced: '0' }]),
    ...MANY.map((p, i) =>
      osvRecord(`DEBIAN-CVE-2023-${2000 + i}`, 'Debian:12', p, [{ introduced: '0' }, { fixed: '2.0-1' }], {}, { ecosystem_specific: { urgency: 'low' } }),
    ),
  ]);
  writeOsvFeed(feedDir, 'Alpine', [
    osvRecord('ALPINE-CVE-2023-3001', 'Alpine:v3.18', 'openssl', [{ introduced: '0' }, { fixed: '3.1.4-r0' }]),
    osvRecord('ALPINE-CVE-2023-3002', 'Alpine:v3.18', 'openssl', [{ introduced: '0' }, { fixed: '3.1.2_rc1-r0' }]),
  ]);
}

/** A Debian 12 layer: os-release and a dpkg status with Source: lines, a package removed later, a file whited out later. */
export const debianBase = () =>
  layerTar([
    { path: 'etc/os-release', content: osRelease('debian', '12', 'Debian GNU/Linux') },
    {
      path: 'var/lib/dpkg/status',
      content: dpkgStatus([
        { name: 'libc6', version: '2.36-9+deb12u3', source: 'glibc' },
        { name: 'openssl', version: '3.0.11-1~deb12u2' },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' },
        { name: 'tool', version: '1.0~rc1-1' },
        { name: 'removed-later', version: '1.0-1' },
      ]),
    },
    { path: 'etc/motd', content: 'hello' },
  ]);
/** A later layer: replaces the dpkg database (removed-later is gone) and whites out a file. */
export const debianUpper = () =>
  layerTar([
    {
      path: 'var/lib/dpkg/status',
      content: dpkgStatus([
        { name: 'libc6', version: '2.36-9+deb12u3', source: 'glibc' },
        { name: 'openssl', version: '3.0.11-1~deb12u2' },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' },
        { name: 'tool', version: '1.0~rc1-1' },
      ]),
    },
    { path: 'etc/.wh.motd' },
  ]);

/** Waits (bounded) for the scan record a push started in the background, then for the scan with the SDK waiter. */
export async function waitForScan(ecr: ECRClient, repositoryName: string, imageDigest: string) {
  for (let i = 0; i < 50; i++) {
    if ((await errorName(ecr.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageDigest } }))).catch(() => 'found')) === 'found') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return waitUntilImageScanComplete({ client: ecr, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { repositoryName, imageId: { imageDigest } });
}

/** The value of a basic finding's attribute. */
export const attr = (f: { attributes?: { key?: string; value?: string }[] }, key: string) => f.attributes?.find((a) => a.key === key)?.value;

export type ScanRegistry = { registry: TestRegistry; ecr: ECRClient; feedDir: string; events: RegistryEvent[]; destroy(): Promise<void> };

/** A registry whose feed location holds the tests' feed (and what `moreFeed` writes), with every event it publishes collected. */
export async function startScanRegistry(moreFeed?: (feedDir: string) => void): Promise<ScanRegistry> {
  const feedDir = mkdtempSync(join(tmpdir(), 'secr-feed-'));
  writeFeed(feedDir);
  moreFeed?.(feedDir);
  const registry = await startTestRegistry(undefined, { SCAN_FEED_DIR: feedDir });
  const events: RegistryEvent[] = [];
  registry.bus.subscribe((e) => events.push(e));
  return {
    registry,
    ecr: registry.ecr,
    feedDir,
    events,
    async destroy() {
      await registry.destroy();
      rmSync(feedDir, { recursive: true, force: true });
    },
  };
}
