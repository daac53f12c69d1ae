/**
 * The single flight of pull through cache imports (shared/pull-through/cache.ts `importOnce`) on in-memory stores:
 * pulls in one process join the import under way; a pull finding another process's import lease waits for the
 * lease to end, then finds the work done; a lease its holder never gave back frees the reference once expired.
 * And an import refusing bytes that are not what upstream's manifest names.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPullThroughCacheRule } from '../../shared/pull-through/rules.ts';
import { batchGetImage } from '../../shared/registry/images.ts';
import { importOnce, IMPORT_LEASE_MS } from '../../shared/pull-through/cache.ts';
import type { RepositoryRecord } from '../../shared/store/types.ts';
import { memoryRegistry } from '../helpers/domain.ts';

const repoOf = async (registry: ReturnType<typeof memoryRegistry>, name: string): Promise<RepositoryRecord> => {
  await registry.repository(name);
  return (await registry.deps.repositories.get(name))!;
};

describe('importOnce', () => {
  it('runs the work once for pulls of one reference arriving together in one process', async () => {
    const registry = memoryRegistry();
    const repo = await repoOf(registry, 'cache/app');
    let runs = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const work = async () => {
      runs++;
      await gate;
    };

    const pulls = Array.from({ length: 5 }, () => importOnce(registry.deps, repo, 'tag:v1', work));
    open();
    await Promise.all(pulls);

    expect(runs).toBe(1);
  });

  it("waits while another process holds the reference's lease, then runs its work, which finds the import done", async () => {
    const registry = memoryRegistry();
    const repo = await repoOf(registry, 'cache/app');
    const now = registry.deps.now().getTime();
    expect(await registry.deps.pullThrough.claimImport(repo.uid, 'tag:v1', 'other-process', now, now + IMPORT_LEASE_MS)).toBe(true);
    const order: string[] = [];
    let imported = false;

    const pull = importOnce(registry.deps, repo, 'tag:v1', async () => {
      order.push(imported ? 'found it done' : 'imported again');
    });
    await new Promise((r) => setTimeout(r, 250));
    order.push('other process finished');
    imported = true;
    await registry.deps.pullThrough.releaseImport(repo.uid, 'tag:v1', 'other-process');
    await pull;

    expect(order).toEqual(['other process finished', 'found it done']);
    expect(await registry.deps.pullThrough.claimImport(repo.uid, 'tag:v1', 'next', now, now + 1)).toBe(true);
  });

  it('takes over a lease whose holder died once it has expired', async () => {
    let clock = Date.now();
    const registry = memoryRegistry({ now: () => new Date(clock) });
    const repo = await repoOf(registry, 'cache/app');
    await registry.deps.pullThrough.claimImport(repo.uid, 'sha256:dead', 'dead-process', clock, clock + IMPORT_LEASE_MS);
    let ran = false;

    const pull = importOnce(registry.deps, repo, 'sha256:dead', async () => {
      ran = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    const before = ran;
    clock += IMPORT_LEASE_MS;
    await pull;

    expect(before).toBe(false);
    expect(ran).toBe(true);
  });
});

describe('importing from an upstream that sends other bytes than it names', () => {
  it('refuses a blob whose bytes do not have its digest: no image, no blob, no link, and the failure reported', async () => {
    // Prepare: an upstream whose manifest names a layer it serves different bytes for.
    const layer = Buffer.from('the real layer');
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const digest = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(layer), size: layer.length }],
    });
    const server = createServer((req, res) => {
      if (req.url === '/v2/app/manifests/v1') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digest(manifest) });
        res.end(req.method === 'HEAD' ? undefined : manifest);
      } else if (req.url === `/v2/app/blobs/${digest(config)}`) res.end(config);
      else if (req.url === `/v2/app/blobs/${digest(layer)}`) res.end(Buffer.from('a forged layer'));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const registry = memoryRegistry();
    const { deps, actor } = registry;
    try {
      await createPullThroughCacheRule(deps, actor, { ecrRepositoryPrefix: 'up', upstreamRegistryUrl: `http://127.0.0.1:${port}` });

      // Act
      const out = await batchGetImage(deps, actor, { repositoryName: 'up/app', imageIds: [{ imageTag: 'v1' }] });

      // Assess
      expect(out.images).toEqual([]);
      expect(out.failures).toMatchObject([
        { imageId: { imageTag: 'v1' }, failureCode: 'UpstreamUnavailable', failureReason: expect.stringContaining('not what its descriptor says') },
      ]);
      const repo = (await deps.repositories.get('up/app'))!;
      expect(await deps.images.get(repo.uid, digest(manifest))).toBeUndefined();
      expect(await deps.layers.getBlob(digest(layer))).toBeUndefined();
      expect([...(await deps.layers.links(repo.uid, [digest(layer)])).keys()]).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
