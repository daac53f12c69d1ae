import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  ListImagesCommand,
  PutImageCommand,
  paginateDescribeImages,
  paginateListImages,
} from '@aws-sdk/client-ecr';
import { errorName, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { DOCKER_LIST, DOCKER_MANIFEST, imageManifest, indexManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { digestOf } from '../../shared/registry/manifests.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';

let registry: TestRegistry;
const events: RegistryEvent[] = [];
beforeAll(async () => {
  registry = await startTestRegistry();
  registry.bus.subscribe((e) => events.push(e));
});
afterAll(async () => {
  await registry?.destroy();
});

async function repoWithBlobs(name: string, settings: Partial<ConstructorParameters<typeof CreateRepositoryCommand>[0]> = {}) {
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...settings }));
  return pushBlobs(registry.ecr, name);
}

describe('PutImage and BatchGetImage', () => {
  it('stores a manifest under the sha256 of its exact bytes and returns those bytes', async () => {
    const blobs = await repoWithBlobs('img/basic');
    const text = imageManifest(blobs, undefined, { annotations: { spacing: 'kept' } }).replace('{', '{ ');
    const put = await registry.ecr.send(new PutImageCommand({ repositoryName: 'img/basic', imageManifest: text, imageTag: 'v1' }));
    expect(put.image).toMatchObject({
      repositoryName: 'img/basic',
      registryId: '000000000000',
      imageId: { imageDigest: digestOf(text), imageTag: 'v1' },
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'img/basic', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.failures).toEqual([]);
    expect(got.images![0].imageManifest).toBe(text);
    expect(got.images![0].imageId).toEqual({ imageDigest: digestOf(text), imageTag: 'v1' });
  });

  it('describes an image with its size, push time, media types, tags and last pull time', async () => {
    const blobs = await repoWithBlobs('img/describe');
    const text = imageManifest(blobs, DOCKER_MANIFEST);
    const before = Date.now();
    const digest = await putManifest(registry.ecr, 'img/describe', text, 'v1');
    let [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'img/describe' }))).imageDetails!;
    expect(detail).toMatchObject({
      imageDigest: digest,
      imageTags: ['v1'],
      imageManifestMediaType: DOCKER_MANIFEST,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      imageSizeInBytes: blobs.config.size + blobs.layers[0].size + blobs.layers[1].size,
    });
    expect(detail.imagePushedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(detail.lastRecordedPullTime).toBeUndefined();
    await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'img/describe', imageIds: [{ imageDigest: digest }] }));
    [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'img/describe', imageIds: [{ imageTag: 'v1' }] }))).imageDetails!;
    expect(detail.lastRecordedPullTime).toBeInstanceOf(Date);
  });

  it('refuses a manifest whose layers the repository does not hold with LayersNotFoundException', async () => {
    const blobs = await repoWithBlobs('img/missing');
    const text = imageManifest({ ...blobs, layers: [...blobs.layers, { digest: 'sha256:' + 'a'.repeat(64), size: 5, bytes: Buffer.alloc(0) }] });
    const error = await rejection(putManifest(registry.ecr, 'img/missing', text, 'v1'));
    expect(error.name).toBe('LayersNotFoundException');
    expect(error.message).toContain('sha256:' + 'a'.repeat(64));
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'img/other' }));
    expect(await errorName(putManifest(registry.ecr, 'img/other', imageManifest(blobs), 'v1'))).toBe('LayersNotFoundException');
  });

  it('refuses invalid manifests, unsupported media types and a mismatched digest', async () => {
    const blobs = await repoWithBlobs('img/invalid');
    const text = imageManifest(blobs);
    expect(await errorName(putManifest(registry.ecr, 'img/invalid', '{not json', 'v1'))).toBe('InvalidParameterException');
    expect(await errorName(putManifest(registry.ecr, 'img/invalid', JSON.stringify({ schemaVersion: 1, name: 'x' }), 'v1'))).toBe('InvalidParameterException');
    expect(
      await errorName(registry.ecr.send(new PutImageCommand({ repositoryName: 'img/invalid', imageManifest: text, imageManifestMediaType: 'text/plain' }))),
    ).toBe('InvalidParameterException');
    expect(
      await errorName(registry.ecr.send(new PutImageCommand({ repositoryName: 'img/invalid', imageManifest: text, imageDigest: 'sha256:' + 'b'.repeat(64) }))),
    ).toBe('ImageDigestDoesNotMatchException');
    expect(await errorName(registry.ecr.send(new PutImageCommand({ repositoryName: 'img/nope', imageManifest: text })))).toBe('RepositoryNotFoundException');
  });

  it('answers ImageAlreadyExistsException for the same manifest and tag, and adds a new tag to an existing image', async () => {
    const blobs = await repoWithBlobs('img/again');
    const text = imageManifest(blobs);
    const digest = await putManifest(registry.ecr, 'img/again', text, 'v1');
    expect(await errorName(putManifest(registry.ecr, 'img/again', text, 'v1'))).toBe('ImageAlreadyExistsException');
    expect(await errorName(putManifest(registry.ecr, 'img/again', text))).toBe('ImageAlreadyExistsException');
    await putManifest(registry.ecr, 'img/again', text, 'v2');
    const [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'img/again', imageIds: [{ imageDigest: digest }] }))).imageDetails!;
    expect(detail.imageTags).toEqual(['v1', 'v2']);
  });

  it('moves a mutable tag to the new image and leaves the old one untagged', async () => {
    const blobs = await repoWithBlobs('img/move');
    const a = await putManifest(registry.ecr, 'img/move', imageManifest(blobs, undefined, { annotations: { n: 'a' } }), 'latest');
    const b = await putManifest(registry.ecr, 'img/move', imageManifest(blobs, undefined, { annotations: { n: 'b' } }), 'latest');
    const tagged = await registry.ecr.send(new ListImagesCommand({ repositoryName: 'img/move', filter: { tagStatus: 'TAGGED' } }));
    expect(tagged.imageIds).toEqual([{ imageDigest: b, imageTag: 'latest' }]);
    const untagged = await registry.ecr.send(new ListImagesCommand({ repositoryName: 'img/move', filter: { tagStatus: 'UNTAGGED' } }));
    expect(untagged.imageIds).toEqual([{ imageDigest: a }]);
  });

  it('refuses to move an immutable tag, except where an exclusion filter makes it mutable', async () => {
    const blobs = await repoWithBlobs('img/immutable', {
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
    });
    const one = imageManifest(blobs, undefined, { annotations: { n: '1' } });
    const two = imageManifest(blobs, undefined, { annotations: { n: '2' } });
    await putManifest(registry.ecr, 'img/immutable', one, 'v1');
    const error = await rejection(putManifest(registry.ecr, 'img/immutable', two, 'v1'));
    expect(error.name).toBe('ImageTagAlreadyExistsException');
    await putManifest(registry.ecr, 'img/immutable', one, 'latest-dev');
    await putManifest(registry.ecr, 'img/immutable', two, 'latest-dev');
    const got = await registry.ecr.send(
      new BatchGetImageCommand({ repositoryName: 'img/immutable', imageIds: [{ imageTag: 'latest-dev' }, { imageTag: 'v1' }] }),
    );
    expect(got.images!.map((i) => i.imageManifest)).toEqual([two, one]);
  });

  it('makes only the filtered tags immutable in a MUTABLE_WITH_EXCLUSION repository', async () => {
    const blobs = await repoWithBlobs('img/mutexcl', {
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'release-*' }],
    });
    const one = imageManifest(blobs, undefined, { annotations: { n: '1' } });
    const two = imageManifest(blobs, undefined, { annotations: { n: '2' } });
    await putManifest(registry.ecr, 'img/mutexcl', one, 'release-1');
    await putManifest(registry.ecr, 'img/mutexcl', one, 'dev');
    expect(await errorName(putManifest(registry.ecr, 'img/mutexcl', two, 'release-1'))).toBe('ImageTagAlreadyExistsException');
    await putManifest(registry.ecr, 'img/mutexcl', two, 'dev');
  });

  it('keeps a manifest larger than a DynamoDB item byte for byte', async () => {
    const blobs = await repoWithBlobs('img/large');
    const text = imageManifest(blobs, undefined, { annotations: { big: 'x'.repeat(600 * 1024) } });
    const digest = await putManifest(registry.ecr, 'img/large', text, 'big');
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'img/large', imageIds: [{ imageDigest: digest }] }));
    expect(got.images![0].imageManifest).toBe(text);
  });
});

