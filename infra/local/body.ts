/**
 * An ECR request body read before its signature is known good: hashed as it streams in, at most `inMemory` bytes
 * kept in memory (the rest goes to a temporary file readable by this user only, in writes of about 1 MiB, so about
 * 1 MiB more is in memory at a time), refused past `limit`. Only once the
 * signature over that hash has been checked does the caller read the body whole (`bytes`) or drop it (`discard`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SpooledBody = {
  size: number;
  /** SHA-256 of the body, in hex, as a SigV4 canonical request holds it. */
  sha256: string;
  /** The whole body, once; the temporary file is gone afterwards. */
  bytes(): Promise<Buffer>;
  /** Drops the body without reading it. */
  discard(): Promise<void>;
};

/** Reads `req`'s body as above (the temporary file in `dir`); undefined (and nothing kept) once it grows past `limit` bytes. */
export async function spoolBody(
  req: IncomingMessage | AsyncIterable<Buffer>,
  limit: number,
  inMemory: number,
  dir = tmpdir(),
): Promise<SpooledBody | undefined> {
  const hash = createHash('sha256');
  let chunks: Buffer[] = [];
  let size = 0;
  let file: FileHandle | undefined;
  let path: string | undefined;
  // Past `inMemory`, chunks are gathered up to WRITE_BATCH bytes and written with one writev.
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const drop = async () => {
    chunks = [];
    batch = [];
    await file?.close().catch(() => undefined);
    file = undefined;
    if (path) await rm(path, { force: true });
  };
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        await drop();
        return undefined;
      }
      hash.update(chunk);
      if (!file && size > inMemory) {
        path = join(dir, `serverless-ecr-body-${randomUUID()}`);
        file = await open(path, 'wx', 0o600);
        batch = chunks;
        batchBytes = size - chunk.length;
        chunks = [];
      }
      if (!file) {
        chunks.push(chunk);
        continue;
      }
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH) {
        await writeAll(file, batch);
        batch = [];
        batchBytes = 0;
      }
    }
    if (file && batch.length) await writeAll(file, batch);
    batch = [];
    await file?.close();
    file = undefined;
  } catch (e) {
    await drop();
    throw e;
  }
  return {
    size,
    sha256: hash.digest('hex'),
    bytes: async () => {
      if (!path) return Buffer.concat(chunks);
      try {
        return await readFile(path);
      } finally {
        await drop();
      }
    },
    discard: drop,
  };
}

/** Bytes of a spooled body gathered before one write to its temporary file. */
const WRITE_BATCH = 1024 * 1024;

async function writeAll(file: FileHandle, buffers: Buffer[]) {
  let pending = buffers;
  while (pending.length) {
    let written = (await file.writev(pending)).bytesWritten;
    while (pending.length && written >= pending[0].length) {
      written -= pending[0].length;
      pending = pending.slice(1);
    }
    if (written > 0) pending = [pending[0].subarray(written), ...pending.slice(1)];
  }
}
