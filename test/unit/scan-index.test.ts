import { describe, expect, it } from 'vitest';
import { INDEXER_VERSION, LayerFormatError } from '../../shared/scan/index/layer-indexer.ts';
import { coalesce } from '../../shared/scan/index/coalesce.ts';
import { matchInventory } from '../../shared/scan/match.ts';
import { basicFinding, severityCounts } from '../../shared/scan/findings.ts';
import { scoreVector } from '../../shared/scan/feed/cvss.ts';
import { advisoriesOf } from '../../shared/scan/feed/osv.ts';
import { apkInstalled, dpkgStatus, layerTar, osRelease, osvRecord, indexBytes, memorySource } from '../helpers/scan-fixtures.ts';

const index = indexBytes;

const debianBase = () =>
  layerTar([
    { path: 'etc/', type: 'directory' },
    { path: 'usr/lib/os-release', content: osRelease('debian', '12', 'Debian GNU/Linux') },
    { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { path: 'etc/debian_version', content: '12.4\n' },
    { path: 'usr/share/doc/readme', content: 'x'.repeat(5000) },
    {
      path: 'var/lib/dpkg/status',
      content: dpkgStatus([
        { name: 'libc6', version: '2.36-9+deb12u3', source: 'glibc' },
        { name: 'libc-bin', version: '2.36-9+deb12u3', source: 'glibc' },
        { name: 'openssl', version: '3.0.11-1~deb12u2' },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' },
        { name: 'tool', version: '1.0~rc1-1' },
        { name: 'removed', version: '1.0-1', status: 'deinstall ok config-files' },
      ]),
    },
    { path: 'opt/app/secret.txt', content: 'gone later' },
  ]);

describe('the layer indexer', () => {
  it('keeps the release files and parsed package databases of a gzip layer and nothing else', async () => {
    const layer = await index(await debianBase(), 'sha256:base');
    expect(layer.indexerVersion).toBe(INDEXER_VERSION);
    expect(layer.files.map((f) => f.path).sort()).toEqual(['etc/debian_version', 'etc/os-release', 'usr/lib/os-release', 'var/lib/dpkg/status']);
    const dpkg = layer.files.find((f) => f.kind === 'dpkg')!;
    expect(dpkg.packages!.map((p) => p.name)).toEqual(['libc6', 'libc-bin', 'openssl', 'zlib1g', 'tool']);
    expect(dpkg.packages![0]).toEqual({ name: 'libc6', version: '2.36-9+deb12u3', source: 'glibc', arch: 'amd64' });
  });

  it('records whiteouts and opaque directories, and reads an uncompressed tar', async () => {
    const layer = await index(
      await layerTar([{ path: 'opt/app/.wh.secret.txt' }, { path: 'srv/.wh..wh..opq' }, { path: './etc/alpine-release', content: '3.18.4\n' }], false),
      'sha256:wh',
    );
    expect(layer.whiteouts).toEqual(['opt/app/secret.txt']);
    expect(layer.opaque).toEqual(['srv']);
    expect(layer.files).toEqual([{ path: 'etc/alpine-release', kind: 'alpine-release', text: '3.18.4\n' }]);
  });

  it('refuses a zstd layer with a clear reason and a truncated gzip layer with an error', async () => {
    await expect(index(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]), 'sha256:z')).rejects.toBeInstanceOf(LayerFormatError);
    const whole = await debianBase();
    await expect(index(whole.subarray(0, whole.length - 200), 'sha256:t')).rejects.toThrow();
  });
});

