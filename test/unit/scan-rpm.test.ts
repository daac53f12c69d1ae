import { describe, expect, it } from 'vitest';
import { coalesce } from '../../shared/scan/index/coalesce.ts';
import { parseRpmHeader, parseRpmdbSqlite, sourceName } from '../../shared/scan/index/rpmdb.ts';
import { matchInventory } from '../../shared/scan/match.ts';
import { basicFinding } from '../../shared/scan/findings.ts';
import { layerTar, osRelease, osvRecord, rpmdbSqlite, rpmHeaderBlob, type RpmPkg, indexBytes, memorySource } from '../helpers/scan-fixtures.ts';

const index = indexBytes;

const PKGS: RpmPkg[] = [
  { name: 'openssl-libs', version: '3.0.7', release: '24.el9', epoch: 1, sourceRpm: 'openssl-3.0.7-24.el9.src.rpm' },
  { name: 'bash', version: '5.1.8', release: '6.el9_1', sourceRpm: 'bash-5.1.8-6.el9_1.src.rpm' },
  { name: 'gpg-pubkey', version: '350d275d', release: '6395c6fc', arch: '(none)' },
  { name: 'tzdata', version: '2023c', release: '1.el9', arch: 'noarch' },
];
const rpmLayer = async (id: string, version: string, pkgs = PKGS) =>
  layerTar([
    { path: 'etc/os-release', content: osRelease(id, version) },
    { path: 'var/lib/rpm/rpmdb.sqlite', content: await rpmdbSqlite(pkgs) },
  ]);

describe('the RPM header parser', () => {
  it('reads name, version, release, epoch, arch and source rpm from a header blob', () => {
    expect(parseRpmHeader(rpmHeaderBlob(PKGS[0]))).toEqual({
      name: 'openssl-libs',
      version: '3.0.7',
      release: '24.el9',
      epoch: 1,
      arch: 'x86_64',
      sourceRpm: 'openssl-3.0.7-24.el9.src.rpm',
    });
    expect(parseRpmHeader(rpmHeaderBlob(PKGS[3]))).toEqual({ name: 'tzdata', version: '2023c', release: '1.el9', arch: 'noarch' });
  });

  it('gives nothing for a truncated or empty blob, and strips version-release from a source rpm name', () => {
    const blob = rpmHeaderBlob(PKGS[0]);
    expect(parseRpmHeader(blob.subarray(0, blob.length - 10))).toBeUndefined();
    expect(parseRpmHeader(Buffer.alloc(4))).toBeUndefined();
    expect(sourceName('python3.11-3.11.2-2.el9.src.rpm')).toBe('python3.11');
    expect(sourceName('not-a-source-rpm')).toBeUndefined();
  });

  it('reads every package of an rpmdb.sqlite but the gpg-pubkey ones, and nothing of a file that is not SQLite', async () => {
    const pkgs = await parseRpmdbSqlite(await rpmdbSqlite(PKGS));
    expect(pkgs).toEqual([
      { name: 'openssl-libs', version: '1:3.0.7-24.el9', source: 'openssl', arch: 'x86_64' },
      { name: 'bash', version: '5.1.8-6.el9_1', source: 'bash', arch: 'x86_64' },
      { name: 'tzdata', version: '2023c-1.el9', arch: 'noarch' },
    ]);
    expect(await parseRpmdbSqlite(Buffer.from('not a database'))).toEqual([]);
  });
});

