/**
 * Hostile input on the wire: every answer a modelled error (an ECR `__type` or an OCI code) and never a 5xx, limits
 * enforced before the body is read, a referenced layer kept. Through real clients against a real local registry.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, DescribeImagesCommand, PutImageCommand, StartImageScanCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { imageManifest, pushBlobs } from '../helpers/images.ts';
import { ociClient, ociCode, type Oci } from '../helpers/oci.ts';

let registry: TestRegistry;
let oci: Oci;
beforeAll(async () => {
  registry = await startTestRegistry();
  oci = await ociClient(registry);
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'hostile/repo' }));
});
afterAll(async () => {
  await registry?.destroy();
});

/** Starts a request that announces `announced` bytes and writes only `written`; resolves with the status and body as soon as the server answers. */
function earlyAnswer(path: string, headers: Record<string, string>, announced: number, written: number): Promise<{ status: number; body: string; ms: number }> {
  const url = new URL(path, registry.endpoint);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: path === '/' ? 'POST' : 'PUT', headers: { ...headers, 'content-length': String(announced) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
      res.on('error', reject);
    });
    req.on('error', () => {
      /* the server closes the connection after its answer; the write side may see EPIPE */
    });
    req.write(Buffer.alloc(written));
    setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
  });
}

describe('OCI paths and queries from a hostile client', () => {
  it.each([
    '/v2/%zz/tags/list',
    '/v2/hostile%/repo/tags/list',
    '/v2/hostile/repo/manifests/%zz',
    '/v2/hostile/repo/blobs/sha256%3Azz%',
    '/v2/%E0%A4%A/blobs/uploads/',
    '/v2/hostile/repo/blobs/uploads/%ff%fe',
    '/v2/hostile/repo/referrers/%zz',
  ])('a malformed percent-encoding in %s answers an OCI 4xx error code, not 500', async (path) => {
    const res = await oci.fetch(path, { method: path.endsWith('uploads/') ? 'POST' : 'GET' });

    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await ociCode(res)).toMatch(/^[A-Z_]+$/);
  });

  it.each(['\uffff', '\uffff\uffff', '\u{10000}', '\u{10ffff}zzz', 'zzzz\uffff'])(
    'tags/list?last= at or above U+FFFF (%j) answers an empty page, not 500',
    async (last) => {
      const res = await oci.fetch(`/v2/hostile/repo/tags/list?last=${encodeURIComponent(last)}`);

      expect(res.status).toBe(200);
      expect(((await res.json()) as { tags: string[] }).tags).toEqual([]);
    },
  );

  it('a blob DELETE of a layer that an image still references is refused with DENIED, and the image still pulls', async () => {
    // Prepare: an image over two layers.
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'hostile/blob-delete' }));
    const blobs = await pushBlobs(registry.ecr, 'hostile/blob-delete', 2);
    await registry.ecr.send(new PutImageCommand({ repositoryName: 'hostile/blob-delete', imageManifest: imageManifest(blobs), imageTag: 'v1' }));

    // Act
    const layer = await oci.fetch(`/v2/hostile/blob-delete/blobs/${blobs.layers[0].digest}`, { method: 'DELETE' });
    const config = await oci.fetch(`/v2/hostile/blob-delete/blobs/${blobs.config.digest}`, { method: 'DELETE' });

    // Assess
    expect([layer.status, await ociCode(layer)]).toEqual([403, 'DENIED']);
    expect([config.status, await ociCode(config)]).toEqual([403, 'DENIED']);
    expect((await oci.fetch(`/v2/hostile/blob-delete/blobs/${blobs.layers[0].digest}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('a blob DELETE of a layer no image references still unlinks it (202)', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'hostile/blob-free' }));
    const digest = await oci.pushBlob('hostile/blob-free', Buffer.from('an unreferenced layer'));

    const res = await oci.fetch(`/v2/hostile/blob-free/blobs/${digest}`, { method: 'DELETE' });

    expect(res.status).toBe(202);
    expect((await oci.fetch(`/v2/hostile/blob-free/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('a manifest over 4 MiB is answered 413 before the client has sent it, and the connection closed', async () => {
    const answer = await earlyAnswer(
      '/v2/hostile/repo/manifests/big',
      { authorization: `Basic ${Buffer.from(`AWS:${oci.password}`).toString('base64')}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      5 * 1024 * 1024,
      64 * 1024,
    );

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0].code).toBe('MANIFEST_INVALID');
  });
});

describe('the ECR endpoint from a hostile client', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s / answers the JSON error ECR gives, with its __type', async (method) => {
    const unsigned = await fetch(`${registry.endpoint}/`, { method });
    const signed = await fetch(`${registry.endpoint}/`, {
      method,
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecr/aws4_request' },
    });

    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    expect(signed.status).toBe(400);
    expect(((await signed.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('a scan that failed on our side (no feed imported) does not spend the daily allowance: StartImageScan works again at once', async () => {
    // Prepare: an image whose first scan failed because the registry has no vulnerability feed.
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'hostile/scan' }));
    const blobs = await pushBlobs(registry.ecr, 'hostile/scan', 1);
    await registry.ecr.send(new PutImageCommand({ repositoryName: 'hostile/scan', imageManifest: imageManifest(blobs), imageTag: 'v1' }));
    const start = () => registry.ecr.send(new StartImageScanCommand({ repositoryName: 'hostile/scan', imageId: { imageTag: 'v1' } }));
    await start();
    const status = async () =>
      (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'hostile/scan' }))).imageDetails![0].imageScanStatus?.status;
    for (let i = 0; i < 100 && (await status()) !== 'FAILED'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await status()).toBe('FAILED');

    // Act
    const again = await start();

    // Assess
    expect(again.imageScanStatus?.status).toBe('IN_PROGRESS');
  });

  it('a request body over 28 MiB is answered 413 before the client has sent it, and the connection closed', async () => {
    const answer = await earlyAnswer(
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.UploadLayerPart' },
      33 * 1024 * 1024,
      64 * 1024,
    );

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).__type).toBe('SerializationException');
  });
});
