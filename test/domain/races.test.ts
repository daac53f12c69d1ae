/**
 * Races on the in-memory stores, whose multi-write methods yield between writes as the DynamoDB adapters do:
 * concurrent tag moves and concurrent completions of one layer, with the invariants users see checked after.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ImageTagAlreadyExistsException, LayerAlreadyExistsException } from '../../shared/errors.ts';
import { batchGetImage } from '../../shared/registry/images.ts';
import { describeImages, listImages } from '../../shared/registry/image-listing.ts';
import { completeLayerUpload, initiateLayerUpload, uploadLayerPart } from '../../shared/registry/layers.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { memoryRegistry, type MemoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

const settle = <T>(calls: Promise<T>[]) => Promise.allSettled(calls);
const errorNames = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as Error).name);

/** Every listed tag resolves to a listed image (the invariant a user sees). */
async function expectTagsResolve(registry: MemoryRegistry, repositoryName: string) {
  const { deps, actor } = registry;
  const tagged = (await listImages(deps, actor, { repositoryName, filter: { tagStatus: 'TAGGED' } })).imageIds;
  const described = new Set((await describeImages(deps, actor, { repositoryName })).imageDetails.map((d) => d.imageDigest));
  for (const id of tagged) expect(described.has(id.imageDigest!)).toBe(true);
  const pulled = await batchGetImage(deps, actor, { repositoryName, imageIds: tagged.map((id) => ({ imageTag: id.imageTag })) });
  expect(pulled.failures).toEqual([]);
}