describe('concurrent pushes of one tag', () => {
  it('leave exactly one winner in a mutable repository, every other image untagged', async () => {
    const blobs = await repoWithBlobs('conc/mutable');
    const texts = Array.from({ length: 10 }, (_, i) => imageManifest(blobs, undefined, { annotations: { n: String(i) } }));
    const results = await Promise.allSettled(texts.map((t) => putManifest(registry.ecr, 'conc/mutable', t, 'shared')));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const tagged = (await registry.ecr.send(new ListImagesCommand({ repositoryName: 'conc/mutable', filter: { tagStatus: 'TAGGED' } }))).imageIds!;
    expect(tagged).toHaveLength(1);
    const details = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'conc/mutable' }))).imageDetails!;
    expect(details).toHaveLength(10);
    expect(details.filter((d) => d.imageTags?.includes('shared')).map((d) => d.imageDigest)).toEqual([tagged[0].imageDigest]);
  });

  it('leave exactly one winner in an immutable repository, every other push refused', async () => {
    const blobs = await repoWithBlobs('conc/immutable', { imageTagMutability: 'IMMUTABLE' });
    const texts = Array.from({ length: 10 }, (_, i) => imageManifest(blobs, undefined, { annotations: { n: String(i) } }));
    const results = await Promise.allSettled(texts.map((t) => putManifest(registry.ecr, 'conc/immutable', t, 'v1')));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).name).toBe('ImageTagAlreadyExistsException');
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'conc/immutable', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.images![0].imageId!.imageDigest).toBe((won[0] as PromiseFulfilledResult<string>).value);
  });
});