describe('indexing RPM images', () => {
  it('keeps rpmdb.sqlite with its packages and maps Rocky, Alma and RHEL to their OSV ecosystems', async () => {
    const layer = await index(await rpmLayer('rocky', '9.3'), 'sha256:rocky');
    expect(layer.files.map((f) => f.path)).toEqual(['etc/os-release', 'var/lib/rpm/rpmdb.sqlite']);
    const rocky = coalesce([layer]);
    expect(rocky).toMatchObject({ osEcosystem: 'Rocky Linux:9', packageManager: 'rpm' });
    expect(rocky.osPackages.map((l) => l.pkg.name)).toEqual(['openssl-libs', 'bash', 'tzdata']);
    expect(coalesce([await index(await rpmLayer('almalinux', '8.9'), 'sha256:alma')]).osEcosystem).toBe('AlmaLinux:8');
    expect(coalesce([await index(await rpmLayer('rhel', '9.2'), 'sha256:rhel')]).osEcosystem).toBe('Red Hat:enterprise_linux:9');
    expect(coalesce([await index(await rpmLayer('fedora', '39'), 'sha256:fedora')]).osEcosystem).toBeUndefined();
  });

  it('honours a whiteout of the rpm database and leaves a Berkeley DB database unsupported', async () => {
    const base = await index(await rpmLayer('rocky', '9.3'), 'sha256:rocky');
    const gone = coalesce([base, await index(await layerTar([{ path: 'var/lib/rpm/.wh.rpmdb.sqlite' }]), 'sha256:wh')]);
    expect(gone.osPackages).toEqual([]);
    expect(gone.osEcosystem).toBeUndefined();
    const replaced = coalesce([base, await index(await layerTar([{ path: 'var/lib/rpm/rpmdb.sqlite', content: await rpmdbSqlite([PKGS[1]]) }]), 'sha256:up')]);
    expect(replaced.osPackages.map((l) => `${l.pkg.name}@${l.layer}`)).toEqual(['bash@sha256:up']);
    const bdb = coalesce([
      await index(
        await layerTar([
          { path: 'etc/os-release', content: osRelease('centos', '7') },
          { path: 'var/lib/rpm/Packages', content: Buffer.alloc(64) },
        ]),
        'sha256:bdb',
      ),
    ]);
    expect(bdb).toMatchObject({ packageManager: 'rpm', osPackages: [] });
    expect(bdb.osEcosystem).toBeUndefined();
  });
});

describe('matching RPM packages', () => {
  it('matches by source or binary name with the rpm order, epochs included', async () => {
    const inventory = coalesce([await index(await rpmLayer('rocky', '9.3'), 'sha256:rocky')]);
    const matches = await matchInventory(
      inventory,
      memorySource([
        osvRecord('RLSA-2024:0001', 'Rocky Linux:9', 'openssl', [{ introduced: '0' }, { fixed: '1:3.0.7-25.el9' }], { aliases: ['CVE-2024-0001'] }),
        osvRecord('RLSA-2024:0002', 'Rocky Linux:9', 'openssl', [{ introduced: '0' }, { fixed: '3.0.8-1.el9' }], { aliases: ['CVE-2024-0002'] }), // epoch 0 < 1
        osvRecord('RLSA-2024:0003', 'Rocky Linux:9', 'bash', [{ introduced: '0' }, { fixed: '5.1.8-6.el9_1' }], { aliases: ['CVE-2024-0003'] }), // fixed at the installed version
        osvRecord('RLSA-2024:0004', 'Rocky Linux:9', 'tzdata', [{ introduced: '0' }, { fixed: '2024a-1.el9' }], { aliases: ['CVE-2024-0004'] }),
        osvRecord('RLSA-2024:0005', 'Rocky Linux:8', 'tzdata', [{ introduced: '0' }], { aliases: ['CVE-2024-0005'] }),
      ]),
      { languages: false },
    );
    expect(matches.map((m) => `${m.advisory.name} ${m.located.pkg.name} ${m.located.pkg.version} fixed ${m.fixed}`)).toEqual([
      'CVE-2024-0001 openssl-libs 1:3.0.7-24.el9 fixed 1:3.0.7-25.el9',
      'CVE-2024-0004 tzdata 2023c-1.el9 fixed 2024a-1.el9',
    ]);
  });

  it('looks up Red Hat advisories in each repository ecosystem of the release, by binary name', async () => {
    const inventory = coalesce([await index(await rpmLayer('rhel', '9.2'), 'sha256:rhel')]);
    const matches = await matchInventory(
      inventory,
      memorySource([
        osvRecord('RHSA-2024:0001', 'Red Hat:enterprise_linux:9::baseos', 'openssl-libs', [{ introduced: '0' }, { fixed: '1:3.0.7-25.el9' }], {
          aliases: ['CVE-2024-1111'],
        }),
      ]),
      { languages: false },
    );
    expect(matches.map(basicFinding).map((f) => `${f.name} ${f.uri}`)).toEqual(['CVE-2024-1111 https://access.redhat.com/security/cve/CVE-2024-1111']);
  });
});
