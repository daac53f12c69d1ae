/**
 * The write protocols of docs/ARCHITECTURE.md ("Write protocols") under a seeded sample of the interleavings of
 * their store calls (test/helpers/interleave.ts), with the invariants users see checked after every step:
 * I1 a listed tag resolves to a listed image, I2 a refused push stores nothing listed, I3 a listed image's blobs exist.
 * RACE_SEEDS sets how many interleavings each pair explores (default 60).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../shared/deps.ts';
import { ImageAlreadyExistsException, ImageTagAlreadyExistsException, LayersNotFoundException, UploadNotFoundException } from '../../shared/errors.ts';
import { completeBlobUpload, getBlobUpload, startBlobUpload } from '../../shared/registry/blob-uploads.ts';
import { statBlob } from '../../shared/registry/blobs.ts';
import { batchDeleteImage, pullManifest } from '../../shared/registry/images.ts';
import { describeImages, listImages } from '../../shared/registry/image-listing.ts';
import { digestOf } from '../../shared/registry/manifests.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { deleteRepository } from '../../shared/registry/repositories.ts';
import { interleave, type Operation } from '../helpers/interleave.ts';
import { memoryRegistry, type MemoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

const SEEDS = Number(process.env.RACE_SEEDS ?? 60);
const REPO = 'race/pairs';
const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);

type Fixture = { registry: MemoryRegistry; manifests: string[]; listed: Set<string> };

/** A repository with `count` distinct manifests over one set of blobs (none pushed yet). */
async function fixture(settings: Record<string, unknown> = {}, count = 3): Promise<Fixture> {
  const registry = memoryRegistry();
  await registry.repository(REPO, settings);
  const blobs = await registry.blobs(REPO);
  const manifests = Array.from({ length: count }, (_, i) => imageManifest(blobs, undefined, { annotations: { n: String(i) } }));
  return { registry, manifests, listed: new Set() };
}

const push =
  (f: Fixture, i: number, imageTag?: string): Operation =>
  (deps) =>
    putImage(deps, f.registry.actor, { repositoryName: REPO, imageManifest: f.manifests[i], ...(imageTag !== undefined ? { imageTag } : {}) });
const deleteIds =
  (f: Fixture, imageId: { imageDigest?: string; imageTag?: string }): Operation =>
  (deps) =>
    batchDeleteImage(deps, f.registry.actor, { repositoryName: REPO, imageIds: [imageId] });

/** I1 and I3 as a user sees them, between any two store calls; records every digest ever listed. */
async function visible(f: Fixture) {
  const { deps, actor } = f.registry;
  if (!(await deps.repositories.get(REPO))) return;
  const tagged = (await listImages(deps, actor, { repositoryName: REPO })).imageIds;
  const described = new Set((await describeImages(deps, actor, { repositoryName: REPO })).imageDetails.map((d) => d.imageDigest!));
  for (const id of tagged) {
    f.listed.add(id.imageDigest!);
    if (id.imageTag === undefined) continue;
    expect(described.has(id.imageDigest!), `tag ${id.imageTag} lists ${id.imageDigest}, which DescribeImages does not`).toBe(true);
    const pulled = await pullManifest(deps, actor, { repositoryName: REPO, imageId: { imageTag: id.imageTag }, recordPull: false });
    expect(pulled.image.digest).toBe(id.imageDigest);
  }
  for (const digest of described) f.listed.add(digest);
  await blobsExist(deps, [...described]);
}

/** I3: every layer and config of these images is linked into the repository and stored. */
async function blobsExist(deps: Deps, digests: string[]) {
  const repo = (await deps.repositories.get(REPO))!;
  for (const digest of digests) {
    const image = (await deps.images.get(repo.uid, digest))!;
    const manifest = JSON.parse(image.manifest!);
    const wanted: string[] = [manifest.config.digest, ...manifest.layers.map((l: { digest: string }) => l.digest)];
    const links = await deps.layers.links(repo.uid, wanted);
    for (const d of wanted) {
      expect(links.has(d), `${d} of ${digest} is linked`).toBe(true);
      expect(await deps.layers.getBlob(d), `${d} of ${digest} is stored`).toBeDefined();
    }
  }
}