describe('manifest lists and indexes', () => {
  it('need their child manifests, which cannot be deleted while the list names them', async () => {
    const blobs = await repoWithBlobs('idx/app');
    const children = [imageManifest(blobs, DOCKER_MANIFEST, { n: 1 }), imageManifest(blobs, DOCKER_MANIFEST, { n: 2 })];
    const list = indexManifest(children, DOCKER_LIST, DOCKER_MANIFEST);
    expect(await errorName(putManifest(registry.ecr, 'idx/app', list, 'multi'))).toBe('ReferencedImagesNotFoundException');
    const childDigests = [];
    for (const c of children) childDigests.push(await putManifest(registry.ecr, 'idx/app', c));
    const listDigest = await putManifest(registry.ecr, 'idx/app', list, 'multi');
    const [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'idx/app', imageIds: [{ imageTag: 'multi' }] }))).imageDetails!;
    expect(detail.imageManifestMediaType).toBe(DOCKER_LIST);
    const refused = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'idx/app', imageIds: [{ imageDigest: childDigests[0] }] }));
    expect(refused.failures).toEqual([expect.objectContaining({ imageId: { imageDigest: childDigests[0] }, failureCode: 'ImageReferencedByManifestList' })]);
    await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'idx/app', imageIds: [{ imageDigest: listDigest }] }));
    const deleted = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'idx/app', imageIds: [{ imageDigest: childDigests[0] }] }));
    expect(deleted.failures).toEqual([]);
    expect(deleted.imageIds).toEqual([{ imageDigest: childDigests[0] }]);
  });
});

