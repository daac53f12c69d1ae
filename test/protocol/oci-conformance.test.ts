/**
 * The cases the OCI distribution-spec conformance suite (opencontainers/distribution-spec conformance/, OCI 1.1)
 * found failing, each as our own protocol test against the embedded registry streaming its blobs
 * (OCI_BLOB_DELIVERY=stream): out-of-order chunks, referrers without an artifactType, `?tag=` on a PUT by
 * digest, and Range answers for blobs the registry serves itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, DescribeImagesCommand, ListImageReferrersCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { ociClient, ociCode, sha256, type Oci } from '../helpers/oci.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MiB = 1024 * 1024;

let registry: TestRegistry;
let oci: Oci;
beforeAll(async () => {
  registry = await startTestRegistry(undefined, { OCI_BLOB_DELIVERY: 'stream' });
  oci = await ociClient(registry);
  for (const name of ['conf/chunks', 'conf/refs', 'conf/tags', 'conf/range']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
});
afterAll(async () => {
  await registry?.destroy();
});

/** Starts an upload and sends its first chunk; returns the upload's location. */
async function uploadWithFirstChunk(repo: string, first: Buffer): Promise<string> {
  const start = await oci.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location')!;
  const patched = await oci.fetch(location, {
    method: 'PATCH',
    body: first as unknown as BodyInit,
    headers: { 'content-range': `0-${first.length - 1}`, 'content-type': 'application/octet-stream' },
  });
  expect(patched.status).toBe(202);
  return location;
}

/** An image manifest over a fresh config and layer of the repository. */
async function imageOf(repo: string, extra: Record<string, unknown> = {}, configType = OCI_CONFIG): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(4).toString('hex') }));
  const layer = randomBytes(512);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: configType, digest: await oci.pushBlob(repo, config), size: config.length },
    layers: [{ mediaType: LAYER, digest: await oci.pushBlob(repo, layer), size: layer.length }],
    ...extra,
  });
}

