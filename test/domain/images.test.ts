/** Images in the domain, on the in-memory stores: what every caller (ECR, OCI, jobs) gets the same way. */
import { describe, expect, it } from 'vitest';
import { ImageNotFoundException } from '../../shared/errors.ts';
import { describeImages } from '../../shared/registry/image-listing.ts';
import { pullManifest } from '../../shared/registry/images.ts';
import { pushManifest, putImage } from '../../shared/registry/put-image.ts';
import { updateImageStorageClass } from '../../shared/registry/storage-class.ts';
import { digestOf } from '../../shared/registry/manifests.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

describe('images in the domain', () => {
  it('describes a referrer with the digest of its subject (subjectManifestDigest)', async () => {
    const registry = memoryRegistry();
    await registry.repository('img/ref');
    const blobs = await registry.blobs('img/ref');
    const subject = imageManifest(blobs);
    await putImage(registry.deps, registry.actor, { repositoryName: 'img/ref', imageManifest: subject, imageTag: 'v1' });
    const referrer = imageManifest(blobs, undefined, {
      artifactType: 'application/vnd.example.sbom',
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(subject), size: Buffer.byteLength(subject) },
    });
    await putImage(registry.deps, registry.actor, { repositoryName: 'img/ref', imageManifest: referrer });

    const { imageDetails } = await describeImages(registry.deps, registry.actor, { repositoryName: 'img/ref' });

    const byDigest = Object.fromEntries(imageDetails.map((d) => [d.imageDigest, d]));
    expect(byDigest[digestOf(referrer)].subjectManifestDigest).toBe(digestOf(subject));
    expect(byDigest[digestOf(subject)].subjectManifestDigest).toBeUndefined();
  });

  it('pushes the same manifest and tag again without an error when pushed by reference, as docker-style clients expect', async () => {
    const registry = memoryRegistry();
    await registry.repository('img/again');
    const manifest = imageManifest(await registry.blobs('img/again'));
    const args = { repositoryName: 'img/again', manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json', tag: 'v1' };

    const first = await pushManifest(registry.deps, registry.actor, args);
    const second = await pushManifest(registry.deps, registry.actor, args);

    expect(second).toEqual(first);
    expect(first.digest).toBe(digestOf(manifest));
  });

  it('refuses to pull an archived image and records no pull time for it, until it is restored', async () => {
    const registry = memoryRegistry();
    const { deps, actor } = registry;
    await registry.repository('img/archive');
    const manifest = imageManifest(await registry.blobs('img/archive'));
    await putImage(deps, actor, { repositoryName: 'img/archive', imageManifest: manifest, imageTag: 'v1' });
    await updateImageStorageClass(deps, actor, { repositoryName: 'img/archive', imageId: { imageTag: 'v1' }, targetStorageClass: 'ARCHIVE' });
    const pull = () => pullManifest(deps, actor, { repositoryName: 'img/archive', imageId: { imageTag: 'v1' }, recordPull: true });

    await expect(pull()).rejects.toThrow(ImageNotFoundException);
    const repo = (await deps.repositories.get('img/archive'))!;
    expect((await deps.images.get(repo.uid, digestOf(manifest)))!.lastPulledAt).toBeUndefined();

    await updateImageStorageClass(deps, actor, { repositoryName: 'img/archive', imageId: { imageTag: 'v1' }, targetStorageClass: 'STANDARD' });
    expect((await pull()).manifest).toBe(manifest);
    expect((await deps.images.get(repo.uid, digestOf(manifest)))!.lastPulledAt).toBeDefined();
  });

  it('refuses a pull whose accepted media types leave out the image', async () => {
    const registry = memoryRegistry();
    await registry.repository('img/accept');
    await putImage(registry.deps, registry.actor, {
      repositoryName: 'img/accept',
      imageManifest: imageManifest(await registry.blobs('img/accept')),
      imageTag: 'v1',
    });

    await expect(
      pullManifest(registry.deps, registry.actor, {
        repositoryName: 'img/accept',
        imageId: { imageTag: 'v1' },
        accepted: ['application/vnd.docker.distribution.manifest.v2+json'],
        recordPull: false,
      }),
    ).rejects.toThrow(/not one of the acceptedMediaTypes/);
  });
});