describe('BatchDeleteImage', () => {
  it('removes a tag, and the image with its last tag', async () => {
    const blobs = await repoWithBlobs('del/tags');
    const text = imageManifest(blobs);
    const digest = await putManifest(registry.ecr, 'del/tags', text, 'a');
    await putManifest(registry.ecr, 'del/tags', text, 'b');
    const first = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'del/tags', imageIds: [{ imageTag: 'a' }] }));
    expect(first.imageIds).toEqual([{ imageDigest: digest, imageTag: 'a' }]);
    expect((await registry.ecr.send(new ListImagesCommand({ repositoryName: 'del/tags' }))).imageIds).toEqual([{ imageDigest: digest, imageTag: 'b' }]);
    await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'del/tags', imageIds: [{ imageTag: 'b' }] }));
    expect((await registry.ecr.send(new ListImagesCommand({ repositoryName: 'del/tags' }))).imageIds).toEqual([]);
  });

  it('by digest removes the image with all its tags and publishes DELETE events', async () => {
    const blobs = await repoWithBlobs('del/digest');
    const digest = await putManifest(registry.ecr, 'del/digest', imageManifest(blobs), 'x');
    await putManifest(registry.ecr, 'del/digest', imageManifest(blobs), 'y');
    const out = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'del/digest', imageIds: [{ imageDigest: digest }] }));
    expect(out.imageIds).toEqual([
      { imageDigest: digest, imageTag: 'x' },
      { imageDigest: digest, imageTag: 'y' },
    ]);
    expect((await registry.ecr.send(new ListImagesCommand({ repositoryName: 'del/digest' }))).imageIds).toEqual([]);
    const deletes = events.filter((e) => e.detail['repository-name'] === 'del/digest' && e.detail['action-type'] === 'DELETE');
    expect(deletes.map((e) => e.detail)).toEqual([
      { result: 'SUCCESS', 'repository-name': 'del/digest', 'image-digest': digest, 'action-type': 'DELETE', 'image-tag': 'x' },
      { result: 'SUCCESS', 'repository-name': 'del/digest', 'image-digest': digest, 'action-type': 'DELETE', 'image-tag': 'y' },
    ]);
    expect(deletes[0]).toMatchObject({ 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: '000000000000', region: 'us-east-1' });
  });

  it('empties a repository from the ids ListImages gives, several tags of one digest included, with no failures', async () => {
    const blobs = await repoWithBlobs('del/listed');
    const digest = await putManifest(registry.ecr, 'del/listed', imageManifest(blobs), 'a');
    await putManifest(registry.ecr, 'del/listed', imageManifest(blobs), 'b');
    await putManifest(registry.ecr, 'del/listed', imageManifest(blobs), 'c');
    const listed = (await registry.ecr.send(new ListImagesCommand({ repositoryName: 'del/listed' }))).imageIds!;

    const out = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'del/listed', imageIds: listed }));

    expect(out.failures).toEqual([]);
    expect(out.imageIds).toEqual(['a', 'b', 'c'].map((imageTag) => ({ imageDigest: digest, imageTag })));
    expect((await registry.ecr.send(new ListImagesCommand({ repositoryName: 'del/listed' }))).imageIds).toEqual([]);
  });

  it('reports per-image failures with ECR failure codes', async () => {
    const blobs = await repoWithBlobs('del/fail');
    const digest = await putManifest(registry.ecr, 'del/fail', imageManifest(blobs), 'v1');
    const out = await registry.ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'del/fail',
        imageIds: [
          { imageTag: 'missing' },
          { imageDigest: 'sha256:nothex' },
          { imageDigest: 'sha256:' + 'c'.repeat(64) },
          {},
          { imageDigest: digest, imageTag: 'other' },
        ],
      }),
    );
    expect(out.failures!.map((f) => f.failureCode)).toEqual(['ImageNotFound', 'InvalidImageDigest', 'ImageNotFound', 'MissingDigestAndTag', 'ImageNotFound']);
    expect(out.imageIds).toEqual([]);
  });
});

