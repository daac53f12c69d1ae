/**
 * SigV4 as strict as AWS on the wire, and the body of a request not yet known to be signed: exactly one
 * Authorization header; a request refused on its header, key, scope or date answered before its body is read (the
 * server answers while the client is still sending); a wrong signature over a large body refused; a signed
 * x-amz-content-sha256 that is not the body's hash refused. Raw HTTP requests signed with the SDK's own signer.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const MiB = 1024 * 1024;

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry(undefined, { LOG_LEVEL: 'silent' });
});
afterAll(async () => {
  await registry?.destroy();
});

/** The headers of POST / with `body`, signed with `credentials` (none: unsigned); `extra` headers are signed too. */
async function signedHeaders(
  target: string,
  body: string | Buffer,
  credentials?: { accessKeyId: string; secretAccessKey: string },
  extra: Record<string, string> = {},
  signingDate = new Date(),
): Promise<Record<string, string>> {
  const url = new URL(registry.endpoint);
  const headers = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET + target, ...extra };
  if (!credentials) return headers;
  const signer = new SignatureV4({ service: 'ecr', region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body }),
    {
      signingDate,
    },
  );
  return signed.headers;
}

type Answer = { status: number; json: { __type?: string; message?: string }; sentBeforeAnswer: number; announced: number };

/**
 * POST / with `body`, writing only `written` bytes of it at first; the rest is written only if the server has not
 * answered within a second. Resolves with the answer and how many bytes had been sent when it came.
 */
function post(headers: Record<string, string | string[]>, body: Buffer | string, written = Buffer.byteLength(body)): Promise<Answer> {
  const bytes = Buffer.from(body);
  const announced = bytes.length;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(`${registry.endpoint}/`, { method: 'POST' }, (res) => {
      answered = true;
      const sentBeforeAnswer = sent;
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString() || '{}'), sentBeforeAnswer, announced }));
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.setHeader('content-length', String(announced));
    req.on('error', () => {
      /* the server may close the connection once it has answered */
    });
    const write = (from: number, to: number) => {
      sent += to - from;
      req.write(bytes.subarray(from, to));
    };
    write(0, written);
    if (written < announced)
      setTimeout(() => {
        if (!answered) write(written, announced);
      }, 1000).unref();
    setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
  });
}

describe('exactly one Authorization header', () => {
  it('refuses two Authorization headers, even two good ones, with IncompleteSignatureException as AWS words it', async () => {
    const body = '{}';
    const headers = await signedHeaders('DescribeRepositories', body, CREDENTIALS);
    const { authorization } = headers;

    const answer = await post({ ...headers, authorization: [authorization, authorization] }, body);

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      __type: 'IncompleteSignatureException',
      message: `'AWS4-HMAC-SHA256' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization},${authorization}'.`,
    });
  });

  it('accepts the same request with its one Authorization header', async () => {
    const body = '{}';
    const answer = await post(await signedHeaders('DescribeRepositories', body, CREDENTIALS), body);
    expect(answer.status).toBe(200);
  });
});

describe('a large body not known to be signed', () => {
  it.each([
    ['unsigned', () => signedHeaders('UploadLayerPart', '', undefined), 'MissingAuthenticationTokenException'],
    [
      'signed with an unknown access key',
      () => signedHeaders('UploadLayerPart', '', { accessKeyId: 'AKIANOBODY00000001', secretAccessKey: 'x'.repeat(20) }),
      'UnrecognizedClientException',
    ],
    ['signed 20 minutes ago', () => signedHeaders('UploadLayerPart', '', CREDENTIALS, {}, new Date(Date.now() - 20 * 60_000)), 'InvalidSignatureException'],
  ])('%s is refused before the client has sent its 20 MiB, with %s', async (_case, headers, type) => {
    const answer = await post(await headers(), Buffer.alloc(20 * MiB, 0x20), 64 * 1024);

    expect(answer.status).toBe(400);
    expect(answer.json.__type).toBe(type);
    expect(answer.sentBeforeAnswer).toBeLessThan(answer.announced);
  });

  it('refuses a known key with a wrong signature over 20 MiB with InvalidSignatureException, and serves the next call', async () => {
    const body = Buffer.alloc(20 * MiB, 0x20);
    const headers = await signedHeaders('UploadLayerPart', body, { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });

    const answer = await post(headers, body);
    const next = await post(await signedHeaders('DescribeRepositories', '{}', CREDENTIALS), '{}');

    expect(answer.status).toBe(400);
    expect(answer.json.__type).toBe('InvalidSignatureException');
    expect(next.status).toBe(200);
  });

  it('refuses a signed x-amz-content-sha256 that is not the hash of the body it came with, and takes the true one', async () => {
    const body = '{}';
    const wrong = await signedHeaders('DescribeRepositories', body, CREDENTIALS, { 'x-amz-content-sha256': '0'.repeat(64) });
    const right = await signedHeaders('DescribeRepositories', body, CREDENTIALS, { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') });

    const refused = await post(wrong, body);
    const taken = await post(right, body);

    expect(refused.status).toBe(400);
    expect(refused.json.__type).toBe('InvalidSignatureException');
    expect(taken.status).toBe(200);
  });
});
