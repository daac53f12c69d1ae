/**
 * Garbage collection on the embedded stack, through the real SDK: deleted data gives its bytes back by itself (the
 * minute tick, here every 200 ms, with a grace period of 2 s), and while collections run, 20 clients pushing images
 * over the doomed blobs, mounting them and uploading them again lose nothing: every listed image pulls with verified
 * digests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  GetDownloadUrlForLayerCommand,
  PutAccountSettingCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { afterEach, describe, expect, it } from 'vitest';
import { runGc } from '../../shared/gc/run.ts';
import { gcActor } from '../../shared/gc/triggers.ts';
import { eventually } from '../helpers/clock.ts';
import { imageManifest, putManifest, type Blob } from '../helpers/images.ts';
import { pushLayer } from '../helpers/layers.ts';
import { startTestRegistry, wireError, type TestRegistry } from '../helpers/registry.ts';

const GRACE_S = 2;
const ENV = { REGISTRY_GC_GRACE_SECONDS: String(GRACE_S) };
let registry: TestRegistry | undefined;
afterEach(async () => {
  await registry?.destroy();
  registry = undefined;
});

/** Bytes under a directory. */
function du(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? du(path) : entry.isFile() ? statSync(path).size : 0;
  }
  return total;
}

const blobOf = (bytes: Buffer): Blob => ({ bytes, size: bytes.length, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` });
const configBlob = () => blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client's push: BatchCheckLayerAvailability, upload what is missing, PutImage; checks and uploads again if PutImage finds a layer gone. */
async function clientPush(ecr: ECRClient, repositoryName: string, blobs: { config: Blob; layers: Blob[] }, tag: string, extra: Record<string, unknown>) {
  const all = [blobs.config, ...blobs.layers];
  for (let attempt = 0; attempt < 5; attempt++) {
    const { failures } = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: all.map((b) => b.digest) }));
    for (const f of failures ?? []) {
      const blob = all.find((b) => b.digest === f.layerDigest)!;
      const outcome = await wireError(pushLayer(ecr, repositoryName, blob.bytes));
      if (outcome !== 'no error' && !outcome.startsWith('LayerAlreadyExistsException')) throw new Error(outcome);
    }
    const pushed = await wireError(putManifest(ecr, repositoryName, imageManifest(blobs, undefined, extra), tag));
    if (pushed === 'no error') return attempt;
    if (!pushed.startsWith('LayersNotFoundException')) throw new Error(pushed);
  }
  throw new Error(`${repositoryName}:${tag} kept finding its layers collected`);
}

/** Every image DescribeImages lists pulls: its manifest, and every blob's bytes (through the download URL) under its digest. */
async function everyListedImagePulls(ecr: ECRClient, repositories: string[]): Promise<number> {
  let pulled = 0;
  for (const repositoryName of repositories) {
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName, maxResults: 1000 }));
    for (const detail of imageDetails ?? []) {
      const { images } = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest: detail.imageDigest }] }));
      const manifest = JSON.parse(images![0].imageManifest!);
      for (const digest of [manifest.config.digest, ...manifest.layers.map((l: { digest: string }) => l.digest)]) {
        const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: digest }));
        const bytes = Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer());
        expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, `${repositoryName}@${detail.imageDigest} ${digest}`).toBe(digest);
      }
      pulled++;
    }
  }
  return pulled;
}

describe('garbage collection on the embedded stack', () => {
  it('gives back a deleted 200 MB repository by itself: the data directory returns to within a few MB of its size before the push', async () => {
    registry = await startTestRegistry(undefined, ENV, { gcTickMs: 200 });
    const { ecr, dataDir } = registry;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'big' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'small' }));
    const shared = { config: configBlob(), layers: [blobOf(randomBytes(1024 * 1024))] };
    await clientPush(ecr, 'small', shared, 'keep', {});
    await sleep(300);
    const before = du(dataDir);

    const layers = Array.from({ length: 10 }, () => blobOf(randomBytes(20 * 1024 * 1024)));
    for (const layer of layers) await pushLayer(ecr, 'big', layer.bytes);
    await clientPush(ecr, 'big', { config: shared.config, layers: [...layers.slice(0, 5), shared.layers[0]] }, 'a', {});
    await putManifest(ecr, 'big', imageManifest({ config: configBlob(), layers: layers.slice(5) }), 'b').catch(() => undefined);
    await pushLayer(ecr, 'big', randomBytes(1024)); // and a layer no manifest ever names
    const pushed = du(dataDir);
    expect(pushed - before).toBeGreaterThan(200 * 1024 * 1024);
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'big', imageIds: [{ imageTag: 'a' }] }));
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'big', force: true }));

    // Nothing is freed within the grace period; after it, the tick's run frees everything only 'big' held.
    await sleep(500);
    expect(du(dataDir) - before).toBeGreaterThan(200 * 1024 * 1024);
    const after = await eventually(
      async () => {
        const size = du(dataDir);
        return size - before < 4 * 1024 * 1024 ? size : undefined;
      },
      30_000,
      'the data directory to shrink back',
    );
    console.log(`data directory: ${before} bytes before the push, ${pushed} after it, ${after} after garbage collection`);
    expect(await everyListedImagePulls(ecr, ['small'])).toBe(1);
  }, 120_000);

  it('keeps every listed image whole while collections run under 20 clients pushing, mounting and re-uploading the doomed blobs', async () => {
    registry = await startTestRegistry(undefined, ENV, { gcTickMs: 100 });
    const { ecr, deps } = registry;
    await ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
    const repositories = ['src', ...Array.from({ length: 4 }, (_, i) => `dst-${i}`)];
    for (const repositoryName of repositories) await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const doomed = { config: configBlob(), layers: Array.from({ length: 4 }, () => blobOf(randomBytes(64 * 1024))) };
    await clientPush(ecr, 'src', doomed, 'gone', {});
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'src', imageIds: [{ imageTag: 'gone' }] }));
    await sleep(GRACE_S * 1000 + 100);

    // Collections back to back (besides the tick's), while 20 clients push images over the doomed blobs.
    let pushing = true;
    const collections = (async () => {
      let runs = 0;
      while (pushing) {
        await runGc(deps, gcActor(deps), runs % 2 ? 'marks' : 'sweep');
        runs++;
      }
      return runs;
    })();
    const retries = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const repositoryName = repositories[i % repositories.length];
        return (async () => {
          await sleep(i * 60);
          return clientPush(ecr, repositoryName, doomed, `c${i}`, { annotations: { client: String(i) } });
        })();
      }),
    );
    pushing = false;
    expect(await collections).toBeGreaterThan(0);
    console.log(`pushes that had to upload again: ${retries.filter((r) => r > 0).length} of 20`);

    expect(await everyListedImagePulls(ecr, repositories)).toBe(20);
    // And once everything is deleted, a run after the grace period frees it all.
    for (const repositoryName of repositories) await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    await sleep(GRACE_S * 1000 + 100);
    await runGc(deps, gcActor(deps), 'marks');
    for (const blob of [doomed.config, ...doomed.layers]) expect(await deps.layers.getBlob(blob.digest)).toBeUndefined();
  }, 120_000);
});