describe('coalescing layers', () => {
  it('takes the newest package database, follows whiteouts and finds the OS through the os-release symlink', async () => {
    const base = await index(await debianBase(), 'sha256:base');
    const upper = await index(
      await layerTar([
        {
          path: 'var/lib/dpkg/status',
          content: dpkgStatus([
            { name: 'libc6', version: '2.36-9+deb12u4', source: 'glibc' },
            { name: 'openssl', version: '3.0.11-1~deb12u2' },
          ]),
        },
        { path: 'etc/.wh.debian_version' },
      ]),
      'sha256:upper',
    );
    const inventory = coalesce([base, upper]);
    expect(inventory.os).toMatchObject({ id: 'debian', versionId: '12' });
    expect(inventory.osEcosystem).toBe('Debian:12');
    expect(inventory.packageManager).toBe('dpkg');
    expect(inventory.osPackages.map((l) => `${l.pkg.name}=${l.pkg.version}@${l.layer}`)).toEqual([
      'libc6=2.36-9+deb12u4@sha256:upper',
      'openssl=3.0.11-1~deb12u2@sha256:upper',
    ]);
    const whitedOut = coalesce([base, await index(await layerTar([{ path: 'var/lib/.wh.dpkg' }]), 'sha256:rm')]);
    expect(whitedOut.osPackages).toEqual([]);
    expect(whitedOut.osEcosystem).toBeUndefined();
  });

  it('reads Alpine, distroless status.d and language packages, and finds no OS in a bare layer', async () => {
    const alpine = coalesce([
      await index(
        await layerTar([
          { path: 'etc/os-release', content: osRelease('alpine', '3.18.4', 'Alpine Linux') },
          {
            path: 'lib/apk/db/installed',
            content: apkInstalled([
              { name: 'libssl3', version: '3.1.2-r0', source: 'openssl' },
              { name: 'musl', version: '1.2.4-r1' },
            ]),
          },
          {
            path: 'app/package-lock.json',
            content: JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.20' } } }),
          },
          { path: 'usr/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n\nbody' },
        ]),
        'sha256:alpine',
      ),
    ]);
    expect(alpine.osEcosystem).toBe('Alpine:v3.18');
    expect(alpine.osPackages.map((l) => l.pkg)).toEqual([
      { name: 'libssl3', version: '3.1.2-r0', source: 'openssl', arch: 'x86_64' },
      { name: 'musl', version: '1.2.4-r1', arch: 'x86_64' },
    ]);
    expect(alpine.npmPackages.map((l) => `${l.pkg.name}@${l.pkg.version} ${l.path}`)).toEqual(['lodash@4.17.20 app/package-lock.json']);
    expect(alpine.pythonPackages.map((l) => l.pkg)).toEqual([{ name: 'Jinja2', version: '3.1.2' }]);

    const distroless = coalesce([
      await index(
        await layerTar([
          { path: 'etc/os-release', content: 'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\n' },
          { path: 'var/lib/dpkg/status.d/base-files', content: dpkgStatus([{ name: 'base-files', version: '12.4+deb12u5' }]) },
          { path: 'var/lib/dpkg/status.d/base-files.md5sums', content: 'd41d8cd98f00b204e9800998ecf8427e  etc/issue\n' },
          { path: 'var/lib/dpkg/status.d/libssl3', content: dpkgStatus([{ name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' }]) },
        ]),
        'sha256:distroless',
      ),
    ]);
    expect(distroless.osEcosystem).toBe('Debian:12');
    expect(distroless.osPackages.map((l) => l.pkg.name).sort()).toEqual(['base-files', 'libssl3']);

    const bare = coalesce([await index(await layerTar([{ path: 'app/server', content: 'binary' }]), 'sha256:bare')]);
    expect(bare.os).toBeUndefined();
    expect(bare.packageManager).toBeUndefined();
  });
});

describe('matching against OSV advisories', () => {
  const feed = [
    osvRecord(
      'DEBIAN-CVE-2024-0001',
      'Debian:12',
      'glibc',
      [{ introduced: '0' }, { fixed: '2.36-9+deb12u4' }],
      {},
      { ecosystem_specific: { urgency: 'high' } },
    ),
    osvRecord('DEBIAN-CVE-2024-0002', 'Debian:12', 'glibc', [{ introduced: '0' }, { fixed: '2.36-9+deb12u1' }]),
    osvRecord('DEBIAN-CVE-2024-0003', 'Debian:12', 'openssl', [{ introduced: '0' }], {
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    }),
    osvRecord('DEBIAN-CVE-2024-0004', 'Debian:12', 'tool', [{ introduced: '0' }, { fixed: '1.0-1' }]),
    osvRecord('DEBIAN-CVE-2024-0005', 'Debian:12', 'zlib', [{ introduced: '0' }, { fixed: '1:1.3-1' }]),
    osvRecord('DEBIAN-CVE-2024-0006', 'Debian:12', 'zlib', [{ introduced: '0' }, { fixed: '1.4-1' }]),
    osvRecord('DEBIAN-CVE-2024-0007', 'Debian:11', 'openssl', [{ introduced: '0' }]),
  ];

  it('matches by source package with the Debian order: fix above (match), below (none), no fix, ~rc and epochs', async () => {
    const inventory = coalesce([await index(await debianBase(), 'sha256:base')]);
    const matches = await matchInventory(inventory, memorySource(feed), { languages: false });
    const found = matches.map((m) => `${m.advisory.name} ${m.located.pkg.name}`).sort();
    expect(found).toEqual([
      'CVE-2024-0001 libc-bin',
      'CVE-2024-0001 libc6', // fixed 2.36-9+deb12u4 > installed u3
      'CVE-2024-0003 openssl', // introduced 0, no fix
      'CVE-2024-0004 tool', // 1.0~rc1-1 < 1.0-1
      'CVE-2024-0005 zlib1g', // 1:1.2.13 < 1:1.3; 0006's 1.4-1 (epoch 0) is below epoch 1
    ]);
    const openssl = basicFinding(matches.find((m) => m.advisory.name === 'CVE-2024-0003')!);
    expect(openssl).toEqual({
      name: 'CVE-2024-0003',
      description: 'A test vulnerability DEBIAN-CVE-2024-0003 of openssl.',
      uri: 'https://security-tracker.debian.org/tracker/CVE-2024-0003',
      severity: 'CRITICAL',
      attributes: [
        { key: 'package_version', value: '3.0.11-1~deb12u2' },
        { key: 'package_name', value: 'openssl' },
        { key: 'CVSS3_VECTOR', value: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
        { key: 'CVSS3_SCORE', value: '9.8' },
      ],
    });
    expect(severityCounts(matches.map(basicFinding))).toEqual({ HIGH: 2, CRITICAL: 1, UNDEFINED: 2 });
  });

  it('matches Alpine packages by origin with the apk order, and language packages only when asked', async () => {
    const inventory = coalesce([
      await index(
        await layerTar([
          { path: 'etc/alpine-release', content: '3.18.4\n' },
          { path: 'lib/apk/db/installed', content: apkInstalled([{ name: 'libssl3', version: '3.1.2-r0', source: 'openssl' }]) },
          { path: 'app/package-lock.json', content: JSON.stringify({ lockfileVersion: 2, packages: { 'node_modules/lodash': { version: '4.17.20' } } }) },
          { path: 'site-packages/jinja2-3.1.2.dist-info/METADATA', content: 'Name: jinja2\nVersion: 3.1.2\n' },
        ]),
        'sha256:a',
      ),
    ]);
    const source = memorySource([
      osvRecord('ALPINE-CVE-2023-0001', 'Alpine:v3.18', 'openssl', [{ introduced: '0' }, { fixed: '3.1.4-r0' }]),
      osvRecord('ALPINE-CVE-2023-0002', 'Alpine:v3.18', 'openssl', [{ introduced: '0' }, { fixed: '3.1.2_rc1-r0' }]),
      osvRecord('GHSA-lodash', 'npm', 'lodash', [{ introduced: '0' }, { fixed: '4.17.21' }], { aliases: ['CVE-2021-23337'] }),
      osvRecord('PYSEC-jinja', 'PyPI', 'Jinja2', [{ introduced: '0' }, { fixed: '3.1.3' }], { aliases: ['CVE-2024-22195'] }),
    ]);
    expect((await matchInventory(inventory, source, { languages: false })).map((m) => m.advisory.name)).toEqual(['CVE-2023-0001']);
    const all = await matchInventory(inventory, source, { languages: true });
    expect(all.map((m) => `${m.kind} ${m.advisory.name} fixed ${m.fixed}`)).toEqual([
      'OS CVE-2023-0001 fixed 3.1.4-r0',
      'NPM CVE-2021-23337 fixed 4.17.21',
      'PYTHONPKG CVE-2024-22195 fixed 3.1.3',
    ]);
  });

  it('matches Ubuntu packages against the LTS feed with the Ubuntu priority as severity', async () => {
    const inventory = coalesce([
      await index(
        await layerTar([
          { path: 'etc/os-release', content: osRelease('ubuntu', '22.04', 'Ubuntu') },
          { path: 'var/lib/dpkg/status', content: dpkgStatus([{ name: 'libssl3', version: '3.0.2-0ubuntu1.10', source: 'openssl' }]) },
        ]),
        'sha256:u',
      ),
    ]);
    expect(inventory.osEcosystem).toBe('Ubuntu:22.04');
    const matches = await matchInventory(
      inventory,
      memorySource([
        osvRecord('UBUNTU-CVE-2023-5678', 'Ubuntu:22.04:LTS', 'openssl', [{ introduced: '0' }, { fixed: '3.0.2-0ubuntu1.12' }], {
          severity: [{ type: 'Ubuntu', score: 'medium' }],
        }),
        osvRecord('UBUNTU-CVE-2023-0001', 'Ubuntu:Pro:22.04:LTS', 'openssl', [{ introduced: '0' }]),
      ]),
      { languages: false },
    );
    expect(matches.map(basicFinding).map((f) => `${f.name} ${f.severity} ${f.uri}`)).toEqual([
      'CVE-2023-5678 MEDIUM https://ubuntu.com/security/CVE-2023-5678',
    ]);
  });

  it('evaluates last_affected, explicit versions and several introduced/fixed pairs as the OSV schema says', async () => {
    const check = (events: Record<string, string>[], version: string, versions?: string[]) => {
      const [{ advisory }] = advisoriesOf({
        ...osvRecord('X-1', 'Debian:12', 'p', events),
        ...(versions ? { affected: [{ package: { ecosystem: 'Debian:12', name: 'p' }, ranges: [{ type: 'ECOSYSTEM', events }], versions }] } : {}),
      });
      return advisory;
    };
    const { affects } = await import('../../shared/scan/feed/osv.ts');
    const { compareDebian } = await import('../../shared/scan/versions/deb.ts');
    expect(affects(check([{ introduced: '1.0' }, { last_affected: '1.5' }], '1.5'), '1.5', compareDebian).affected).toBe(true);
    expect(affects(check([{ introduced: '1.0' }, { last_affected: '1.5' }], '1.6'), '1.6', compareDebian).affected).toBe(false);
    expect(affects(check([{ introduced: '1.0' }, { last_affected: '1.5' }], '0.9'), '0.9', compareDebian).affected).toBe(false);
    const pairs = check([{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.3' }], '');
    expect(['0.5', '1.1', '1.2', '2.1', '2.3'].map((v) => affects(pairs, v, compareDebian).affected)).toEqual([false, true, false, true, false]);
    expect(affects(check([{ introduced: '5.0' }], '', ['0.7']), '0.7', compareDebian).affected).toBe(true);
  });

  it('scores CVSS vectors with the specifications formulas', () => {
    expect(scoreVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')?.score).toBe(9.8);
    expect(scoreVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N')?.score).toBe(6.1);
    expect(scoreVector('CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N')?.score).toBe(5.5);
    expect(scoreVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N')?.score).toBe(0);
    expect(scoreVector('AV:N/AC:L/Au:N/C:P/I:P/A:P')?.score).toBe(7.5);
    expect(scoreVector('AV:N/AC:M/Au:N/C:N/I:P/A:N')?.score).toBe(4.3);
    expect(scoreVector('CVSS:3.1/AV:N')).toBeUndefined();
  });
});