/** At rest: no tag item whose image item is gone (the state a user could never repair). */
async function noDanglingTag(f: Fixture) {
  const { deps } = f.registry;
  const repo = await deps.repositories.get(REPO);
  if (!repo) return;
  for (const tag of (await deps.images.listTags(repo.uid, 1000)).items) {
    expect(await deps.images.get(repo.uid, tag.digest), `tag ${tag.tag} -> ${tag.digest} resolves`).toBeDefined();
  }
}

const outcome = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name);

async function tagOf(f: Fixture, tag: string) {
  const repo = (await f.registry.deps.repositories.get(REPO))!;
  return (await f.registry.deps.images.getTag(repo.uid, tag))?.digest;
}

describe('write protocols under every sampled interleaving of their store calls', () => {
  it.each(seeds)('a delete by digest racing a re-push of the same manifest under a new tag never leaves the tag without its image (seed %i)', async (seed) => {
    // Prepare: the image, tagged a.
    const f = await fixture();
    await push(f, 0, 'a')(f.registry.deps);
    const digest = digestOf(f.manifests[0]);

    // Act
    const run = await interleave(f.registry.deps, [deleteIds(f, { imageDigest: digest }), push(f, 0, 'b')], seed, () => visible(f));

    // Assess: the push succeeded; at rest the tag b resolves or is gone, and pushing again is possible.
    expect(run.results.map(outcome)).toEqual(['ok', 'ok']);
    await noDanglingTag(f);
    const again = await push(
      f,
      0,
      'b',
    )(f.registry.deps).then(
      () => 'ok',
      (e: Error) => e.name,
    );
    expect(again === 'ok' || ((await tagOf(f, 'b')) === digest && again === ImageAlreadyExistsException.name)).toBe(true);
    await noDanglingTag(f);
  });

  it.each(seeds)('two pushes of different images to one mutable tag both succeed and the tag names one of them (seed %i)', async (seed) => {
    const f = await fixture();

    const run = await interleave(f.registry.deps, [push(f, 0, 'latest'), push(f, 1, 'latest')], seed, () => visible(f));

    expect(run.results.map(outcome)).toEqual(['ok', 'ok']);
    expect([digestOf(f.manifests[0]), digestOf(f.manifests[1])]).toContain(await tagOf(f, 'latest'));
    const described = (await describeImages(f.registry.deps, f.registry.actor, { repositoryName: REPO })).imageDetails.map((d) => d.imageDigest);
    expect(new Set(described)).toEqual(new Set([digestOf(f.manifests[0]), digestOf(f.manifests[1])]));
    await noDanglingTag(f);
  });

  it.each(seeds)('two pushes of different images to one immutable tag: one wins, and the loser is never listed (seed %i)', async (seed) => {
    const f = await fixture({ imageTagMutability: 'IMMUTABLE' });

    const run = await interleave(f.registry.deps, [push(f, 0, 'v1'), push(f, 1, 'v1')], seed, () => visible(f));

    const outcomes = run.results.map(outcome);
    expect([...outcomes].sort()).toEqual([ImageTagAlreadyExistsException.name, 'ok']);
    const winner = outcomes.indexOf('ok');
    expect(await tagOf(f, 'v1')).toBe(digestOf(f.manifests[winner]));
    expect(f.listed.has(digestOf(f.manifests[1 - winner])), 'the refused image was listed at some step').toBe(false);
    await noDanglingTag(f);
  });

  it.each(seeds)('a delete by tag racing a push of another image to that tag leaves the pushed image resolvable (seed %i)', async (seed) => {
    const f = await fixture();
    await push(f, 0, 'a')(f.registry.deps);

    const run = await interleave(f.registry.deps, [deleteIds(f, { imageTag: 'a' }), push(f, 1, 'a')], seed, () => visible(f));

    expect(run.results.map(outcome)).toEqual(['ok', 'ok']);
    // The delete may come after the push (it then resolves a to the new image and removes both): either way a names
    // nothing or the pushed image, and resolves.
    expect([undefined, digestOf(f.manifests[1])]).toContain(await tagOf(f, 'a'));
    await noDanglingTag(f);
  });

  it.each(seeds)('a delete by tag racing a push of the same image under another tag keeps the image for the new tag (seed %i)', async (seed) => {
    const f = await fixture();
    await push(f, 0, 'a')(f.registry.deps);

    const run = await interleave(f.registry.deps, [deleteIds(f, { imageTag: 'a' }), push(f, 0, 'b')], seed, () => visible(f));

    expect(run.results.map(outcome)).toEqual(['ok', 'ok']);
    expect(await tagOf(f, 'b')).toBe(digestOf(f.manifests[0]));
    await noDanglingTag(f);
  });

  it.each(seeds)('a delete by digest racing two re-pushes under new tags never leaves a tag without its image (seed %i)', async (seed) => {
    const f = await fixture();
    await push(f, 0, 'a')(f.registry.deps);
    const digest = digestOf(f.manifests[0]);

    const run = await interleave(f.registry.deps, [deleteIds(f, { imageDigest: digest }), push(f, 0, 'b'), push(f, 0, 'c')], seed, () => visible(f));

    expect(run.results.map(outcome)).toEqual(['ok', 'ok', 'ok']);
    await noDanglingTag(f);
  });

  it.each(seeds)('a repository deletion racing a push leaves nothing listed under the name once it is created again (seed %i)', async (seed) => {
    const f = await fixture();
    await push(f, 0, 'a')(f.registry.deps);
    const { deps, actor } = f.registry;

    const run = await interleave(deps, [(d) => deleteRepository(d, actor, { repositoryName: REPO, force: true }), push(f, 1, 'b')], seed, () => visible(f));

    expect(outcome(run.results[0])).toBe('ok');
    // A push that opened the repository before it went may succeed into the dead partition or find its layers gone.
    expect(['ok', 'RepositoryNotFoundException', 'LayersNotFoundException']).toContain(outcome(run.results[1]));
    expect(await deps.repositories.get(REPO)).toBeUndefined();
    await f.registry.repository(REPO);
    expect((await listImages(deps, actor, { repositoryName: REPO })).imageIds).toEqual([]);
  });
});

