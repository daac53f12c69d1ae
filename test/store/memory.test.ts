/** The store contract on the in-memory stores, and what only they promise (presigned memory:// URLs, createMemoryDeps). */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createMemoryDeps, createMemoryStores, MemoryBlobStore } from '../../shared/store/memory/index.ts';
import { storeContract } from './contract/index.ts';

storeContract(async () => createMemoryStores({ registryId: String(Math.floor(Math.random() * 1e12)).padStart(12, '0') }));

describe('the in-memory blob store', () => {
  it('presigns memory:// URLs that resolve to their key until they expire', async () => {
    let now = new Date(1_800_000_000_000);
    const blobs = new MemoryBlobStore(() => now);

    const url = await blobs.presignGet('blobs/sha256/abc', 60);

    expect(url).toBe('memory://blob/blobs/sha256/abc?expires=1800000060000');
    expect(blobs.readPresigned(url)).toBe('blobs/sha256/abc');
    now = new Date(1_800_000_060_000);
    expect(blobs.readPresigned(url)).toBeUndefined();
    expect(blobs.readPresigned('https://example.com/x')).toBeUndefined();
  });
});

describe('the in-memory stores', () => {
  it('let other callers run between the separate writes of one method, as the DynamoDB adapter does', async () => {
    const { images } = createMemoryStores();
    const [uid, child, index] = [randomUUID(), 'sha256:child', 'sha256:index'];

    const creating = images.create(uid, {
      digest: index,
      manifestMediaType: 'application/vnd.oci.image.index.v1+json',
      sizeInBytes: 1,
      pushedAt: 1,
      children: [child],
    });
    const parents = await images.parentsOf(uid, child);
    const before = await images.get(uid, index);
    await creating;

    expect(parents).toEqual([index]);
    expect(before).toBeUndefined();
    expect(await images.get(uid, index)).toBeDefined();
  });
});

describe('createMemoryDeps', () => {
  it('builds every dependency in memory, with the clock and configuration given', async () => {
    const now = () => new Date(1_800_000_000_000);

    const deps = createMemoryDeps({ now, config: { registryId: '123456789012', uploadTtlSeconds: 60 } });

    expect(deps.now()).toEqual(new Date(1_800_000_000_000));
    expect(deps.config.registryId).toBe('123456789012');
    expect(deps.config.uploadTtlSeconds).toBe(60);
    expect(deps.config.tableName).toBe('serverless-ecr');
    expect(deps.images).toBe(deps.imageStates);
    await expect(deps.jobs.start('scan', {})).rejects.toThrow(/STATE_MACHINE_ARN_PREFIX/);
    expect(await deps.blobs.presignGet('k', 1)).toBe('memory://blob/k?expires=1800000001000');
  });

  it("shares one table between its stores: a repository's contents go with deleteContents", async () => {
    const deps = createMemoryDeps();
    const uid = randomUUID();
    await deps.images.moveTag(uid, 'latest', 'sha256:a', null, 1);
    await deps.layers.link(uid, { digest: 'sha256:b', size: 1 });

    await deps.repositories.deleteContents(uid);

    expect(await deps.images.getTag(uid, 'latest')).toBeUndefined();
    expect((await deps.layers.links(uid, ['sha256:b'])).size).toBe(0);
  });

  it('imports no AWS SDK package, directly or through the modules it loads', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'/gm)) {
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
        else packages.add(spec);
      }
    };

    visit(resolve('shared/store/memory/index.ts'));

    expect(seen.size).toBeGreaterThan(8);
    expect([...packages].filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'))).toEqual([]);
  });
});
