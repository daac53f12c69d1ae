/**
 * Scanning fixtures built in code: image layers (tar + gzip, with package databases, release files and
 * whiteouts) and small OSV feeds (per-ecosystem all.zip files, as OSV publishes them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { indexLayer } from '../../shared/scan/index/layer-indexer.ts';
import { advisoriesOf, type Advisory } from '../../shared/scan/feed/osv.ts';
import type { AdvisorySource } from '../../shared/scan/match.ts';

export type TarEntry = { path: string; content?: string | Buffer; type?: 'file' | 'directory' | 'symlink'; linkname?: string };

/** A tar archive of the entries, gzip-compressed unless `gzip` is false. */
export async function layerTar(entries: TarEntry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    if (type === 'file') pack.entry({ name: e.path, mode: 0o644 }, e.content ?? '');
    else if (type === 'symlink') pack.entry({ name: e.path, type: 'symlink', linkname: e.linkname });
    else pack.entry({ name: e.path, type: 'directory', mode: 0o755 });
  }
  pack.finalize();
  await ended;
  const raw = Buffer.concat(chunks);
  return gzip ? gzipSync(raw) : raw;
}

export type Pkg = { name: string; version: string; source?: string; arch?: string; status?: string };

/** A dpkg status file (or one status.d stanza when given one package). */
export function dpkgStatus(pkgs: Pkg[]): string {
  return (
    pkgs
      .map((p) =>
        [
          `Package: ${p.name}`,
          `Status: ${p.status ?? 'install ok installed'}`,
          'Priority: optional',
          `Architecture: ${p.arch ?? 'amd64'}`,
          ...(p.source ? [`Source: ${p.source}`] : []),
          `Version: ${p.version}`,
          `Description: ${p.name}`,
          ' a package built for a scanning test',
        ].join('\n'),
      )
      .join('\n\n') + '\n'
  );
}

/** An apk installed database. */
export function apkInstalled(pkgs: Pkg[]): string {
  return (
    pkgs
      .map((p) =>
        [
          `C:Q1${'x'.repeat(27)}=`,
          `P:${p.name}`,
          `V:${p.version}`,
          `A:${p.arch ?? 'x86_64'}`,
          ...(p.source ? [`o:${p.source}`] : []),
          'T:test package',
          '',
        ].join('\n'),
      )
      .join('\n') + '\n'
  );
}

export const osRelease = (id: string, versionId: string, name = id) =>
  `PRETTY_NAME="${name} ${versionId}"\nNAME="${name}"\nID=${id}\nVERSION_ID="${versionId}"\n`;

/** A zip archive of named files (deflated), as OSV's all.zip exports are. */
export function zip(files: { name: string; content: string | Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const data = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content);
    const packed = deflateRawSync(data);
    const name = Buffer.from(f.name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** An OSV all.zip export holding one JSON file per record. */
export const osvZip = (records: any[]): Buffer => zip(records.map((r) => ({ name: `${r.id}.json`, content: JSON.stringify(r) })));

/** Writes `<dir>/<ecosystem>/all.zip` holding one JSON file per OSV record. */
export function writeOsvFeed(dir: string, ecosystem: string, records: any[]): void {
  mkdirSync(join(dir, ecosystem), { recursive: true });
  writeFileSync(join(dir, ecosystem, 'all.zip'), osvZip(records));
}

/** An OSV record affecting one package with one ECOSYSTEM range. */
export function osvRecord(
  id: string,
  ecosystem: string,
  pkg: string,
  events: Record<string, string>[],
  extra: Record<string, unknown> = {},
  affectedExtra: Record<string, unknown> = {},
) {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2024-01-01T00:00:00Z',
    published: '2023-06-01T00:00:00Z',
    summary: `${id} in ${pkg}`,
    details: `A test vulnerability ${id} of ${pkg}.`,
    affected: [{ package: { ecosystem, name: pkg }, ranges: [{ type: ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM', events }], ...affectedExtra }],
    ...extra,
  };
}

/** Pushes an image of these layers (OCI manifest, gzip layer type unless given) through the ECR API; returns its digest. */
export async function pushImageOfLayers(
  ecr: import('@aws-sdk/client-ecr').ECRClient,
  repositoryName: string,
  layers: Buffer[],
  tag?: string,
  layerType = 'application/vnd.oci.image.layer.v1.tar+gzip',
): Promise<string> {
  const { pushLayer } = await import('./layers.ts');
  const { putManifest } = await import('./images.ts');
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, created: new Date().toISOString(), nonce: Math.random() }),
  );
  const configDigest = await pushLayer(ecr, repositoryName, config);
  const descriptors = [];
  for (const layer of layers)
    descriptors.push({ mediaType: layerType, digest: await pushLayerOnce(ecr, repositoryName, layer, pushLayer), size: layer.length });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: descriptors,
  });
  return putManifest(ecr, repositoryName, manifest, tag);
}

