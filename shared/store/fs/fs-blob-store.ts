/**
 * BlobStore on the filesystem of one machine: what the local host runs (S3 is what AWS runs). The same contract
 * suite covers both (test/store/contract/blobs.ts), S3's multipart rules included. Layout under its root
 * (directories 0700, files 0600):
 *
 *   objects/<_seg>/<_seg>/.../<=last>      an object, key `seg/seg/.../last`: every directory segment of the key
 *                                          prefixed `_`, the last `=`, so `a` and `a/b` never collide
 *   multipart/<id>/key                     a multipart upload's object key
 *   multipart/<id>/<partNumber>.<etag>     one uploaded part, named by the ETag it was answered with
 *   tmp/<random>                           bytes being written; emptied on open
 *
 * Every object appears under its final name by one rename of a complete file (put, completeMultipart), so a
 * process that dies mid-write leaves only a file in tmp/, never a partial object. (Files are not fsynced: a power
 * loss may lose a recent write, as with distribution's filesystem driver.) Content is verified against its digest
 * above this store (shared/registry/blob-stream.ts, layer-upload.ts), as on S3.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_PARTS, MIN_PART_BYTES, MultipartRuleError, type BlobStore, type DownloadTarget } from '../blobs.ts';
import type { BlobUrlSigner } from './signed-urls.ts';
import { S3ShapedError } from '../s3-shaped-error.ts';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** The relative path of an object's file under objects/. */
export function objectPath(key: string): string {
  const segments = key.split('/');
  const last = segments.pop()!;
  return join(...segments.map((s) => `_${s}`), `=${last}`);
}

export class FsBlobStore implements BlobStore {
  private constructor(
    private readonly root: string,
    private readonly signer: BlobUrlSigner,
    private readonly defaultHost: string,
  ) {}

  /** Opens (creating) the store under `root`, dropping any half-written files a previous process left in tmp/. */
  static async open(root: string, signer: BlobUrlSigner, defaultHost = 'localhost'): Promise<FsBlobStore> {
    await rm(join(root, 'tmp'), { recursive: true, force: true });
    for (const dir of ['objects', 'multipart', 'tmp']) await mkdir(join(root, dir), { recursive: true, mode: DIR_MODE });
    return new FsBlobStore(root, signer, defaultHost);
  }

  /** Where an object's file is (for the migration of an older data directory). */
  fileOf(key: string): string {
    return join(this.root, 'objects', objectPath(key));
  }

  async put(key: string, body: Buffer | Readable, length?: number) {
    const tmp = this.tmpFile();
    try {
      if (Buffer.isBuffer(body)) await writeFile(tmp, body, { mode: FILE_MODE });
      // A deep write buffer lets socket-sized chunks gather into one writev instead of one write each.
      else await pipeline(body, createWriteStream(tmp, { mode: FILE_MODE, highWaterMark: 1024 * 1024 }));
      const written = (await stat(tmp)).size;
      if (length !== undefined && written !== length) throw new S3ShapedError('IncompleteBody', `expected ${length} bytes, got ${written}`, 400);
      await this.place(tmp, key);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async getBytes(key: string) {
    try {
      return await readFile(this.fileOf(key));
    } catch (e) {
      throw missing(e, key);
    }
  }

  async getStream(key: string, range?: { start: number; end?: number }) {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.fileOf(key), 'r');
    } catch (e) {
      throw missing(e, key);
    }
    // The open file is read even if the object is replaced meanwhile: a reader sees one version whole.
    const { size } = await handle.stat();
    if (range && range.start >= size) {
      await handle.close();
      throw new S3ShapedError('InvalidRange', `range starts at ${range.start}, past the ${size} bytes of ${key}`, 416);
    }
    return handle.createReadStream({
      start: range?.start ?? 0,
      end: range?.end === undefined ? undefined : Math.min(range.end, size - 1),
      highWaterMark: 1024 * 1024,
    });
  }

