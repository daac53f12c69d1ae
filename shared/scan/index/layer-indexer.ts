/**
 * The streaming layer indexer: reads one layer (a tar, usually gzip-compressed) from a stream and keeps
 * only what scanning needs: the release files and package databases it finds, parsed, and the layer's
 * whiteouts. Every other entry is skipped as it streams past, so memory stays flat whatever the layer size.
 * The index is cached by layer digest and INDEXER_VERSION (bump it whenever what is kept changes).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { parseApkInstalled, parseDpkgStatus, parsePackageLock, parsePythonMetadata, type InstalledPackage } from './packages.ts';
import { parseRpmdbSqlite } from './rpmdb.ts';

export const INDEXER_VERSION = 2;
/** Files larger than this are not kept (no package database comes close). */
const MAX_KEPT_FILE_BYTES = 64 * 1024 * 1024;

export type FileKind = 'os-release' | 'debian_version' | 'alpine-release' | 'dpkg' | 'dpkg-status.d' | 'apk' | 'rpmdb' | 'npm' | 'python';
/** A kept file: release files keep their text, package databases their parsed packages. */
export type IndexedFile = { path: string; kind: FileKind; text?: string; packages?: InstalledPackage[]; symlink?: string };
export type LayerIndex = {
  indexerVersion: number;
  digest: string;
  files: IndexedFile[];
  /** Paths this layer deletes from the layers below (`.wh.<name>`). */
  whiteouts: string[];
  /** Directories whose lower-layer contents this layer hides (`.wh..wh..opq`). */
  opaque: string[];
};

/** Why a layer could not be indexed (e.g. a compression this indexer does not read). */
export class LayerFormatError extends Error {
  override name = 'LayerFormatError';
}

/** The kind of file a layer path is, if scanning keeps it. */
export function classify(path: string): FileKind | undefined {
  switch (path) {
    case 'etc/os-release':
    case 'usr/lib/os-release':
      return 'os-release';
    case 'etc/debian_version':
      return 'debian_version';
    case 'etc/alpine-release':
      return 'alpine-release';
    case 'var/lib/dpkg/status':
      return 'dpkg';
    case 'lib/apk/db/installed':
      return 'apk';
    case 'var/lib/rpm/rpmdb.sqlite':
    case 'var/lib/rpm/Packages':
    case 'usr/lib/sysimage/rpm/rpmdb.sqlite':
      return 'rpmdb';
  }
  if (path.startsWith('var/lib/dpkg/status.d/') && !path.endsWith('.md5sums') && path.indexOf('/', 'var/lib/dpkg/status.d/'.length) < 0) return 'dpkg-status.d';
  if (path.endsWith('/package-lock.json') || path === 'package-lock.json' || path.endsWith('node_modules/.package-lock.json')) return 'npm';
  if (/\.dist-info\/METADATA$/.test(path)) return 'python';
  return undefined;
}

/** A tar path without `./` or `/` in front and without a trailing slash. */
export function normalizePath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** Indexes a layer stream (tar, tar+gzip; compression detected from the bytes). */
export async function indexLayer(source: Readable, digest: string): Promise<LayerIndex> {
  const index: LayerIndex = { indexerVersion: INDEXER_VERSION, digest, files: [], whiteouts: [], opaque: [] };
  const { stream, gzip, zstd } = await sniff(source);
  if (zstd) throw new LayerFormatError(`Layer ${digest} is zstd-compressed, which this scanner does not read.`);
  const extract = tar.extract();
  let failure: unknown;
  const piping = (gzip ? pipeline(stream, createGunzip({ chunkSize: 256 * 1024 }), extract) : pipeline(stream, extract)).catch((e) => {
    failure = e;
    extract.destroy(e);
  });
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const path = normalizePath(header.name);
      const slash = path.lastIndexOf('/');
      const base = path.slice(slash + 1);
      if (base.startsWith('.wh.')) {
        const dir = slash >= 0 ? path.slice(0, slash) : '';
        if (base === '.wh..wh..opq') index.opaque.push(dir);
        else index.whiteouts.push((dir ? dir + '/' : '') + base.slice(4));
        entry.resume();
        continue;
      }
      const kind = classify(path);
      if (kind && header.type === 'symlink' && header.linkname) {
        index.files.push({ path, kind, symlink: header.linkname });
      } else if (kind && (header.type === 'file' || header.type === 'contiguous-file') && (header.size ?? 0) <= MAX_KEPT_FILE_BYTES) {
        index.files.push(await keep(path, kind, await readAll(entry as unknown as AsyncIterable<Buffer>)));
        continue;
      }
      entry.resume();
    }
  } catch (e) {
    throw failure ?? e;
  }
  await piping;
  if (failure) throw failure;
  return index;
}

async function keep(path: string, kind: FileKind, bytes: Buffer): Promise<IndexedFile> {
  // rpm's sqlite database is binary; an older (Berkeley DB, ndb) one is kept unread, so the image stays unsupported.
  if (kind === 'rpmdb') return path.endsWith('.sqlite') ? { path, kind, packages: await parseRpmdbSqlite(bytes) } : { path, kind };
  const text = bytes.toString('utf8');
  switch (kind) {
    case 'dpkg':
      return { path, kind, packages: parseDpkgStatus(text) };
    case 'dpkg-status.d':
      return { path, kind, packages: parseDpkgStatus(text, false) };
    case 'apk':
      return { path, kind, packages: parseApkInstalled(text) };
    case 'npm':
      return { path, kind, packages: parsePackageLock(text) };
    case 'python':
      return { path, kind, packages: parsePythonMetadata(text) };
    default:
      return { path, kind, text: text.slice(0, 64 * 1024) };
  }
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Looks at the first bytes to tell gzip and zstd from a plain tar; returns a stream that still has them. */
async function sniff(source: Readable): Promise<{ stream: Readable; gzip: boolean; zstd: boolean }> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  const buffered: Buffer[] = [];
  while (head.length < 4) {
    const next = await iterator.next();
    if (next.done) break;
    buffered.push(next.value);
    head = Buffer.concat([head, next.value]);
  }
  async function* replay() {
    yield* buffered;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value as Buffer;
  }
  return {
    stream: Readable.from(replay(), { objectMode: false }),
    gzip: head[0] === 0x1f && head[1] === 0x8b,
    zstd: head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd,
  };
}
