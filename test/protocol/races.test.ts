/**
 * The races of docs/ARCHITECTURE.md ("Write protocols") with real concurrency: many real ECR SDK clients against one
 * local registry on its embedded DynamoDB and S3, each asserting what a client sees on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  type ECRClient,
  ListImagesCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { ecrClient, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { imageManifest, pushBlobs } from '../helpers/images.ts';
import { pushLayer, randomLayer, sha256Digest } from '../helpers/layers.ts';
import { digestOf } from '../../shared/registry/manifests.ts';

const CLIENTS = 50;
let registry: TestRegistry;
let clients: ECRClient[];
beforeAll(async () => {
  registry = await startTestRegistry();
  clients = Array.from({ length: CLIENTS }, () => ecrClient(registry.endpoint));
});
afterAll(async () => {
  for (const c of clients ?? []) c.destroy();
  await registry?.destroy();
});

const outcome = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name);
const count = (outcomes: string[]) => {
  const n: Record<string, number> = {};
  for (const o of outcomes) n[o] = (n[o] ?? 0) + 1;
  return n;
};

/** Every tag ListImages lists is described and pulls (I1); returns the listed digests. */
async function expectTagsResolve(repositoryName: string) {
  const ids = (await registry.ecr.send(new ListImagesCommand({ repositoryName, maxResults: 1000 }))).imageIds ?? [];
  const described = new Set(
    ((await registry.ecr.send(new DescribeImagesCommand({ repositoryName, maxResults: 1000 }))).imageDetails ?? []).map((d) => d.imageDigest),
  );
  const tagged = ids.filter((id) => id.imageTag !== undefined);
  for (const id of ids) expect(described.has(id.imageDigest), `${id.imageTag ?? ''}@${id.imageDigest} is described`).toBe(true);
  if (tagged.length) {
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: tagged.map((id) => ({ imageTag: id.imageTag })) }));
    expect(got.failures).toEqual([]);
  }
  return described;
}

async function repoWithManifests(repositoryName: string, n: number, settings: Record<string, unknown> = {}) {
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName, ...settings }));
  const blobs = await pushBlobs(registry.ecr, repositoryName, 1);
  return Array.from({ length: n }, (_, i) => imageManifest(blobs, undefined, { annotations: { n: String(i) } }));
}

describe('races with real clients on the embedded servers', () => {
  it('50 clients pushing different images to one mutable tag all succeed; the tag names one of them and every image is stored', async () => {
    // Prepare
    const manifests = await repoWithManifests('races/mutable', CLIENTS);

    // Act
    const results = await Promise.allSettled(
      manifests.map((imageManifest, i) => clients[i].send(new PutImageCommand({ repositoryName: 'races/mutable', imageManifest, imageTag: 'latest' }))),
    );

    // Assess
    expect(count(results.map(outcome))).toEqual({ ok: CLIENTS });
    const described = await expectTagsResolve('races/mutable');
    expect(described).toEqual(new Set(manifests.map((m) => digestOf(m))));
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'races/mutable', imageIds: [{ imageTag: 'latest' }] }));
    expect(manifests.map((m) => digestOf(m))).toContain(got.images![0].imageId!.imageDigest);
  });

  it('50 clients pushing different images to one immutable tag: one wins, 49 hear ImageTagAlreadyExistsException and store nothing', async () => {
    const manifests = await repoWithManifests('races/immutable', CLIENTS, { imageTagMutability: 'IMMUTABLE' });

    const results = await Promise.allSettled(
      manifests.map((imageManifest, i) => clients[i].send(new PutImageCommand({ repositoryName: 'races/immutable', imageManifest, imageTag: 'v1' }))),
    );

    expect(count(results.map(outcome))).toEqual({ ok: 1, ImageTagAlreadyExistsException: CLIENTS - 1 });
    const winner = digestOf(manifests[results.findIndex((r) => r.status === 'fulfilled')]);
    expect(await expectTagsResolve('races/immutable')).toEqual(new Set([winner]));
  });

  it('deleting an image by digest while it is re-pushed under new tags never leaves a tag that points nowhere', async () => {
    const [manifest] = await repoWithManifests('races/delete-repush', 1);
    const imageDigest = digestOf(manifest);
    for (let round = 0; round < 10; round++) {
      // Prepare: the image, tagged.
      await registry.ecr.send(new PutImageCommand({ repositoryName: 'races/delete-repush', imageManifest: manifest, imageTag: `base${round}` }));

      // Act: a delete by digest against five re-pushes under new tags.
      const results = await Promise.allSettled([
        clients[0].send(new BatchDeleteImageCommand({ repositoryName: 'races/delete-repush', imageIds: [{ imageDigest }] })),
        ...Array.from({ length: 5 }, (_, i) =>
          clients[i + 1].send(new PutImageCommand({ repositoryName: 'races/delete-repush', imageManifest: manifest, imageTag: `r${round}-${i}` })),
        ),
      ]);

      // Assess: every call answered, every listed tag resolves, and every tag can be deleted.
      expect(results.map(outcome).filter((o) => o !== 'ok')).toEqual([]);
      await expectTagsResolve('races/delete-repush');
      const ids = (await registry.ecr.send(new ListImagesCommand({ repositoryName: 'races/delete-repush' }))).imageIds ?? [];
      if (ids.length) {
        const deleted = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'races/delete-repush', imageIds: ids }));
        expect(deleted.failures).toEqual([]);
      }
    }
  });

  it('DeleteRepository during 20 pushes succeeds, and the name starts empty when it is created again', async () => {
    const manifests = await repoWithManifests('races/delete-repo', 20);

    const pushes = manifests.map((imageManifest, i) =>
      clients[i].send(new PutImageCommand({ repositoryName: 'races/delete-repo', imageManifest, imageTag: `t${i}` })),
    );
    const deletion = clients[CLIENTS - 1].send(new DeleteRepositoryCommand({ repositoryName: 'races/delete-repo', force: true }));
    const results = await Promise.allSettled([deletion, ...pushes]);

    expect(outcome(results[0])).toBe('ok');
    const allowed = new Set(['ok', 'RepositoryNotFoundException', 'LayersNotFoundException']);
    expect(
      results
        .slice(1)
        .map(outcome)
        .filter((o) => !allowed.has(o)),
    ).toEqual([]);
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'races/delete-repo' }));
    expect((await registry.ecr.send(new ListImagesCommand({ repositoryName: 'races/delete-repo' }))).imageIds).toEqual([]);
  });

  it('20 clients uploading one layer at once all succeed or hear LayerAlreadyExistsException, and the layer is served', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'races/layer' }));
    const bytes = randomLayer(64 * 1024);

    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => pushLayer(clients[i], 'races/layer', bytes)));

    const outcomes = results.map(outcome);
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'LayerAlreadyExistsException')).toEqual([]);
    expect(outcomes).toContain('ok');
    const blobs = { config: { digest: sha256Digest(bytes), size: bytes.length, bytes }, layers: [] };
    const pushed = await registry.ecr.send(new PutImageCommand({ repositoryName: 'races/layer', imageManifest: imageManifest(blobs), imageTag: 'v1' }));
    expect(pushed.image?.imageId?.imageTag).toBe('v1');
  });
});
