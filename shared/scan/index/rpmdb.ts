/**
 * rpm's package database as rpm ≥ 4.16 writes it (`rpmdb.sqlite`: table `Packages(hnum, blob)`), read with
 * sql.js (SQLite compiled to WebAssembly; read from sql.js's package folder, which the deployment ships in the
 * scanning-jobs zip beside the bundle: infra/deploy/functions.ts `files`), and the
 * RPM header blob each row holds, parsed from the RPM file format's header structure: a big-endian int32
 * index count and data length, that many 16-byte index entries (tag, type, offset, count), then the data.
 */
import { createRequire } from 'node:module';
import type { SqlJsStatic } from 'sql.js';
import type { InstalledPackage } from './packages.ts';

export const RPMTAG = { NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, ARCH: 1022, SOURCERPM: 1044 } as const;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;

export type RpmHeader = { name: string; version: string; release: string; epoch?: number; arch?: string; sourceRpm?: string };

/** The package a header blob describes; undefined when the blob is malformed or lacks name, version or release. */
export function parseRpmHeader(blob: Uint8Array): RpmHeader | undefined {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.byteLength < 8) return undefined;
  const il = view.getInt32(0);
  const dl = view.getInt32(4);
  const dataStart = 8 + il * 16;
  if (il < 1 || dl < 0 || dataStart + dl > blob.byteLength) return undefined;
  const strings = new Map<number, string>();
  let epoch: number | undefined;
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = view.getInt32(at),
      type = view.getInt32(at + 4),
      offset = view.getInt32(at + 8),
      count = view.getInt32(at + 12);
    if (offset < 0 || offset >= dl) continue;
    if (tag === RPMTAG.EPOCH && type === TYPE_INT32 && count >= 1 && offset + 4 <= dl) epoch = view.getInt32(dataStart + offset);
    else if (type === TYPE_STRING && Object.values(RPMTAG).includes(tag as never)) {
      const end = blob.indexOf(0, dataStart + offset);
      if (end >= 0 && end < dataStart + dl) strings.set(tag, Buffer.from(blob.subarray(dataStart + offset, end)).toString('utf8'));
    }
  }
  const name = strings.get(RPMTAG.NAME),
    version = strings.get(RPMTAG.VERSION),
    release = strings.get(RPMTAG.RELEASE);
  if (!name || !version || !release) return undefined;
  const arch = strings.get(RPMTAG.ARCH),
    sourceRpm = strings.get(RPMTAG.SOURCERPM);
  return { name, version, release, ...(epoch !== undefined ? { epoch } : {}), ...(arch ? { arch } : {}), ...(sourceRpm ? { sourceRpm } : {}) };
}

/** The source package name of a source rpm file name: `openssl-3.0.7-24.el9.src.rpm` → `openssl`. */
export function sourceName(sourceRpm: string): string | undefined {
  const m = /^(.+)-[^-]+-[^-]+\.(?:src|nosrc)\.rpm$/.exec(sourceRpm);
  return m?.[1];
}

/** The installed package of a header: version `[epoch:]version-release`, source from SOURCERPM. */
export function installedPackage(h: RpmHeader): InstalledPackage {
  const source = h.sourceRpm ? sourceName(h.sourceRpm) : undefined;
  return {
    name: h.name,
    version: `${h.epoch ? `${h.epoch}:` : ''}${h.version}-${h.release}`,
    ...(source ? { source } : {}),
    ...(h.arch ? { arch: h.arch } : {}),
  };
}

let sqlJs: Promise<SqlJsStatic> | undefined;
/** sql.js, initialised once per process. */
// Loaded on first use: only images with an rpm database pay for SQLite (its ~40 KB of JavaScript and ~700 KB of
// wasm). Both are read from sql.js's package folder at run time, not bundled: locally node_modules/, in the
// scanning-jobs zip node_modules/sql.js/dist/ beside the bundle (infra/deploy/functions.ts `files`).
export const loadSqlJs = () => {
  if (!sqlJs) {
    const load = createRequire(import.meta.url);
    const init = load(SQL_JS.script) as (options: { locateFile: () => string }) => Promise<SqlJsStatic>;
    sqlJs = init({ locateFile: () => load.resolve(SQL_JS.wasm) });
  }
  return sqlJs;
};

/** The package paths of sql.js's Node build and its WebAssembly. */
export const SQL_JS = { script: 'sql.js/dist/sql-wasm.js', wasm: 'sql.js/dist/sql-wasm.wasm' } as const;

/** Packages of an rpmdb.sqlite file (the gpg-pubkey pseudo-packages left out); none when it cannot be read. */
export async function parseRpmdbSqlite(bytes: Uint8Array): Promise<InstalledPackage[]> {
  const SQL = await loadSqlJs();
  let db: InstanceType<typeof SQL.Database> | undefined;
  try {
    db = new SQL.Database(bytes);
    const out: InstalledPackage[] = [];
    for (const [blob] of db.exec('SELECT blob FROM Packages ORDER BY hnum')[0]?.values ?? []) {
      const header = blob instanceof Uint8Array ? parseRpmHeader(blob) : undefined;
      if (header && header.name !== 'gpg-pubkey') out.push(installedPackage(header));
    }
    return out;
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
