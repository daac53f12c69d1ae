/**
 * Download URLs on the local host: GetDownloadUrlForLayer and the OCI blob redirect point at the registry's own
 * host (the request's Host, or REGISTRY_PUBLIC_HOST), signed by the registry, served with Range, and refused with
 * S3's error and a 403 once edited, expired, or replayed against another blob.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { ociClient, type Oci } from '../helpers/oci.ts';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

let now = Date.now();
let registry: TestRegistry;
let oci: Oci;

beforeAll(async () => {
  registry = await startTestRegistry(undefined, {}, { now: () => new Date(now) });
  oci = await ociClient(registry);
  for (const name of ['urls/a', 'urls/b']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
});
afterAll(async () => {
  await registry?.destroy();
});

/** A GET through node:http, so that the Host header is the test's to choose. */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The registry's answer to a blob GET, with the redirect not followed. */
async function redirectOf(repo: string, digest: string, host?: string): Promise<string> {
  const res = await get(`${registry.endpoint}/v2/${repo}/blobs/${digest}`, {
    authorization: `Basic ${Buffer.from(`AWS:${oci.password}`).toString('base64')}`,
    ...(host ? { host } : {}),
  });
  expect(res.status).toBe(307);
  return res.headers.location as string;
}

/** Connects to the registry whatever host the URL names (as a remote client resolving that name would reach it). */
const viaRegistry = (url: string) => {
  const u = new URL(url);
  return { target: `${registry.endpoint}${u.pathname}${u.search}`, host: u.host };
};

const s3Code = (body: Buffer) => /<Code>([^<]+)<\/Code>/.exec(body.toString())?.[1];

describe('signed download URLs on the local host', () => {
  it('redirects a blob GET to a URL on the host the client used, which serves the blob to a client that forwards its Authorization', async () => {
    // Prepare
    const bytes = randomBytes(5000);
    const digest = await oci.pushBlob('urls/a', bytes);

    // Act
    const location = await redirectOf('urls/a', digest, 'registry.example.test:5000');
    const { target, host } = viaRegistry(location);
    const served = await get(target, { host, authorization: `Basic ${Buffer.from(`AWS:${oci.password}`).toString('base64')}` });

    // Assess
    expect(new URL(location).host).toBe('registry.example.test:5000');
    expect(new URL(location).pathname.startsWith('/_blobs/')).toBe(true);
    expect(served.status).toBe(200);
    expect(served.headers['docker-content-digest']).toBe(digest);
    expect(served.body.equals(bytes)).toBe(true);
  });

  it('gives GetDownloadUrlForLayer a URL on the registry endpoint that serves byte ranges', async () => {
    // Prepare
    const bytes = randomBytes(3000);
    const digest = await oci.pushBlob('urls/a', bytes);

    // Act
    const { downloadUrl } = await registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'urls/a', layerDigest: digest }));
    const ranged = await get(downloadUrl!, { range: 'bytes=100-199' });
    const suffix = await get(downloadUrl!, { range: 'bytes=-10' });
    const unsatisfiable = await get(downloadUrl!, { range: 'bytes=5000-' });

    // Assess
    expect(new URL(downloadUrl!).host).toBe(new URL(registry.endpoint).host);
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe('bytes 100-199/3000');
    expect(ranged.body.equals(bytes.subarray(100, 200))).toBe(true);
    expect(suffix.headers['content-range']).toBe('bytes 2990-2999/3000');
    expect(suffix.body.equals(bytes.subarray(2990))).toBe(true);
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers['content-range']).toBe('bytes */3000');
  });

  it('refuses a URL whose digest, repository or expiry was edited, or whose signature was dropped, with a 403', async () => {
    // Prepare
    const digest = await oci.pushBlob('urls/a', randomBytes(100));
    const other = await oci.pushBlob('urls/a', randomBytes(100));
    const url = new URL(await redirectOf('urls/a', digest));
    const edited = (name: string, value: string | null) => {
      const u = new URL(url);
      if (value === null) u.searchParams.delete(name);
      else u.searchParams.set(name, value);
      return u.toString();
    };

    // Act
    const answers = await Promise.all([
      get(edited('digest', other)),
      get(edited('repository', 'urls/b')),
      get(edited('expires', String(Number(url.searchParams.get('expires')) + 3600))),
      get(edited('signature', null)),
      get(edited('signature', `${url.searchParams.get('signature')!.slice(0, -2)}AA`)),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    expect(answers.map((a) => s3Code(a.body))).toEqual([
      'SignatureDoesNotMatch',
      'SignatureDoesNotMatch',
      'SignatureDoesNotMatch',
      'AccessDenied',
      'SignatureDoesNotMatch',
    ]);
  });

  it("refuses one blob's signature replayed against another blob's object", async () => {
    // Prepare
    const first = new URL(await redirectOf('urls/a', await oci.pushBlob('urls/a', randomBytes(100))));
    const second = new URL(await redirectOf('urls/a', await oci.pushBlob('urls/a', randomBytes(100))));

    // Act
    const replayed = await get(`${registry.endpoint}${second.pathname}${first.search}`);

    // Assess
    expect(replayed.status).toBe(403);
    expect(s3Code(replayed.body)).toBe('SignatureDoesNotMatch');
  });

  it('refuses a URL once it has expired, ten minutes after it was given', async () => {
    // Prepare
    const url = await redirectOf('urls/a', await oci.pushBlob('urls/a', randomBytes(100)));
    const fresh = await get(url);

    // Act
    now += 601_000;
    const late = await get(url);
    now -= 601_000;

    // Assess
    expect(fresh.status).toBe(200);
    expect(late.status).toBe(403);
    expect(s3Code(late.body)).toBe('AccessDenied');
    expect(late.body.toString()).toContain('Request has expired');
  });
});

describe('REGISTRY_PUBLIC_HOST', () => {
  it('puts download URLs on the public host whatever Host the request named', async () => {
    // Prepare
    const pub = await startTestRegistry(undefined, { REGISTRY_PUBLIC_HOST: 'ecr.example.test' });
    try {
      await pub.ecr.send(new CreateRepositoryCommand({ repositoryName: 'urls/p' }));
      const client = await ociClient(pub);
      const bytes = randomBytes(200);
      const digest = await client.pushBlob('urls/p', bytes);

      // Act
      const redirected = await get(`${pub.endpoint}/v2/urls/p/blobs/${digest}`, {
        host: 'elsewhere.test',
        authorization: `Basic ${Buffer.from(`AWS:${client.password}`).toString('base64')}`,
      });
      const location = new URL(redirected.headers.location as string);
      const { downloadUrl } = await pub.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'urls/p', layerDigest: digest }));
      const served = await get(`${pub.endpoint}${location.pathname}${location.search}`, { host: location.host });

      // Assess
      expect(location.host).toBe('ecr.example.test');
      expect(new URL(downloadUrl!).host).toBe('ecr.example.test');
      expect(served.body.equals(bytes)).toBe(true);
    } finally {
      await pub.destroy();
    }
  });
});
