/**
 * Garbage collection racing the writes that need a doomed blob, under seeded interleavings of their store calls
 * (test/helpers/interleave.ts): after every step and at rest, every image a listing shows pulls with all its blobs
 * (docs/ARCHITECTURE.md "Garbage collection"). The blobs are doomed: the image that used them was deleted more than a
 * grace period ago, so the collector would free them if nothing touched them. RACE_SEEDS sets the sample (default 60).
 */
import { describe, expect, it } from 'vitest';
import { runGc } from '../../shared/gc/run.ts';
import { gcActor } from '../../shared/gc/triggers.ts';
import { putAccountSetting } from '../../shared/registry/account-settings.ts';
import { mountBlob } from '../../shared/registry/blob-uploads.ts';
import { batchDeleteImage } from '../../shared/registry/images.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { deleteRepository } from '../../shared/registry/repositories.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { clientPush, everyListedImagePulls, HandClock, uploadBlob } from '../helpers/gc.ts';
import { imageManifest, type Blob } from '../helpers/images.ts';
import { interleave, type Operation } from '../helpers/interleave.ts';

const SEEDS = Number(process.env.RACE_SEEDS ?? 60);
const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
const GRACE_S = 60;

/** Repositories src and dst; an image of src over `blobs`, deleted more than a grace period ago. */
async function doomed() {
  const clock = new HandClock();
  const registry = memoryRegistry({ now: clock.now, config: { gcGraceSeconds: GRACE_S } });
  const { deps, actor } = registry;
  await registry.repository('src');
  await registry.repository('dst');
  await putAccountSetting(deps, actor, { name: 'BLOB_MOUNTING', value: 'ENABLED' });
  const blobs = await registry.blobs('src', 2);
  await putImage(deps, actor, { repositoryName: 'src', imageManifest: imageManifest(blobs), imageTag: 'gone' });
  await batchDeleteImage(deps, actor, { repositoryName: 'src', imageIds: [{ imageTag: 'gone' }] });
  clock.advance(GRACE_S * 1000 + 1);
  const all: Blob[] = [blobs.config, ...blobs.layers];
  return { clock, registry, deps, actor, blobs, all, gc: gcActor(deps) };
}

const collect =
  (f: Awaited<ReturnType<typeof doomed>>, mode: 'marks' | 'sweep'): Operation =>
  (deps) =>
    runGc(deps, f.gc, mode);

/** A client pushing into `repositoryName` an image over the doomed blobs: checks, uploads what is missing, PutImage. */
const pushDoomed =
  (f: Awaited<ReturnType<typeof doomed>>, repositoryName: string, n: number): Operation =>
  (deps) =>
    clientPush(deps, f.actor, repositoryName, f.all, imageManifest(f.blobs, undefined, { annotations: { n: String(n) } }), `t${n}`);

/** A client mounting the doomed blobs from src into dst (uploading those it cannot mount), then PutImage. */
const mountDoomed =
  (f: Awaited<ReturnType<typeof doomed>>): Operation =>
  async (deps) => {
    for (const blob of f.all) {
      if (!(await mountBlob(deps, f.actor, { repositoryName: 'dst', digest: blob.digest, from: 'src' }))) await uploadBlob(deps, f.actor, 'dst', blob);
    }
    return clientPush(deps, f.actor, 'dst', f.all, imageManifest(f.blobs, undefined, { annotations: { n: 'mounted' } }), 'mounted');
  };

const check = (f: Awaited<ReturnType<typeof doomed>>) => async () => {
  await everyListedImagePulls(f.deps, f.actor, ['src', 'dst']);
};

describe('garbage collection under every sampled interleaving', () => {
  it.each(seeds)(
    'a collection racing a push of the doomed blobs into their own repository never leaves a listed image without them (seed %i)',
    async (seed) => {
      const f = await doomed();
      const run = await interleave(f.deps, [collect(f, 'marks'), pushDoomed(f, 'src', 1)], seed, check(f));
      expect(run.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(await everyListedImagePulls(f.deps, f.actor, ['src'])).toBe(1);
    },
  );

  it.each(seeds)('a sweep racing two pushes of the doomed blobs into two repositories keeps both images whole (seed %i)', async (seed) => {
    const f = await doomed();
    const run = await interleave(f.deps, [collect(f, 'sweep'), pushDoomed(f, 'src', 1), pushDoomed(f, 'dst', 2)], seed, check(f));
    expect(run.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(await everyListedImagePulls(f.deps, f.actor, ['src', 'dst'])).toBe(2);
  });

  it.each(seeds)('a collection racing a mount of the doomed blobs keeps the mounted image whole, or the client uploads them again (seed %i)', async (seed) => {
    const f = await doomed();
    const run = await interleave(f.deps, [collect(f, 'marks'), mountDoomed(f)], seed, check(f));
    expect(run.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await everyListedImagePulls(f.deps, f.actor, ['dst'])).toBe(1);
  });

  it.each(seeds)('two collections at once and a repository deletion never free a blob another repository still needs (seed %i)', async (seed) => {
    const f = await doomed();
    await clientPush(f.deps, f.actor, 'dst', f.all, imageManifest(f.blobs), 'kept');
    await pushDoomed(f, 'src', 3)(f.deps);
    const remove: Operation = (deps) => deleteRepository(deps, f.actor, { repositoryName: 'src', force: true });
    const run = await interleave(f.deps, [collect(f, 'marks'), collect(f, 'sweep'), remove], seed, check(f));
    expect(run.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(await everyListedImagePulls(f.deps, f.actor, ['dst'])).toBe(1);
  });
});
