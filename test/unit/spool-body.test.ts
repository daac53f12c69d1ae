/** The local host's reading of a body not yet known to be signed: hashed on the way, little of it in memory. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { spoolBody } from '../../infra/local/body.ts';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'secr-spool-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
/** A body arriving in chunks of 1000 bytes. */
const arriving = (body: Buffer) => Readable.from(Array.from({ length: Math.ceil(body.length / 1000) }, (_, i) => body.subarray(i * 1000, (i + 1) * 1000)));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('a body read before its signature is checked', () => {
  it('keeps a body under the in-memory size in memory, with its SHA-256', async () => {
    const dir = scratch();
    const body = randomBytes(3000);

    const spooled = await spoolBody(arriving(body), 100_000, 4096, dir);

    expect(spooled?.sha256).toBe(sha256(body));
    expect(readdirSync(dir)).toEqual([]);
    expect(await spooled!.bytes()).toEqual(body);
  });

  it('puts what passes the in-memory size in a file of its own, gone once the body is read or dropped', async () => {
    const dir = scratch();
    const body = randomBytes(50_000);

    const read = await spoolBody(arriving(body), 100_000, 4096, dir);
    const files = readdirSync(dir);
    const bytes = await read!.bytes();
    const dropped = await spoolBody(arriving(body), 100_000, 4096, dir);
    const filesBeforeDrop = readdirSync(dir).length;
    await dropped!.discard();

    expect(files).toEqual([expect.stringMatching(/^serverless-ecr-body-/)]);
    expect(bytes).toEqual(body);
    expect(read!.sha256).toBe(sha256(body));
    expect(filesBeforeDrop).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives up past the limit and keeps nothing', async () => {
    const dir = scratch();

    const spooled = await spoolBody(arriving(randomBytes(50_000)), 20_000, 4096, dir);

    expect(spooled).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