  async size(key: string) {
    try {
      return (await stat(this.fileOf(key))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async delete(keys: string[]) {
    for (const key of keys) {
      const file = this.fileOf(key);
      await unlink(file).catch(ignoreMissing);
      await this.pruneEmptyDirs(dirname(file));
    }
  }

  async startMultipart(key: string) {
    const id = randomUUID();
    await mkdir(this.uploadDir(id), { recursive: true, mode: DIR_MODE });
    await writeFile(join(this.uploadDir(id), 'key'), key, { mode: FILE_MODE });
    return id;
  }

  async uploadPart(key: string, multipartId: string, partNumber: number, body: Buffer, final: boolean) {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS)
      throw new MultipartRuleError(`part number ${partNumber} is outside 1..${MAX_PARTS}`);
    if (!final && body.length < MIN_PART_BYTES)
      throw new MultipartRuleError(`non-final part ${partNumber} has ${body.length} bytes, under S3's ${MIN_PART_BYTES}`);
    const dir = await this.upload(key, multipartId);
    const etag = randomBytes(16).toString('hex');
    const tmp = this.tmpFile();
    await writeFile(tmp, body, { mode: FILE_MODE });
    await rename(tmp, join(dir, `${partNumber}.${etag}`));
    // A part uploaded again replaces the earlier one, as in S3.
    for (const name of await readdir(dir)) {
      if (name.startsWith(`${partNumber}.`) && name !== `${partNumber}.${etag}`) await unlink(join(dir, name)).catch(ignoreMissing);
    }
    return `"${etag}"`;
  }

  async completeMultipart(key: string, multipartId: string, parts: { partNumber: number; etag: string }[]) {
    for (let i = 1; i < parts.length; i++) {
      if (parts[i].partNumber <= parts[i - 1].partNumber) throw new MultipartRuleError('parts must be listed in ascending order');
    }
    const dir = await this.upload(key, multipartId);
    const present = new Set(await readdir(dir));
    const files = parts.map((p) => `${p.partNumber}.${p.etag.replaceAll('"', '')}`);
    const absent = files.find((f) => !present.has(f));
    if (absent !== undefined || !files.length) throw new S3ShapedError('InvalidPart', `a listed part of ${multipartId} was not uploaded with that ETag`, 400);
    const tmp = this.tmpFile();
    const out = createWriteStream(tmp, { mode: FILE_MODE });
    try {
      for (const f of files) {
        for await (const chunk of createReadStream(join(dir, f), { highWaterMark: 1024 * 1024 })) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      await this.place(tmp, key);
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
    await rm(dir, { recursive: true, force: true });
  }

  async abortMultipart(_key: string, multipartId: string) {
    if (/^[0-9a-f-]{36}$/.test(multipartId)) await rm(this.uploadDir(multipartId), { recursive: true, force: true });
  }

  async list(prefix: string) {
    const complete = prefix.split('/');
    complete.pop();
    const start = join(this.root, 'objects', ...complete.map((s) => `_${s}`));
    const found: { key: string; file: string }[] = [];
    const walk = async (dir: string, keyPrefix: string) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        return ignoreMissing(e);
      }
      for (const entry of entries) {
        const name = entry.name.slice(1);
        if (entry.isDirectory() && entry.name.startsWith('_')) {
          const sub = `${keyPrefix}${name}/`;
          if (sub.startsWith(prefix) || prefix.startsWith(sub)) await walk(join(dir, entry.name), sub);
        } else if (entry.isFile() && entry.name.startsWith('=') && `${keyPrefix}${name}`.startsWith(prefix)) {
          found.push({ key: `${keyPrefix}${name}`, file: join(dir, entry.name) });
        }
      }
    };
    await walk(start, complete.length ? `${complete.join('/')}/` : '');
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // ETags are the content's MD5, as S3's for a single PUT; computed only here (the feed location's fingerprint).
    const out: { key: string; size: number; etag: string }[] = [];
    for (const { key, file } of found) {
      const hash = createHash('md5');
      let size = 0;
      for await (const chunk of createReadStream(file)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      out.push({ key, size, etag: `"${hash.digest('hex')}"` });
    }
    return out;
  }

  async presignGet(key: string, expiresInSeconds: number, target?: DownloadTarget) {
    return this.signer.sign(key, expiresInSeconds, target ?? { repositoryName: '', digest: '', host: this.defaultHost });
  }

  /** Moves a complete file to an object's final name in one rename. */
  private async place(tmp: string, key: string) {
    const file = this.fileOf(key);
    // A delete pruning the same directory may remove it between the two calls: make it again and retry.
    for (let attempt = 0; ; attempt++) {
      await mkdir(dirname(file), { recursive: true, mode: DIR_MODE });
      try {
        return await rename(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw e;
      }
    }
  }

  private tmpFile(): string {
    return join(this.root, 'tmp', randomUUID());
  }

  private uploadDir(multipartId: string): string {
    return join(this.root, 'multipart', multipartId);
  }

  /** The directory of a multipart upload started for `key`; NoSuchUpload otherwise. */
  private async upload(key: string, multipartId: string): Promise<string> {
    const dir = this.uploadDir(multipartId);
    const recorded = /^[0-9a-f-]{36}$/.test(multipartId) ? await readFile(join(dir, 'key'), 'utf8').catch(() => undefined) : undefined;
    if (recorded !== key) throw new S3ShapedError('NoSuchUpload', `no multipart upload ${multipartId} of ${key}`, 404);
    return dir;
  }

  /** Removes directories left empty under objects/ (a concurrent write that recreates one simply wins). */
  private async pruneEmptyDirs(dir: string) {
    const top = join(this.root, 'objects');
    for (let d = dir; d.startsWith(`${top}/`); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }
}

function ignoreMissing(e: unknown): void {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
}

function missing(e: unknown, key: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? new S3ShapedError('NoSuchKey', `no object ${key}`, 404) : e;
}
