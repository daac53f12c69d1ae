/**
 * The store contract with the filesystem BlobStore (the local host's) beside the DynamoDB adapters on dynalite (over the
 * embedded table's socket, as the local host reaches it), and
 * what only the filesystem store promises: objects appear whole under their final names, in a private directory.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack, type EmbeddedStack } from '../../infra/local/stack.ts';
import { dynamoStoresOn } from '../../shared/deps/dynamo.ts';
import { DynamoRegistryStore } from '../../shared/store/dynamo/registry.ts';
import { Table } from '../../shared/store/dynamo/table.ts';
import { FsBlobStore } from '../../shared/store/fs/fs-blob-store.ts';
import { BlobUrlSigner } from '../../shared/store/fs/signed-urls.ts';
import { storeContract } from './contract/index.ts';

let dataDir: string;
let stack: EmbeddedStack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'secr-fs-contract-'));
  stack = await startEmbeddedStack({ dataDir, tableName: 'contract', region: 'us-east-1', signingKey: Buffer.alloc(32, 1), scheme: 'http' });
});

afterAll(async () => {
  await stack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

storeContract(async () => {
  const registryId = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  const { repositories, images, layers, scans, lifecycle, imageStates, templates, gc, pullThrough } = dynamoStoresOn(stack.dynamo, {
    tableName: 'contract',
    registryId,
  });
  // The registry store uncached, as the DynamoDB contract run has it (the deps' copy caches reads for a few seconds).
  const registry = new DynamoRegistryStore(new Table(stack.dynamo, 'contract'), registryId);
  return { repositories, images, layers, blobs: stack.blobs, scans, registry, lifecycle, imageStates, templates, gc, pullThrough };
});

describe('the filesystem blob store', () => {
  it('leaves no object under its final name when a stream fails midway, and drops half-written files on open', async () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'secr-fs-'));
    const blobs = await FsBlobStore.open(root, new BlobUrlSigner(Buffer.alloc(32), 'http'));
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 7));
        this.destroy(new Error('client went away'));
      },
    });

    // Act
    await expect(blobs.put('uploads/x/whole/n', failing)).rejects.toThrow('client went away');
    await expect(blobs.put('uploads/x/short', Readable.from([Buffer.from('abc')]), 10)).rejects.toThrow();
    await FsBlobStore.open(root, new BlobUrlSigner(Buffer.alloc(32), 'http'));

    // Assess
    expect(await blobs.size('uploads/x/whole/n')).toBeUndefined();
    expect(await blobs.size('uploads/x/short')).toBeUndefined();
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps its directories 0700 and its files 0600', async () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'secr-fs-'));
    const blobs = await FsBlobStore.open(root, new BlobUrlSigner(Buffer.alloc(32), 'http'));

    // Act
    await blobs.put('a/b/c', Buffer.from('x'));

    // Assess
    expect(statSync(join(root, 'objects', '_a', '_b')).mode & 0o777).toBe(0o700);
    expect(statSync(blobs.fileOf('a/b/c')).mode & 0o777).toBe(0o600);
    rmSync(root, { recursive: true, force: true });
  });
});
