/**
 * Garbage collection on the in-memory stores with a clock the test moves: what deletions free is reclaimed once the
 * grace period has passed, what another repository or a push still needs never is, and abandoned uploads go after
 * their TTL.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gcTick, gcActor } from '../../shared/gc/triggers.ts';
import { runGc } from '../../shared/gc/run.ts';
import { batchDeleteImage } from '../../shared/registry/images.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { deleteRepository } from '../../shared/registry/repositories.ts';
import { batchCheckLayerAvailability, initiateLayerUpload, uploadLayerPart } from '../../shared/registry/layers.ts';
import type { MemoryBlobStore } from '../../shared/store/memory/blobs.ts';
import { findingsObject as findingsObjectKey, layerIndexObject } from '../../shared/store/keys.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { everyListedImagePulls, HandClock } from '../helpers/gc.ts';
import { imageManifest } from '../helpers/images.ts';

const GRACE_S = 60;

function fixture() {
  const clock = new HandClock();
  const registry = memoryRegistry({ now: clock.now, config: { gcGraceSeconds: GRACE_S, uploadTtlSeconds: 600 } });
  return { clock, registry, deps: registry.deps, actor: registry.actor, gc: gcActor(registry.deps) };
}

const storedBytes = (blobs: unknown) => (blobs as MemoryBlobStore).usage().bytes;

describe('garbage collection', () => {
  it('frees the blobs of a deleted repository once the grace period has passed, and keeps those another repository links', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('doomed');
    await registry.repository('kept');
    const shared = await registry.blobs('doomed', 2);
    const own = await registry.blobs('doomed', 2);
    await registry.layer('kept', shared.layers[0].bytes);
    await registry.layer('kept', shared.config.bytes);
    await putImage(deps, actor, { repositoryName: 'doomed', imageManifest: imageManifest(shared), imageTag: 'a' });
    await putImage(deps, actor, { repositoryName: 'doomed', imageManifest: imageManifest(own), imageTag: 'b' });
    const keptImage = imageManifest({ config: shared.config, layers: [shared.layers[0]] });
    await putImage(deps, actor, { repositoryName: 'kept', imageManifest: keptImage, imageTag: 'k' });

    await deleteRepository(deps, actor, { repositoryName: 'doomed', force: true });
    const early = await runGc(deps, gc, 'marks');
    expect(early.counts.blobs).toBe(0);

    clock.advance(GRACE_S * 1000 + 1);
    const run = await runGc(deps, gc, 'marks');

    // Freed: own's config and layers, shared's second layer; kept: what 'kept' links.
    expect(run.counts.blobs).toBe(4);
    expect(run.counts.freedBytes).toBe(own.config.size + own.layers[0].size + own.layers[1].size + shared.layers[1].size);
    for (const b of [own.config, ...own.layers, shared.layers[1]]) expect(await deps.layers.getBlob(b.digest)).toBeUndefined();
    for (const b of [shared.config, shared.layers[0]]) expect(await deps.layers.getBlob(b.digest)).toBeDefined();
    expect(await everyListedImagePulls(deps, actor, ['kept'])).toBe(1);
    expect((await deps.gc.marks(100)).items).toEqual([]);
  });

  it('frees the layers of deleted images in a repository that stays, after the grace period counted from the deletion', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('app');
    const blobs = await registry.blobs('app', 2);
    const other = await registry.blobs('app', 1);
    await putImage(deps, actor, { repositoryName: 'app', imageManifest: imageManifest(blobs), imageTag: 'old' });
    await putImage(deps, actor, { repositoryName: 'app', imageManifest: imageManifest(other), imageTag: 'new' });
    clock.advance(10 * GRACE_S * 1000);

    await batchDeleteImage(deps, actor, { repositoryName: 'app', imageIds: [{ imageTag: 'old' }] });
    clock.advance(GRACE_S * 500);
    expect((await runGc(deps, gc, 'marks')).counts.blobs).toBe(0);
    clock.advance(GRACE_S * 500 + 1);
    const run = await runGc(deps, gc, 'marks');

    expect(run.counts).toMatchObject({ links: 3, blobs: 3 });
    expect(await everyListedImagePulls(deps, actor, ['app'])).toBe(1);
  });

  it('frees the manifest object of a deleted image kept in S3, and keeps the same manifest of another repository', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('a');
    await registry.repository('b');
    const blobs = await registry.blobs('a', 1);
    await registry.layer('b', blobs.config.bytes);
    await registry.layer('b', blobs.layers[0].bytes);
    const large = imageManifest(blobs, undefined, { annotations: { filler: 'x'.repeat(400_000) } });
    await putImage(deps, actor, { repositoryName: 'a', imageManifest: large, imageTag: 'big' });
    await putImage(deps, actor, { repositoryName: 'b', imageManifest: large, imageTag: 'big' });
    const objects = async () => (await deps.blobs.list('manifests/')).length;
    expect(await objects()).toBe(2);

    await batchDeleteImage(deps, actor, { repositoryName: 'a', imageIds: [{ imageTag: 'big' }] });
    clock.advance(GRACE_S * 1000 + 1);
    await runGc(deps, gc, 'marks');

    expect(await objects()).toBe(1);
    expect(await everyListedImagePulls(deps, actor, ['a', 'b'])).toBe(1);
  });

  it('leaves a repository pass that took over half the grace period since it read the images for the next run', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('app');
    const blobs = await registry.blobs('app', 1);
    await putImage(deps, actor, { repositoryName: 'app', imageManifest: imageManifest(blobs), imageTag: 'old' });
    await batchDeleteImage(deps, actor, { repositoryName: 'app', imageIds: [{ imageTag: 'old' }] });
    clock.advance(GRACE_S * 1000 + 1);
    // The pass is slow: by the time it has read the images, more than half the grace period has gone by.
    const list = deps.images.list.bind(deps.images);
    deps.images.list = async (...args) => {
      const page = await list(...args);
      clock.advance((GRACE_S * 1000) / 2 + 1);
      return page;
    };
    const slow = await runGc(deps, gc, 'marks');

    expect(slow.counts).toMatchObject({ links: 0, blobs: 0 });
    expect((await deps.gc.marks(10)).items.map((m) => m.kind)).toContain('REPO');
    deps.images.list = list;
    expect((await runGc(deps, gc, 'marks')).counts).toMatchObject({ links: 2, blobs: 2 });
  });

  it('keeps layers BatchCheckLayerAvailability just said are available, for the PutImage that relies on it', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('app');
    const blobs = await registry.blobs('app', 2);
    clock.advance(GRACE_S * 1000 + 1);
    const layerDigests = [blobs.config, ...blobs.layers].map((b) => b.digest);
    const checked = await batchCheckLayerAvailability(deps, actor, { repositoryName: 'app', layerDigests });
    expect(checked.failures).toEqual([]);
    const run = await runGc(deps, gc, 'sweep');

    expect(run.counts.blobs).toBe(0);
    await putImage(deps, actor, { repositoryName: 'app', imageManifest: imageManifest(blobs) });
    expect(await everyListedImagePulls(deps, actor, ['app'])).toBe(1);
  });

  it('never collects a layer uploaded a moment before its manifest, nor one whose manifest comes within the grace period', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('app');
    const blobs = await registry.blobs('app', 1);
    clock.advance(GRACE_S * 1000 - 1);
    await runGc(deps, gc, 'sweep');
    await putImage(deps, actor, { repositoryName: 'app', imageManifest: imageManifest(blobs) });
    clock.advance(10 * GRACE_S * 1000);
    const run = await runGc(deps, gc, 'sweep');

    expect(run.counts.blobs).toBe(0);
    expect(await everyListedImagePulls(deps, actor, ['app'])).toBe(1);
  });

  it('frees layers uploaded for a manifest that never came, with their scan indexes, once the grace period has passed (the sweep)', async () => {
    const { clock, registry, deps, gc } = fixture();
    await registry.repository('app');
    const blobs = await registry.blobs('app', 2);
    await deps.blobs.put(layerIndexObject(blobs.layers[0].digest, 2), Buffer.from('{"scan":"index"}'));
    clock.advance(GRACE_S * 1000 + 1);
    const run = await runGc(deps, gc, 'sweep');

    expect(run.counts.blobs).toBe(3);
    for (const b of [blobs.config, ...blobs.layers]) expect(await deps.layers.getBlob(b.digest)).toBeUndefined();
    expect(storedBytes(deps.blobs)).toBe(0);
  });

  it("frees an abandoned upload's parts after its TTL, and leaves one still in progress", async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('app');
    const abandoned = await initiateLayerUpload(deps, actor, { repositoryName: 'app' });
    await uploadLayerPart(deps, actor, {
      repositoryName: 'app',
      uploadId: abandoned.uploadId,
      partFirstByte: 0,
      partLastByte: 99,
      layerPartBlob: randomBytes(100),
    });
    clock.advance(500_000);
    const live = await initiateLayerUpload(deps, actor, { repositoryName: 'app' });
    await uploadLayerPart(deps, actor, { repositoryName: 'app', uploadId: live.uploadId, partFirstByte: 0, partLastByte: 99, layerPartBlob: randomBytes(100) });
    clock.advance(200_000);
    const run = await runGc(deps, gc, 'sweep');

    expect(run.counts.uploads).toBe(1);
    const repo = (await deps.repositories.get('app'))!;
    expect((await deps.gc.uploads(repo.uid, 10)).items.map((u) => u.uploadId)).toEqual([live.uploadId]);
    expect(storedBytes(deps.blobs)).toBe(100);
  });

  it("drops lifecycle chunks of a run that died, and keeps the current run's", async () => {
    const { registry, deps, gc } = fixture();
    await registry.repository('app');
    const repo = (await deps.repositories.get('app'))!;
    const now = deps.now().getTime();
    const policy = JSON.stringify({
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    await deps.lifecycle.putPolicy(repo.uid, 'app', policy, now);
    expect(await deps.lifecycle.claimRun(repo.uid, { id: 'current', trigger: 'SCHEDULE', startedAt: now, expiresAt: now + 3600_000 }, now)).toBe('started');
    await deps.lifecycle.putChunk(repo.uid, 'plan', 'dead', 0, [{ digest: 'x' }]);
    await deps.lifecycle.putChunk(repo.uid, 'plan', 'current', 0, [{ digest: 'y' }]);
    const run = await runGc(deps, gc, 'sweep');

    expect(run.counts.chunks).toBe(1);
    expect(await deps.lifecycle.getChunk(repo.uid, 'plan', 'dead', 0)).toBeUndefined();
    expect(await deps.lifecycle.getChunk(repo.uid, 'plan', 'current', 0)).toEqual([{ digest: 'y' }]);
  });

  it('drops the scan record and findings of a deleted image, and keeps those of an image still listed', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    await registry.repository('app');
    const repo = (await deps.repositories.get('app'))!;
    const blobs = await registry.blobs('app', 1);
    const gone = await putImage(deps, actor, {
      repositoryName: 'app',
      imageManifest: imageManifest(blobs, undefined, { annotations: { n: '1' } }),
      imageTag: 'gone',
    });
    const kept = await putImage(deps, actor, {
      repositoryName: 'app',
      imageManifest: imageManifest(blobs, undefined, { annotations: { n: '2' } }),
      imageTag: 'kept',
    });
    for (const digest of [gone.image.imageId!.imageDigest!, kept.image.imageId!.imageDigest!]) {
      const findingsObject = findingsObjectKey(repo.uid, digest, `scan-${digest.slice(-4)}`);
      await deps.blobs.put(findingsObject, Buffer.from('{"findings":[]}'));
      const scan = {
        digest,
        scanId: `scan-${digest.slice(-4)}`,
        status: 'COMPLETE' as const,
        scanType: 'BASIC' as const,
        startedAt: deps.now().getTime(),
        completedAt: deps.now().getTime(),
        findingsObject,
      };
      expect((await deps.scans.start(repo.uid, scan, 0)).started).toBe(true);
    }
    await batchDeleteImage(deps, actor, { repositoryName: 'app', imageIds: [{ imageTag: 'gone' }] });
    clock.advance(GRACE_S * 1000 + 1);
    const run = await runGc(deps, gc, 'marks');

    expect(run.counts.scans).toBe(1);
    expect(await deps.scans.get(repo.uid, gone.image.imageId!.imageDigest!)).toBeUndefined();
    expect(await deps.scans.get(repo.uid, kept.image.imageId!.imageDigest!)).toBeDefined();
    expect((await deps.blobs.list('scan/findings/')).length).toBe(1);
  });

  it('is started by the tick once a mark is due, and by the interval for a sweep', async () => {
    const { clock, registry, deps, actor, gc } = fixture();
    const started: { machine: string; input: Record<string, unknown> }[] = [];
    deps.jobs = {
      start: async (machine, input) => {
        started.push({ machine, input });
        return { executionArn: String(started.length) };
      },
    };
    expect(await gcTick(deps, gc)).toBe('sweep');
    await runGc(deps, gc, 'sweep');
    await registry.repository('app');
    const blobs = await registry.blobs('app', 1);
    await putImage(deps, actor, { repositoryName: 'app', imageManifest: imageManifest(blobs), imageTag: 't' });
    await batchDeleteImage(deps, actor, { repositoryName: 'app', imageIds: [{ imageTag: 't' }] });
    expect(await gcTick(deps, gc)).toBeUndefined();
    clock.advance(GRACE_S * 1000 + 1);
    expect(await gcTick(deps, gc)).toBe('marks');
    expect(started.map((s) => s.machine)).toEqual(['gc', 'gc']);
  });
});