/** Pushes a layer, or leaves it when the repository has it already (LayerAlreadyExistsException). */
async function pushLayerOnce(ecr: any, repositoryName: string, layer: Buffer, pushLayer: (e: any, r: string, b: Buffer) => Promise<string>): Promise<string> {
  try {
    return await pushLayer(ecr, repositoryName, layer);
  } catch (e) {
    if ((e as Error).name !== 'LayerAlreadyExistsException') throw e;
    const { sha256Digest } = await import('./layers.ts');
    return sha256Digest(layer);
  }
}

export type RpmPkg = { name: string; version: string; release: string; epoch?: number; arch?: string; sourceRpm?: string };

/** An RPM header blob as rpmdb stores it: il, dl, il 16-byte entries (tag, type, offset, count), then the data. */
export function rpmHeaderBlob(p: RpmPkg): Buffer {
  const entries: { tag: number; type: number; data: Buffer }[] = [];
  const str = (tag: number, value?: string) => {
    if (value !== undefined) entries.push({ tag, type: 6, data: Buffer.from(value + '\0') });
  };
  entries.push({ tag: 63, type: 7, data: Buffer.alloc(16) }); // the immutable region trailer, which readers skip
  str(1000, p.name);
  str(1001, p.version);
  str(1002, p.release);
  if (p.epoch !== undefined) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(p.epoch);
    entries.push({ tag: 1003, type: 4, data: b });
  }
  str(1022, p.arch ?? 'x86_64');
  str(1044, p.sourceRpm);
  const index = Buffer.alloc(entries.length * 16);
  const data: Buffer[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const pad = e.type === 4 ? (4 - (offset % 4)) % 4 : 0; // INT32 data is 4-byte aligned
    if (pad) {
      data.push(Buffer.alloc(pad));
      offset += pad;
    }
    index.writeInt32BE(e.tag, i * 16);
    index.writeInt32BE(e.type, i * 16 + 4);
    index.writeInt32BE(offset, i * 16 + 8);
    index.writeInt32BE(e.type === 7 ? 16 : 1, i * 16 + 12);
    data.push(e.data);
    offset += e.data.length;
  });
  const head = Buffer.alloc(8);
  head.writeInt32BE(entries.length, 0);
  head.writeInt32BE(offset, 4);
  return Buffer.concat([head, index, ...data]);
}

/** An rpmdb.sqlite holding these packages in its Packages(hnum, blob) table, as rpm ≥ 4.16 writes it. */
export async function rpmdbSqlite(pkgs: RpmPkg[]): Promise<Buffer> {
  const { loadSqlJs } = await import('../../shared/scan/index/rpmdb.ts');
  const db = new (await loadSqlJs()).Database();
  db.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  for (const p of pkgs) db.run('INSERT INTO Packages (blob) VALUES (?)', [rpmHeaderBlob(p)]);
  const bytes = Buffer.from(db.export());
  db.close();
  return bytes;
}

/** Indexes a layer held in memory. */
export const indexBytes = async (bytes: Buffer, digest: string) => indexLayer(Readable.from([bytes]), digest);

/** An advisory source over OSV records held in memory (the feed store's contract, without S3). */
export function memorySource(records: any[]): AdvisorySource {
  const all = records.flatMap(advisoriesOf);
  return {
    async advisoriesFor(ecosystem, names) {
      const out = new Map<string, Advisory[]>();
      for (const a of all) if (a.ecosystem === ecosystem && names.includes(a.name)) out.set(a.name, [...(out.get(a.name) ?? []), a.advisory]);
      return out;
    },
  };
}
