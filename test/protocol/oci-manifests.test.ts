import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, DescribeImagesCommand, ListImageReferrersCommand, PutImageCommand, BatchGetImageCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { ociClient, ociCode, sha256, type Oci } from '../helpers/oci.ts';
import { imageManifest, pushBlobs } from '../helpers/images.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
let registry: TestRegistry;
let oci: Oci;
beforeAll(async () => {
  registry = await startTestRegistry();
  oci = await ociClient(registry);
});
afterAll(async () => {
  await registry?.destroy();
});

async function repoWithImage(name: string, settings: Record<string, unknown> = {}) {
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...settings }));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(4).toString('hex') }));
  const layer = randomBytes(2048);
  const blobs = {
    config: { digest: await oci.pushBlob(name, config), size: config.length },
    layers: [{ digest: await oci.pushBlob(name, layer), size: layer.length }],
  };
  const manifest = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...blobs.config },
      layers: blobs.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
      ...extra,
    });
  return { blobs, manifest };
}

describe('manifests over the OCI API', () => {
  it('puts a manifest by tag and gets the exact bytes back by tag and by digest, with the digest headers', async () => {
    const { manifest } = await repoWithImage('m/basic');
    const text = manifest();
    const put = await oci.pushManifest('m/basic', 'v1', text);
    expect(put.status).toBe(201);
    const digest = sha256(text);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    expect(put.headers.get('location')).toBe(`/v2/m/basic/manifests/${digest}`);
    for (const reference of ['v1', digest]) {
      const got = await oci.fetch(`/v2/m/basic/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(got.headers.get('docker-content-digest')).toBe(digest);
      expect(got.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      expect(await got.text()).toBe(text);
    }
    const head = await oci.fetch('/v2/m/basic/manifests/v1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(digest);
  });

  it('records the pull time of a manifest GET, as BatchGetImage does', async () => {
    const { manifest } = await repoWithImage('m/pulled');
    await oci.pushManifest('m/pulled', 'v1', manifest());
    let [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'm/pulled' }))).imageDetails!;
    expect(detail.lastRecordedPullTime).toBeUndefined();
    await oci.fetch('/v2/m/pulled/manifests/v1');
    [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'm/pulled' }))).imageDetails!;
    expect(detail.lastRecordedPullTime).toBeInstanceOf(Date);
  });

  it('answers MANIFEST_UNKNOWN for an unknown tag or an Accept header that excludes the stored type', async () => {
    const { manifest } = await repoWithImage('m/accept');
    await oci.pushManifest('m/accept', 'v1', manifest());
    const unknown = await oci.fetch('/v2/m/accept/manifests/nope');
    expect(unknown.status).toBe(404);
    expect(await ociCode(unknown)).toBe('MANIFEST_UNKNOWN');
    const refused = await oci.fetch('/v2/m/accept/manifests/v1', { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(refused.status).toBe(404);
    expect(await ociCode(refused)).toBe('MANIFEST_UNKNOWN');
  });

  it('refuses a manifest naming a blob the repository lacks with MANIFEST_BLOB_UNKNOWN, and invalid JSON with MANIFEST_INVALID', async () => {
    const { manifest } = await repoWithImage('m/invalid');
    const missing = manifest({ layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256('absent'), size: 6 }] });
    const res = await oci.pushManifest('m/invalid', 'v1', missing);
    expect(res.status).toBe(400);
    expect(await ociCode(res)).toBe('MANIFEST_BLOB_UNKNOWN');
    const broken = await oci.pushManifest('m/invalid', 'v1', '{"schemaVersion": 2,');
    expect(broken.status).toBe(400);
    expect(await ociCode(broken)).toBe('MANIFEST_INVALID');
    const mismatch = await oci.pushManifest('m/invalid', sha256('other'), manifest());
    expect(mismatch.status).toBe(400);
    expect(await ociCode(mismatch)).toBe('DIGEST_INVALID');
  });

  it('refuses to move an immutable tag with TAG_INVALID, and accepts the same push again', async () => {
    const { manifest } = await repoWithImage('m/immutable', { imageTagMutability: 'IMMUTABLE' });
    expect((await oci.pushManifest('m/immutable', 'v1', manifest())).status).toBe(201);
    expect((await oci.pushManifest('m/immutable', 'v1', manifest())).status).toBe(201);
    const moved = await oci.pushManifest('m/immutable', 'v1', manifest({ annotations: { changed: 'yes' } }));
    expect(moved.status).toBe(400);
    expect(await ociCode(moved)).toBe('TAG_INVALID');
  });

  it('refuses a push to a repository that does not exist with NAME_UNKNOWN', async () => {
    const res = await oci.pushManifest('m/absent', 'v1', '{}');
    expect(res.status).toBe(404);
    expect(await ociCode(res)).toBe('NAME_UNKNOWN');
  });

  it('deletes a manifest by digest, after which it is unknown', async () => {
    const { manifest } = await repoWithImage('m/delete');
    const text = manifest();
    await oci.pushManifest('m/delete', 'v1', text);
    expect((await oci.fetch(`/v2/m/delete/manifests/${sha256(text)}`, { method: 'DELETE' })).status).toBe(202);
    expect((await oci.fetch('/v2/m/delete/manifests/v1')).status).toBe(404);
    expect((await oci.fetch(`/v2/m/delete/manifests/${sha256(text)}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('deletes a tag, and the image with its last tag, as BatchDeleteImage does', async () => {
    const { manifest } = await repoWithImage('m/deltag');
    const text = manifest();
    await oci.pushManifest('m/deltag', 'a', text);
    await oci.pushManifest('m/deltag', 'b', text);
    expect((await oci.fetch('/v2/m/deltag/manifests/a', { method: 'DELETE' })).status).toBe(202);
    expect((await oci.fetch('/v2/m/deltag/manifests/a')).status).toBe(404);
    expect(await (await oci.fetch(`/v2/m/deltag/manifests/${sha256(text)}`)).text()).toBe(text);
    expect((await oci.fetch('/v2/m/deltag/manifests/b', { method: 'DELETE' })).status).toBe(202);
    const gone = await oci.fetch(`/v2/m/deltag/manifests/${sha256(text)}`);
    expect(gone.status).toBe(404);
    expect(await ociCode(gone)).toBe('MANIFEST_UNKNOWN');
  });

  it('serves an image put through the ECR API, and shows an OCI push to DescribeImages', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'm/cross' }));
    const blobs = await pushBlobs(registry.ecr, 'm/cross');
    const text = imageManifest(blobs);
    await registry.ecr.send(new PutImageCommand({ repositoryName: 'm/cross', imageManifest: text, imageTag: 'from-ecr' }));
    const got = await oci.fetch('/v2/m/cross/manifests/from-ecr');
    expect(await got.text()).toBe(text);
    const layer = await oci.fetch(`/v2/m/cross/blobs/${blobs.layers[0].digest}`);
    expect(Buffer.from(await (await fetch(layer.headers.get('location')!)).arrayBuffer()).equals(blobs.layers[0].bytes)).toBe(true);
    const other = imageManifest(blobs, OCI_MANIFEST, { annotations: { via: 'oci' } });
    await oci.pushManifest('m/cross', 'from-oci', other);
    const ecr = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'm/cross', imageIds: [{ imageTag: 'from-oci' }] }));
    expect(ecr.images![0].imageManifest).toBe(other);
  });
});