describe('blob upload completion under every sampled interleaving of its store calls', () => {
  it.each(seeds)(
    'two uploads of one blob complete together (seed %i): one stored blob, linked, no upload left, and never a visible blob without its bytes',
    async (seed) => {
      // Prepare: two upload sessions in one repository for the same bytes (two clients pushing the same layer).
      const registry = memoryRegistry();
      await registry.repository(REPO);
      const { deps, actor } = registry;
      const bytes = Buffer.from(`the same layer, seed ${seed}`);
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const uploads = [await startBlobUpload(deps, actor, { repositoryName: REPO }), await startBlobUpload(deps, actor, { repositoryName: REPO })];
      const complete =
        (uploadId: string): Operation =>
        (d) =>
          completeBlobUpload(d, actor, { repositoryName: REPO, uploadId, digest, body: Readable.from([bytes]), length: bytes.length });
      // Between any two store calls: a HEAD either finds nothing or a blob whose bytes are stored.
      const headSeesBytes = async () => {
        try {
          const blob = await statBlob(deps, actor, { repositoryName: REPO, digest });
          expect((await deps.blobs.getBytes(blob.object)).equals(bytes)).toBe(true);
        } catch (e) {
          if (!(e instanceof LayersNotFoundException)) throw e;
        }
      };

      // Act
      const { results } = await interleave(
        deps,
        uploads.map((u) => complete(u.uploadId)),
        seed,
        headSeesBytes,
      );

      // Assess
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const blob = await statBlob(deps, actor, { repositoryName: REPO, digest });
      expect((await deps.blobs.getBytes(blob.object)).equals(bytes)).toBe(true);
      for (const { uploadId } of uploads) {
        await expect(getBlobUpload(deps, actor, { repositoryName: REPO, uploadId })).rejects.toBeInstanceOf(UploadNotFoundException);
      }
    },
  );
});
