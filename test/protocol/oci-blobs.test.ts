import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, PutAccountSettingCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { ociClient, ociCode, sha256, type Oci } from '../helpers/oci.ts';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

let registry: TestRegistry;
let oci: Oci;
beforeAll(async () => {
  registry = await startTestRegistry();
  oci = await ociClient(registry);
  for (const name of ['blobs/a', 'blobs/b', 'blobs/c']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  // Mounts are offered only with BLOB_MOUNTING enabled (test/protocol/registry.test.ts covers it disabled).
  await registry.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
});
afterAll(async () => {
  await registry?.destroy();
});

describe('authentication and the base endpoint', () => {
  it('challenges an anonymous request with 401 and a Basic realm', async () => {
    const res = await oci.fetch('/v2/', { auth: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=".+"$/);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await ociCode(res)).toBe('UNAUTHORIZED');
  });

  it('refuses a forged token and a wrong user', async () => {
    const forged = 'Basic ' + Buffer.from(`AWS:${oci.password.slice(0, -2)}xx`).toString('base64');
    expect((await oci.fetch('/v2/', { auth: forged })).status).toBe(401);
    const wrongUser = 'Basic ' + Buffer.from(`root:${oci.password}`).toString('base64');
    const res = await oci.fetch('/v2/team/x/tags/list', { auth: wrongUser });
    expect(res.status).toBe(401);
    expect(await ociCode(res)).toBe('UNAUTHORIZED');
  });

  it('answers 200 to an authenticated GET /v2/', async () => {
    const res = await oci.fetch('/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe('blob uploads', () => {
  it('takes a monolithic upload and serves the blob by redirect to a presigned URL', async () => {
    const bytes = randomBytes(300_000);
    const digest = await oci.pushBlob('blobs/a', bytes);
    const head = await oci.fetch(`/v2/blobs/a/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('300000');
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const get = await oci.fetch(`/v2/blobs/a/blobs/${digest}`);
    expect(get.status).toBe(307);
    const downloaded = Buffer.from(await (await fetch(get.headers.get('location')!)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
  });

  it('takes chunks in order, reports progress, and refuses an out-of-order chunk with 416 and the Range reached', async () => {
    const bytes = randomBytes(7 * 1024 * 1024 + 123);
    const start = await oci.fetch('/v2/blobs/a/blobs/uploads/', { method: 'POST' });
    expect(start.status).toBe(202);
    expect(start.headers.get('range')).toBe('0-0');
    expect(start.headers.get('oci-chunk-min-length')).toBeNull();
    const location = start.headers.get('location')!;
    expect(location).toMatch(/^\/v2\/blobs\/a\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const first = bytes.subarray(0, 6 * 1024 * 1024);
    const patched = await oci.fetch(location, {
      method: 'PATCH',
      body: first,
      headers: { 'content-range': `0-${first.length - 1}`, 'content-type': 'application/octet-stream' },
    });
    expect(patched.status).toBe(202);
    expect(patched.headers.get('range')).toBe(`0-${first.length - 1}`);
    const stale = await oci.fetch(location, { method: 'PATCH', body: first, headers: { 'content-range': `0-${first.length - 1}` } });
    expect(stale.status).toBe(416);
    expect(stale.headers.get('range')).toBe(`0-${first.length - 1}`);
    const status = await oci.fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${first.length - 1}`);
    const rest = bytes.subarray(first.length);
    const digest = sha256(bytes);
    const done = await oci.fetch(`${location}?digest=${digest}`, {
      method: 'PUT',
      body: rest,
      headers: { 'content-range': `${first.length}-${bytes.length - 1}` },
    });
    expect(done.status).toBe(201);
    expect(done.headers.get('location')).toBe(`/v2/blobs/a/blobs/${digest}`);
    expect(done.headers.get('docker-content-digest')).toBe(digest);
    const get = await oci.fetch(`/v2/blobs/a/blobs/${digest}`);
    const downloaded = Buffer.from(await (await fetch(get.headers.get('location')!)).arrayBuffer());
    expect(sha256(downloaded)).toBe(digest);
  });

  it('takes chunks far under S3 part size when no minimum is advertised, coalescing them into parts the store accepts', async () => {
    // Prepare: an 11 MiB blob cut the way oras and containerd cut it when chunking, here into 1 MiB chunks.
    const bytes = randomBytes(11 * 1024 * 1024 + 77);
    const chunk = 1024 * 1024;
    const start = await oci.fetch('/v2/blobs/a/blobs/uploads/', { method: 'POST' });
    expect(start.headers.get('oci-chunk-min-length')).toBeNull();
    let location = start.headers.get('location')!;

    // Act: every chunk as a PATCH with its Content-Range, then a PUT with the digest and no body.
    for (let first = 0; first < bytes.length; first += chunk) {
      const piece = bytes.subarray(first, Math.min(bytes.length, first + chunk));
      const res = await oci.fetch(location, { method: 'PATCH', body: piece, headers: { 'content-range': `${first}-${first + piece.length - 1}` } });
      expect(res.status).toBe(202);
      expect(res.headers.get('range')).toBe(`0-${first + piece.length - 1}`);
      location = res.headers.get('location')!;
    }
    const digest = sha256(bytes);
    const done = await oci.fetch(`${location}?digest=${digest}`, { method: 'PUT' });

    // Assess: the blob completes (the blob store refuses a non-final part under 5 MiB) and serves the same bytes.
    expect(done.status).toBe(201);
    const get = await oci.fetch(`/v2/blobs/a/blobs/${digest}`);
    const downloaded = Buffer.from(await (await fetch(get.headers.get('location')!)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
  });

  it('refuses a digest that does not match with DIGEST_INVALID and keeps nothing', async () => {
    const bytes = randomBytes(1000);
    const wrong = sha256(Buffer.from('something else'));
    const res = await oci.fetch(`/v2/blobs/a/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: bytes });
    expect(res.status).toBe(400);
    expect(await ociCode(res)).toBe('DIGEST_INVALID');
    expect((await oci.fetch(`/v2/blobs/a/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);
    expect(await registry.deps.layers.getBlob(wrong)).toBeUndefined();
    expect(await registry.deps.layers.getBlob(sha256(bytes))).toBeUndefined();
  });

  it('refuses a chunked upload whose bytes do not match the final digest', async () => {
    const start = await oci.fetch('/v2/blobs/a/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location')!;
    await oci.fetch(location, { method: 'PATCH', body: randomBytes(100), headers: { 'content-range': '0-99' } });
    const wrong = sha256(randomBytes(100));
    const res = await oci.fetch(`${location}?digest=${wrong}`, { method: 'PUT', body: randomBytes(50), headers: { 'content-range': '100-149' } });
    expect(res.status).toBe(400);
    expect(await ociCode(res)).toBe('DIGEST_INVALID');
    expect(await registry.deps.layers.getBlob(wrong)).toBeUndefined();
  });

  it('takes a further chunk after a streamed request stored the first bytes whole', async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 777);
    const start = await oci.fetch('/v2/blobs/a/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location')!;
    const head = bytes.subarray(0, 1_000_000);
    const streamed = await oci.fetch(location, { method: 'PATCH', body: head });
    expect(streamed.status).toBe(202);
    expect(streamed.headers.get('range')).toBe(`0-${head.length - 1}`);
    const rest = bytes.subarray(head.length);
    const chunk = await oci.fetch(location, { method: 'PATCH', body: rest, headers: { 'content-range': `${head.length}-${bytes.length - 1}` } });
    expect(chunk.status).toBe(202);
    expect(chunk.headers.get('range')).toBe(`0-${bytes.length - 1}`);
    const digest = sha256(bytes);
    expect((await oci.fetch(`${location}?digest=${digest}`, { method: 'PUT' })).status).toBe(201);
    const get = await oci.fetch(`/v2/blobs/a/blobs/${digest}`);
    expect(Buffer.from(await (await fetch(get.headers.get('location')!)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('stores a blob pushed into two repositories once', async () => {
    const bytes = randomBytes(4000);
    const objects = () => readdirSync(join(registry.dataDir, 'blobs', 'objects', '_uploads')).length;
    const before = objects();
    const digest = await oci.pushBlob('blobs/a', bytes);
    const first = await registry.deps.layers.getBlob(digest);
    await oci.pushBlob('blobs/c', bytes);
    expect(await registry.deps.layers.getBlob(digest)).toEqual(first);
    expect(objects()).toBe(before + 1);
    expect((await oci.fetch(`/v2/blobs/c/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('accepts a sha512 digest', async () => {
    const bytes = randomBytes(2000);
    const digest = 'sha512:' + createHash('sha512').update(bytes).digest('hex');
    const res = await oci.fetch(`/v2/blobs/a/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes });
    expect(res.status).toBe(201);
    expect((await oci.fetch(`/v2/blobs/a/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('cancels an upload, after which it is unknown', async () => {
    const start = await oci.fetch('/v2/blobs/a/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location')!;
    expect((await oci.fetch(location, { method: 'DELETE' })).status).toBe(204);
    const res = await oci.fetch(location, { method: 'PATCH', body: randomBytes(10) });
    expect(res.status).toBe(404);
    expect(await ociCode(res)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('mounts a blob from a repository that holds it, and starts an upload when the source does not', async () => {
    const digest = await oci.pushBlob('blobs/a', randomBytes(5000));
    const mounted = await oci.fetch(`/v2/blobs/b/blobs/uploads/?mount=${digest}&from=blobs/a`, { method: 'POST' });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toBe(`/v2/blobs/b/blobs/${digest}`);
    expect((await oci.fetch(`/v2/blobs/b/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    const fallback = await oci.fetch(`/v2/blobs/c/blobs/uploads/?mount=${digest}&from=blobs/nowhere`, { method: 'POST' });
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/\/v2\/blobs\/c\/blobs\/uploads\//);
  });

  it('deletes a blob from one repository only', async () => {
    const digest = await oci.pushBlob('blobs/a', randomBytes(700));
    await oci.fetch(`/v2/blobs/b/blobs/uploads/?mount=${digest}&from=blobs/a`, { method: 'POST' });
    expect((await oci.fetch(`/v2/blobs/a/blobs/${digest}`, { method: 'DELETE' })).status).toBe(202);
    const gone = await oci.fetch(`/v2/blobs/a/blobs/${digest}`);
    expect(gone.status).toBe(404);
    expect(await ociCode(gone)).toBe('BLOB_UNKNOWN');
    expect((await oci.fetch(`/v2/blobs/b/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers NAME_UNKNOWN for a repository that does not exist and NAME_INVALID for a malformed name', async () => {
    const unknown = await oci.fetch('/v2/no/such/blobs/uploads/', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await ociCode(unknown)).toBe('NAME_UNKNOWN');
    const invalid = await oci.fetch('/v2/Bad_Name/blobs/uploads/', { method: 'POST' });
    expect(invalid.status).toBe(400);
    expect(await ociCode(invalid)).toBe('NAME_INVALID');
  });

  it('answers DIGEST_INVALID for a malformed digest and UNSUPPORTED for a method a route lacks', async () => {
    const bad = await oci.fetch('/v2/blobs/a/blobs/sha256:xyz');
    expect(bad.status).toBe(400);
    expect(await ociCode(bad)).toBe('DIGEST_INVALID');
    const method = await oci.fetch('/v2/blobs/a/tags/list', { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(await ociCode(method)).toBe('UNSUPPORTED');
  });
});

describe('streamed blob delivery', () => {
  it('serves a blob through the registry with Range support when configured to stream', async () => {
    const streaming = await startTestRegistry(undefined, { OCI_BLOB_DELIVERY: 'stream' });
    try {
      await streaming.ecr.send(new CreateRepositoryCommand({ repositoryName: 'stream/a' }));
      const client = await ociClient(streaming);
      const bytes = randomBytes(10_000);
      const digest = await client.pushBlob('stream/a', bytes);
      const whole = await client.fetch(`/v2/stream/a/blobs/${digest}`);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      const part = await client.fetch(`/v2/stream/a/blobs/${digest}`, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
      expect((await client.fetch(`/v2/stream/a/blobs/${digest}`, { headers: { range: 'bytes=20000-' } })).status).toBe(416);
    } finally {
      await streaming.destroy();
    }
  });
});