describe('tag listing and the catalog', () => {
  it('lists tags in order, a page of n at a time after last, with a Link to the next page', async () => {
    const { manifest } = await repoWithImage('t/list');
    for (const tag of ['c', 'a', 'e', 'b', 'd']) await oci.pushManifest('t/list', tag, manifest({ annotations: { tag } }));
    const all = await (await oci.fetch('/v2/t/list/tags/list')).json();
    expect(all).toEqual({ name: 't/list', tags: ['a', 'b', 'c', 'd', 'e'] });
    const first = await oci.fetch('/v2/t/list/tags/list?n=2');
    expect((await first.json()).tags).toEqual(['a', 'b']);
    expect(first.headers.get('link')).toBe('</v2/t/list/tags/list?n=2&last=b>; rel="next"');
    const second = await oci.fetch('/v2/t/list/tags/list?n=2&last=b');
    expect((await second.json()).tags).toEqual(['c', 'd']);
    const last = await oci.fetch('/v2/t/list/tags/list?n=2&last=d');
    expect((await last.json()).tags).toEqual(['e']);
    expect(last.headers.get('link')).toBeNull();
  });

  it('lists repositories in the catalog with n and last', async () => {
    const all = (await (await oci.fetch('/v2/_catalog')).json()).repositories as string[];
    expect(all).toContain('t/list');
    expect([...all].sort()).toEqual(all);
    const page = await oci.fetch(`/v2/_catalog?n=1&last=${encodeURIComponent(all[0])}`);
    expect((await page.json()).repositories).toEqual([all[1]]);
  });
});