describe('BatchGetImage failures', () => {
  it('reports unknown tags, bad digests and unaccepted media types per image', async () => {
    const blobs = await repoWithBlobs('get/fail');
    const digest = await putManifest(registry.ecr, 'get/fail', imageManifest(blobs), 'v1');
    const out = await registry.ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'get/fail',
        imageIds: [{ imageTag: 'nope' }, { imageDigest: 'md5:x' }, { imageDigest: digest, imageTag: 'v1' }],
      }),
    );
    expect(out.failures!.map((f) => f.failureCode)).toEqual(['ImageNotFound', 'InvalidImageDigest']);
    expect(out.images).toHaveLength(1);
    const unaccepted = await registry.ecr.send(
      new BatchGetImageCommand({ repositoryName: 'get/fail', imageIds: [{ imageDigest: digest }], acceptedMediaTypes: [DOCKER_MANIFEST] }),
    );
    expect(unaccepted.images).toEqual([]);
    expect(unaccepted.failures![0].failureCode).toBe('ImageNotFound');
  });
});

describe('ListImages and DescribeImages', () => {
  it('page through every image once with the SDK paginators and filter by tag status', async () => {
    const blobs = await repoWithBlobs('list/many');
    const digests = [];
    for (let i = 0; i < 12; i++)
      digests.push(
        await putManifest(registry.ecr, 'list/many', imageManifest(blobs, undefined, { annotations: { n: String(i) } }), i % 2 ? `t${i}` : undefined),
      );
    const listed = [];
    for await (const page of paginateListImages({ client: registry.ecr, pageSize: 5 }, { repositoryName: 'list/many' })) {
      expect(page.imageIds!.length).toBeLessThanOrEqual(5);
      listed.push(...page.imageIds!);
    }
    expect(listed).toHaveLength(12);
    expect(listed.filter((i) => i.imageTag)).toHaveLength(6);
    expect(new Set(listed.map((i) => i.imageDigest))).toEqual(new Set(digests));
    const described = [];
    for await (const page of paginateDescribeImages(
      { client: registry.ecr, pageSize: 4 },
      { repositoryName: 'list/many', filter: { tagStatus: 'UNTAGGED' } },
    )) {
      described.push(...page.imageDetails!);
    }
    expect(described).toHaveLength(6);
    expect(described.every((d) => d.imageTags === undefined)).toBe(true);
  });

  it('refuses a nextToken from another repository with InvalidParameterException', async () => {
    const first = await registry.ecr.send(new ListImagesCommand({ repositoryName: 'list/many', maxResults: 2 }));
    expect(first.nextToken).toBeDefined();
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'list/elsewhere' }));
    expect(await errorName(registry.ecr.send(new ListImagesCommand({ repositoryName: 'list/elsewhere', maxResults: 2, nextToken: first.nextToken })))).toBe(
      'InvalidParameterException',
    );
  });

  it('answers ImageNotFoundException when DescribeImages names an image that does not exist', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'list/none' }));
    expect(await errorName(registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'list/none', imageIds: [{ imageTag: 'x' }] })))).toBe(
      'ImageNotFoundException',
    );
  });
});

describe('DeleteRepository with images', () => {
  it('refuses without force and removes the images with force', async () => {
    const blobs = await repoWithBlobs('repo/full');
    const digest = await putManifest(registry.ecr, 'repo/full', imageManifest(blobs), 'v1');
    expect(await errorName(registry.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'repo/full' })))).toBe('RepositoryNotEmptyException');
    await registry.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'repo/full', force: true }));
    expect(events.some((e) => e.detail['repository-name'] === 'repo/full' && e.detail['action-type'] === 'DELETE' && e.detail['image-digest'] === digest)).toBe(
      true,
    );
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'repo/full' }));
    expect((await registry.ecr.send(new ListImagesCommand({ repositoryName: 'repo/full' }))).imageIds).toEqual([]);
  });
});

describe('a restart', () => {
  it('keeps repositories, images and layers', async () => {
    const blobs = await repoWithBlobs('keep/me');
    const text = imageManifest(blobs);
    await putManifest(registry.ecr, 'keep/me', text, 'v1');
    registry = await registry.restart();
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'keep/me', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.images![0].imageManifest).toBe(text);
  });
});