describe('chunks out of order', () => {
  it('answers a closing PUT whose Content-Range skips ahead with 416 BLOB_UPLOAD_INVALID and the Range reached, then completes', async () => {
    // Prepare
    const bytes = randomBytes(6 * MiB + 1000);
    const first = bytes.subarray(0, 3 * MiB);
    const location = await uploadWithFirstChunk('conf/chunks', first);
    const digest = sha256(bytes);

    // Act
    const ahead = await oci.fetch(`${location}?digest=${digest}`, {
      method: 'PUT',
      body: bytes.subarray(4 * MiB),
      headers: { 'content-range': `${4 * MiB}-${bytes.length - 1}`, 'content-type': 'application/octet-stream' },
    });

    // Assess
    expect(ahead.status).toBe(416);
    expect(await ociCode(ahead)).toBe('BLOB_UPLOAD_INVALID');
    expect(ahead.headers.get('range')).toBe(`0-${first.length - 1}`);
    const status = await oci.fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${first.length - 1}`);
    const done = await oci.fetch(`${location}?digest=${digest}`, {
      method: 'PUT',
      body: bytes.subarray(first.length),
      headers: { 'content-range': `${first.length}-${bytes.length - 1}`, 'content-type': 'application/octet-stream' },
    });
    expect(done.status).toBe(201);
    const got = await oci.fetch(`/v2/conf/chunks/blobs/${digest}`);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(digest);
  });

  it('answers a closing PUT whose Content-Range goes back to byte 0 with 416, also under a sha512 digest', async () => {
    // Prepare
    const bytes = randomBytes(2 * MiB);
    const first = bytes.subarray(0, MiB);
    const location = await uploadWithFirstChunk('conf/chunks', first);
    const digest = `sha512:${createHash('sha512').update(bytes).digest('hex')}`;

    // Act
    const behind = await oci.fetch(`${location}?digest=${digest}`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-range': `0-${bytes.length - 1}`, 'content-type': 'application/octet-stream' },
    });

    // Assess
    expect(behind.status).toBe(416);
    expect(await ociCode(behind)).toBe('BLOB_UPLOAD_INVALID');
    expect(behind.headers.get('range')).toBe(`0-${first.length - 1}`);
    const done = await oci.fetch(`${location}?digest=${digest}`, {
      method: 'PUT',
      body: bytes.subarray(first.length),
      headers: { 'content-range': `${first.length}-${bytes.length - 1}` },
    });
    expect(done.status).toBe(201);
  });

  it('answers a PATCH whose Content-Range skips ahead with 416 and keeps the upload where it stood', async () => {
    // Prepare
    const bytes = randomBytes(3 * MiB);
    const location = await uploadWithFirstChunk('conf/chunks', bytes.subarray(0, MiB));

    // Act
    const ahead = await oci.fetch(location, {
      method: 'PATCH',
      body: bytes.subarray(2 * MiB),
      headers: { 'content-range': `${2 * MiB}-${bytes.length - 1}`, 'content-type': 'application/octet-stream' },
    });

    // Assess
    expect(ahead.status).toBe(416);
    expect(await ociCode(ahead)).toBe('BLOB_UPLOAD_INVALID');
    expect(ahead.headers.get('range')).toBe(`0-${MiB - 1}`);
    expect((await oci.fetch(location)).headers.get('range')).toBe(`0-${MiB - 1}`);
  });
});

describe('referrers without an artifactType', () => {
  it('lists a referrer whose manifest names no artifactType with its config mediaType, and finds it by that filter', async () => {
    // Prepare
    const subjectText = await imageOf('conf/refs');
    await oci.pushManifest('conf/refs', 'v1', subjectText);
    const subject = { mediaType: OCI_MANIFEST, digest: sha256(subjectText), size: Buffer.byteLength(subjectText) };
    const plain = await imageOf('conf/refs', { subject });
    const typed = await imageOf('conf/refs', { subject }, 'application/vnd.example.config.v1+json');
    for (const text of [plain, typed]) expect((await oci.pushManifest('conf/refs', sha256(text), text)).status).toBe(201);

    // Act
    const all = await (await oci.fetch(`/v2/conf/refs/referrers/${subject.digest}`)).json();
    const filtered = await oci.fetch(`/v2/conf/refs/referrers/${subject.digest}?artifactType=${encodeURIComponent(OCI_CONFIG)}`);
    const ecr = await registry.ecr.send(
      new ListImageReferrersCommand({ repositoryName: 'conf/refs', subjectId: { imageDigest: subject.digest }, filter: { artifactTypes: [OCI_CONFIG] } }),
    );

    // Assess
    const typeOf = Object.fromEntries(all.manifests.map((m: { digest: string; artifactType?: string }) => [m.digest, m.artifactType]));
    expect(typeOf).toEqual({ [sha256(plain)]: OCI_CONFIG, [sha256(typed)]: 'application/vnd.example.config.v1+json' });
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect((await filtered.json()).manifests.map((m: { digest: string }) => m.digest)).toEqual([sha256(plain)]);
    expect(ecr.referrers?.map((r) => [r.digest, r.artifactType])).toEqual([[sha256(plain), OCI_CONFIG]]);
  });
});

describe('tags on a manifest PUT by digest', () => {
  it('tags the manifest with every ?tag= and answers each in OCI-Tag', async () => {
    // Prepare
    const text = await imageOf('conf/tags');
    const digest = sha256(text);

    // Act
    const put = await oci.fetch(`/v2/conf/tags/manifests/${digest}?tag=1.2.3&tag=1.2&tag=latest`, {
      method: 'PUT',
      body: text,
      headers: { 'content-type': OCI_MANIFEST },
    });

    // Assess
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    const tagged = (put.headers.get('oci-tag') ?? '').split(',').map((t) => t.trim());
    expect(tagged.sort()).toEqual(['1.2', '1.2.3', 'latest']);
    for (const tag of ['1.2.3', '1.2', 'latest']) {
      const got = await oci.fetch(`/v2/conf/tags/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
      expect(got.headers.get('docker-content-digest')).toBe(digest);
    }
    const described = await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'conf/tags', imageIds: [{ imageDigest: digest }] }));
    expect(described.imageDetails?.[0].imageTags?.sort()).toEqual(['1.2', '1.2.3', 'latest']);
  });

  it('refuses a malformed ?tag= with TAG_INVALID and stores nothing', async () => {
    // Prepare
    const text = await imageOf('conf/tags');
    const digest = sha256(text);

    // Act
    const put = await oci.fetch(`/v2/conf/tags/manifests/${digest}?tag=ok&tag=${encodeURIComponent('not/a tag')}`, {
      method: 'PUT',
      body: text,
      headers: { 'content-type': OCI_MANIFEST },
    });

    // Assess
    expect(put.status).toBe(400);
    expect(await ociCode(put)).toBe('TAG_INVALID');
    expect((await oci.fetch(`/v2/conf/tags/manifests/${digest}`)).status).toBe(404);
  });

  it('answers a PUT by digest without ?tag= with no OCI-Tag and leaves the manifest untagged', async () => {
    // Prepare
    const text = await imageOf('conf/tags');

    // Act
    const put = await oci.pushManifest('conf/tags', sha256(text), text);

    // Assess
    expect(put.status).toBe(201);
    expect(put.headers.get('oci-tag')).toBeNull();
    const described = await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'conf/tags', imageIds: [{ imageDigest: sha256(text) }] }));
    expect(described.imageDetails?.[0].imageTags).toBeUndefined();
  });
});