describe('referrers', () => {
  it('lists the artifacts whose subject is an image, filters by artifactType, and gives an empty index otherwise', async () => {
    const { manifest, blobs } = await repoWithImage('r/app');
    const subjectText = manifest();
    await oci.pushManifest('r/app', 'v1', subjectText);
    const subject = { mediaType: OCI_MANIFEST, digest: sha256(subjectText), size: Buffer.byteLength(subjectText) };
    const empty = Buffer.from('{}');
    const emptyDigest = await oci.pushBlob('r/app', empty);
    const artifact = (artifactType: string) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blobs.layers[0] }],
        subject,
        annotations: { 'org.example.kind': artifactType },
      });
    const sbom = artifact('application/spdx+json');
    const signature = artifact('application/vnd.dev.cosign.artifact.sig.v1+json');
    const put = await oci.pushManifest('r/app', sha256(sbom), sbom);
    expect(put.status).toBe(201);
    expect(put.headers.get('oci-subject')).toBe(subject.digest);
    await oci.pushManifest('r/app', sha256(signature), signature);
    const all = await oci.fetch(`/v2/r/app/referrers/${subject.digest}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(OCI_INDEX);
    const index = await all.json();
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual([sha256(sbom), sha256(signature)].sort());
    expect(index.manifests.find((m: { digest: string }) => m.digest === sha256(sbom))).toEqual({
      mediaType: OCI_MANIFEST,
      digest: sha256(sbom),
      size: Buffer.byteLength(sbom),
      artifactType: 'application/spdx+json',
      annotations: { 'org.example.kind': 'application/spdx+json' },
    });
    const filtered = await oci.fetch(`/v2/r/app/referrers/${subject.digest}?artifactType=${encodeURIComponent('application/spdx+json')}`);
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect((await filtered.json()).manifests.map((m: { digest: string }) => m.digest)).toEqual([sha256(sbom)]);
    const none = await oci.fetch(`/v2/r/app/referrers/${sha256('nothing refers to this')}`);
    expect(none.status).toBe(200);
    expect((await none.json()).manifests).toEqual([]);
    const ecr = await registry.ecr.send(
      new ListImageReferrersCommand({
        repositoryName: 'r/app',
        subjectId: { imageDigest: subject.digest },
        filter: { artifactTypes: ['application/spdx+json'] },
      }),
    );
    expect(ecr.referrers).toEqual([
      {
        digest: sha256(sbom),
        mediaType: OCI_MANIFEST,
        artifactType: 'application/spdx+json',
        size: Buffer.byteLength(sbom),
        annotations: { 'org.example.kind': 'application/spdx+json' },
        artifactStatus: 'ACTIVE',
      },
    ]);
    const described = await registry.ecr.send(
      new DescribeImagesCommand({ repositoryName: 'r/app', imageIds: [{ imageDigest: sha256(sbom) }, { imageDigest: subject.digest }] }),
    );
    const subjects = Object.fromEntries(described.imageDetails!.map((d) => [d.imageDigest, d.subjectManifestDigest]));
    expect(subjects).toEqual({ [sha256(sbom)]: subject.digest, [subject.digest]: undefined });
  });
});
