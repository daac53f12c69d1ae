import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { loginPassword, sha256 } from '../helpers/oci.ts';
import * as pull from '../../functions/oci-pull/handler.ts';
import * as push from '../../functions/oci-push/handler.ts';
import type { HttpEvent } from '../../shared/protocol/http.ts';

let registry: TestRegistry;
let auth: string;
beforeAll(async () => {
  registry = await startTestRegistry(undefined, { OCI_CHUNK_MAX_LENGTH: String(4 * 1024 * 1024) });
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lambda/app' }));
  auth = 'Basic ' + Buffer.from(`AWS:${await loginPassword(registry)}`).toString('base64');
});
afterAll(async () => {
  await registry?.destroy();
});

/** An API Gateway HTTP API (payload 2.0) event, as the OCI routes receive it in AWS. */
function event(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): HttpEvent {
  const [rawPath, rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    rawPath,
    rawQueryString,
    headers: { host: 'registry.example.com', authorization: auth, ...headers },
    body: body?.toString('base64'),
    isBase64Encoded: true,
    requestContext: { http: { method, path: rawPath }, requestId: 'req-1' },
  };
}

describe('the OCI Lambdas with API Gateway events', () => {
  it('push chunks within the advertised maximum, then pull by redirect', async () => {
    const pushHandler = push.createHandler(() => registry.deps);
    const pullHandler = pull.createHandler(() => registry.deps);
    const start = await pushHandler(event('POST', '/v2/lambda/app/blobs/uploads/'));
    expect(start.statusCode).toBe(202);
    expect(start.headers!['oci-chunk-max-length']).toBe(String(4 * 1024 * 1024));
    expect(start.headers!['oci-chunk-min-length']).toBeUndefined();
    const location = start.headers!.location;
    const bytes = randomBytes(6 * 1024 * 1024);
    const chunks = [bytes.subarray(0, 4 * 1024 * 1024), bytes.subarray(4 * 1024 * 1024)];
    let offset = 0;
    for (const chunk of chunks) {
      const res = await pushHandler(event('PATCH', location, chunk, { 'content-range': `${offset}-${offset + chunk.length - 1}` }));
      expect(res.statusCode).toBe(202);
      offset += chunk.length;
    }
    const digest = sha256(bytes);
    expect((await pushHandler(event('PUT', `${location}?digest=${digest}`))).statusCode).toBe(201);
    const got = await pullHandler(event('GET', `/v2/lambda/app/blobs/${digest}`));
    expect(got.statusCode).toBe(307);
    // The URL names the host the request named (registry.example.com), which is this registry.
    const download = new URL(got.headers!.location as string);
    expect(download.host).toBe('registry.example.com');
    const downloaded = Buffer.from(await (await fetch(`${registry.endpoint}${download.pathname}${download.search}`)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
  });

  it('serve only their own side of the API', async () => {
    const pullHandler = pull.createHandler(() => registry.deps);
    const res = await pullHandler(event('POST', '/v2/lambda/app/blobs/uploads/'));
    expect(res.statusCode).toBe(405);
    expect(JSON.parse(Buffer.from(res.body!, 'base64').toString()).errors[0].code).toBe('UNSUPPORTED');
  });

  it('answer 401 UNAUTHORIZED without credentials', async () => {
    const res = await pull.createHandler(() => registry.deps)(event('GET', '/v2/', undefined, { authorization: '' }));
    expect(res.statusCode).toBe(401);
    expect(res.headers!['www-authenticate']).toBe('Basic realm="registry.example.com"');
  });
});
