/**
 * GET /metrics reports what the registry holds (infra/local/inventory.ts): repositories, images and their
 * bytes, in total and per repository, read through the domain at most once a minute, with the figures' age.
 */
import { describe, expect, it } from 'vitest';
import { cachedInventory, readInventory } from '../../infra/local/inventory.ts';
import { startMetrics } from '../../infra/local/metrics.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { memoryRegistry, type MemoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

async function pushImage(registry: MemoryRegistry, repositoryName: string, tag: string) {
  const blobs = await registry.blobs(repositoryName, 1);
  await putImage(registry.deps, registry.actor, { repositoryName, imageManifest: imageManifest(blobs), imageTag: tag });
  return blobs.config.size + blobs.layers[0].size;
}

describe('the inventory /metrics reports', () => {
  it('counts repositories, images and image bytes, in total and per repository', async () => {
    // Prepare
    const registry = memoryRegistry();
    await registry.repository('app');
    await registry.repository('empty');
    const first = await pushImage(registry, 'app', 'v1');
    const second = await pushImage(registry, 'app', 'v2');
    // Act
    const inventory = await readInventory(registry.deps);
    // Assess
    expect(inventory).toMatchObject({ repositories: 2, images: 2, bytes: first + second });
    expect(inventory.perRepository).toEqual([
      { repository: 'app', images: 2, bytes: first + second },
      { repository: 'empty', images: 0, bytes: 0 },
    ]);
  });

  it('is read again only once the last reading is a minute old', async () => {
    // Prepare
    let now = new Date('2026-01-01T00:00:00Z');
    const registry = memoryRegistry({ now: () => now });
    await registry.repository('app');
    const inventory = cachedInventory(registry.deps, 60_000);
    expect((await inventory()).repositories).toBe(1);
    await registry.repository('later');
    // Act
    const fresh = await inventory();
    now = new Date(now.getTime() + 60_000);
    const reread = await inventory();
    // Assess
    expect(fresh.repositories).toBe(1);
    expect(reread.repositories).toBe(2);
  });

  it('appears on the metrics page as gauges, per repository too, with their age', async () => {
    // Prepare
    const registry = memoryRegistry();
    await registry.repository('app');
    const bytes = await pushImage(registry, 'app', 'v1');
    const metrics = startMetrics(cachedInventory(registry.deps));
    // Act
    const page = await metrics.page('127.0.0.1');
    metrics.close();
    // Assess
    const text = String(page.body);
    expect(text).toMatch(/^secr_repositories 1$/m);
    expect(text).toMatch(/^secr_images 1$/m);
    expect(text).toMatch(new RegExp(`^secr_image_bytes ${bytes}$`, 'm'));
    expect(text).toMatch(/^secr_repository_images\{repository="app"\} 1$/m);
    expect(text).toMatch(new RegExp(`^secr_repository_image_bytes\\{repository="app"\\} ${bytes}$`, 'm'));
    expect(text).toMatch(/^secr_inventory_age_seconds \d/m);
  });
});