describe('Range on blobs the registry serves', () => {
  let bytes: Buffer;
  let digest: string;
  const get = (range: string) => oci.fetch(`/v2/conf/range/blobs/${digest}`, { headers: { range } });
  beforeAll(async () => {
    bytes = randomBytes(2048);
    digest = await oci.pushBlob('conf/range', bytes);
  });

  it('serves bytes=-500 as the last 500 bytes', async () => {
    // Act
    const res = await get('bytes=-500');

    // Assess
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 1548-2047/2048');
    expect(res.headers.get('content-length')).toBe('500');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(1548))).toBe(true);
  });

  it('serves an open range and clips an end beyond the blob', async () => {
    // Act
    const open = await get('bytes=2000-');
    const clipped = await get('bytes=1000-99999');

    // Assess
    expect(open.status).toBe(206);
    expect(open.headers.get('content-range')).toBe('bytes 2000-2047/2048');
    expect(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(2000))).toBe(true);
    expect(clipped.headers.get('content-range')).toBe('bytes 1000-2047/2048');
    expect(Buffer.from(await clipped.arrayBuffer()).equals(bytes.subarray(1000))).toBe(true);
  });

  it('answers a range whose end is before its start with 416 and Content-Range bytes */size', async () => {
    // Act
    const res = await get('bytes=500-0');

    // Assess
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */2048');
    expect(await ociCode(res)).toBe('BLOB_UPLOAD_INVALID');
  });

  it('answers a range starting beyond the blob, and an empty suffix, with 416 and Content-Range bytes */size', async () => {
    // Act
    const beyond = await get('bytes=2048-3000');
    const emptySuffix = await get('bytes=-0');

    // Assess
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */2048');
    expect(emptySuffix.status).toBe(416);
    expect(emptySuffix.headers.get('content-range')).toBe('bytes */2048');
  });

  it('answers several ranges, or another unit, with the whole blob and 200, as RFC 9110 allows', async () => {
    // Act
    const several = await get('bytes=0-9,100-199');
    const otherUnit = await get('items=0-9');

    // Assess
    for (const res of [several, otherUnit]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });
});
