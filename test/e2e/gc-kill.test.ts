/**
 * kill -9 in the middle of a garbage collection run (`npm run gc`, one node process): afterwards no listed image is
 * missing anything, and the next run finishes the work.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGc } from '../../shared/gc/run.ts';
import { BLOB_SHARDS } from '../../shared/store/keys.ts';
import { gcActor } from '../../shared/gc/triggers.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { createRepository, deleteRepository } from '../../shared/registry/repositories.ts';
import { rootActor } from '../helpers/actors.ts';
import { everyListedImagePulls, uploadBlob } from '../helpers/gc.ts';
import { imageManifest, type Blob } from '../helpers/images.ts';
import { sha256Digest } from '../helpers/layers.ts';
import { startTestRegistry } from '../helpers/registry.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ENV = { REGISTRY_GC_GRACE_SECONDS: '1' };
const GARBAGE = 600;
const blob = (bytes: Buffer): Blob => ({ bytes, size: bytes.length, digest: sha256Digest(bytes) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const objects = (dataDir: string) => readdirSync(join(dataDir, 'blobs', 'objects', '_uploads')).length;

describe('garbage collection killed halfway', () => {
  it('leaves every listed image whole after kill -9, and the next run frees the rest', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'secr-gc-kill-'));
    try {
      // Prepare: a kept image, and a deleted repository of GARBAGE blobs.
      let registry = await startTestRegistry(dataDir, ENV);
      const { deps } = registry;
      const actor = rootActor(deps.config);
      await createRepository(deps, actor, { repositoryName: 'keep' });
      await createRepository(deps, actor, { repositoryName: 'gone' });
      const kept = { config: blob(Buffer.from('{"os":"linux"}')), layers: [blob(randomBytes(4096))] };
      for (const b of [kept.config, ...kept.layers]) await uploadBlob(deps, actor, 'keep', b);
      await putImage(deps, actor, { repositoryName: 'keep', imageManifest: imageManifest(kept), imageTag: 'v1' });
      for (let i = 0; i < GARBAGE; i++) await uploadBlob(deps, actor, 'gone', blob(randomBytes(256)));
      await deleteRepository(deps, actor, { repositoryName: 'gone', force: true });
      await registry.stop();
      await sleep(1100);
      const before = objects(dataDir);
      expect(before).toBe(GARBAGE + 2);

      // Act: npm run gc's process, killed once it has freed about half of the garbage.
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/gc.ts', '--marks'], {
        cwd: ROOT,
        env: { ...process.env, ...ENV, REGISTRY_DATA_DIR: dataDir },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      let left = before;
      for (let polls = 0; left > before - GARBAGE / 2 && polls < 3000; polls++) {
        await sleep(5);
        left = objects(dataDir);
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      left = objects(dataDir);
      console.log(`killed with ${before - left} of ${GARBAGE} garbage objects freed`);
      expect(left).toBeLessThan(before);
      expect(left).toBeGreaterThan(2);

      // Assess: the kept image is whole; the next run (the restarted registry's) frees everything else.
      registry = await startTestRegistry(dataDir, ENV);
      expect(await everyListedImagePulls(registry.deps, actor, ['keep'])).toBe(1);
      const run = await runGc(registry.deps, gcActor(registry.deps), 'marks');
      // It frees what is left, and finishes the blobs the killed run claimed (their objects may be gone already).
      expect(run.counts.blobs).toBeGreaterThanOrEqual(left - 2);
      expect(objects(dataDir)).toBe(2);
      let records = 0;
      for (const shard of BLOB_SHARDS) records += (await registry.deps.gc.blobs(shard, 1000)).items.length;
      expect(records).toBe(2);
      expect((await registry.deps.gc.marks(10)).items).toEqual([]);
      expect(await everyListedImagePulls(registry.deps, actor, ['keep'])).toBe(1);
      await registry.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