describe('races in the domain', () => {
  it('concurrent pushes of different images to one mutable tag leave the tag on one of them, and every pushed image stored', async () => {
    // Prepare: eight distinct manifests over the same blobs.
    const registry = memoryRegistry();
    await registry.repository('race/mutable');
    const blobs = await registry.blobs('race/mutable');
    const manifests = Array.from({ length: 8 }, (_, i) => imageManifest(blobs, undefined, { annotations: { n: String(i) } }));

    // Act
    const results = await settle(
      manifests.map((imageManifest) => putImage(registry.deps, registry.actor, { repositoryName: 'race/mutable', imageManifest, imageTag: 'latest' })),
    );

    // Assess
    expect(errorNames(results)).toEqual([]);
    const pushed = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof putImage>>>).value.image.imageId.imageDigest);
    const repo = (await registry.deps.repositories.get('race/mutable'))!;
    expect(pushed).toContain((await registry.deps.images.getTag(repo.uid, 'latest'))!.digest);
    const described = (await describeImages(registry.deps, registry.actor, { repositoryName: 'race/mutable' })).imageDetails.map((d) => d.imageDigest);
    expect(new Set(described)).toEqual(new Set(pushed));
    await expectTagsResolve(registry, 'race/mutable');
  });

  it('concurrent pushes of different images to one immutable tag have exactly one winner; the others hear ImageTagAlreadyExistsException', async () => {
    const registry = memoryRegistry();
    await registry.repository('race/immutable', { imageTagMutability: 'IMMUTABLE' });
    const blobs = await registry.blobs('race/immutable');
    const manifests = Array.from({ length: 6 }, (_, i) => imageManifest(blobs, undefined, { annotations: { n: String(i) } }));

    const results = await settle(
      manifests.map((imageManifest) => putImage(registry.deps, registry.actor, { repositoryName: 'race/immutable', imageManifest, imageTag: 'v1' })),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(errorNames(results)).toEqual(Array(5).fill(ImageTagAlreadyExistsException.name));
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof putImage>>>).value.image.imageId
      .imageDigest;
    const repo = (await registry.deps.repositories.get('race/immutable'))!;
    expect((await registry.deps.images.getTag(repo.uid, 'v1'))!.digest).toBe(winner);
    await expectTagsResolve(registry, 'race/immutable');
  });

  it('two concurrent completions of one upload store the layer once: one succeeds, the other hears LayerAlreadyExistsException', async () => {
    // Prepare: one upload holding all its bytes.
    const registry = memoryRegistry();
    const { deps, actor } = registry;
    await registry.repository('race/layer');
    const bytes = randomBytes(64 * 1024);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const { uploadId } = await initiateLayerUpload(deps, actor, { repositoryName: 'race/layer' });
    await uploadLayerPart(deps, actor, { repositoryName: 'race/layer', uploadId, partFirstByte: 0, partLastByte: bytes.length - 1, layerPartBlob: bytes });

    // Act
    const complete = () => completeLayerUpload(deps, actor, { repositoryName: 'race/layer', uploadId, layerDigests: [digest] });
    const results = await settle([complete(), complete()]);

    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(errorNames(results)).toEqual([LayerAlreadyExistsException.name]);
    const repo = (await deps.repositories.get('race/layer'))!;
    expect((await deps.layers.links(repo.uid, [digest])).get(digest)?.size).toBe(bytes.length);
    const blob = (await deps.layers.getBlob(digest))!;
    expect(await deps.blobs.getBytes(blob.object)).toEqual(bytes);
  });

  it('two concurrent parts with different bytes at one byte: one is recorded, and the layer completes only as the recorded bytes', async () => {
    // Prepare: parts large enough to go straight to storage, so the in-process hash covers them.
    const registry = memoryRegistry();
    const { deps, actor } = registry;
    await registry.repository('race/parts');
    const [a, b, tail] = [randomBytes(6 * 1024 * 1024), randomBytes(6 * 1024 * 1024), randomBytes(1000)];
    const digestOf = (...parts: Buffer[]) => `sha256:${createHash('sha256').update(Buffer.concat(parts)).digest('hex')}`;
    const { uploadId } = await initiateLayerUpload(deps, actor, { repositoryName: 'race/parts' });
    const part = (bytes: Buffer, first: number) =>
      uploadLayerPart(deps, actor, {
        repositoryName: 'race/parts',
        uploadId,
        partFirstByte: first,
        partLastByte: first + bytes.length - 1,
        layerPartBlob: bytes,
      });

    // Act
    const results = await settle([part(a, 0), part(b, 0)]);
    await part(tail, a.length);
    const complete = (digest: string) => completeLayerUpload(deps, actor, { repositoryName: 'race/parts', uploadId, layerDigests: [digest] });
    const winner = results[0].status === 'fulfilled' ? a : b;
    const loser = winner === a ? b : a;
    const refused = await complete(digestOf(loser, tail)).catch((e: Error) => e.name);

    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(errorNames(results)).toEqual(['InvalidLayerPartException']);
    expect(refused).toBe('InvalidLayerException');
  });

  it('two uploads of the same layer completing at once in two repositories store its bytes once, linked into both', async () => {
    const registry = memoryRegistry();
    const { deps, actor } = registry;
    await registry.repository('race/one');
    await registry.repository('race/two');
    const bytes = randomBytes(32 * 1024);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const push = async (repositoryName: string) => {
      const { uploadId } = await initiateLayerUpload(deps, actor, { repositoryName });
      await uploadLayerPart(deps, actor, { repositoryName, uploadId, partFirstByte: 0, partLastByte: bytes.length - 1, layerPartBlob: bytes });
      return completeLayerUpload(deps, actor, { repositoryName, uploadId, layerDigests: [digest] });
    };

    const results = await settle([push('race/one'), push('race/two')]);

    expect(errorNames(results)).toEqual([]);
    for (const name of ['race/one', 'race/two']) {
      const repo = (await deps.repositories.get(name))!;
      expect((await deps.layers.links(repo.uid, [digest])).has(digest)).toBe(true);
    }
    const stored = (await deps.blobs.list('uploads/')).filter((o) => o.size === bytes.length);
    expect(stored).toHaveLength(1);
  });
});
