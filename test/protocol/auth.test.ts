/**
 * Authentication on the ECR JSON API: GetAuthorizationToken through the real SDK, and SigV4 refusals
 * and protocol errors as AWS answers them, checked both through the SDK and on the raw wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import { CREDENTIALS, ecrClient, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TWELVE_HOURS = 12 * 3600 * 1000;

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.destroy();
});

type Raw = { status: number; headers: Headers; text: string; json: any };

/** POST / with an X-Amz-Target, signed with the SDK's own signer unless `sign` is false. */
async function rawCall(target: string, body: string, options: { sign?: boolean; signingDate?: Date; region?: string; unsigned?: string[] } = {}): Promise<Raw> {
  const url = new URL(registry.endpoint);
  const headers: Record<string, string> = { host: url.host, 'content-type': CONTENT_TYPE, 'x-amz-target': target };
  let sent = headers;
  if (options.sign !== false) {
    const signer = new SignatureV4({ service: 'ecr', region: options.region ?? 'us-east-1', credentials: CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
    const request = new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', headers, body });
    sent = (await signer.sign(request, { signingDate: options.signingDate ?? new Date(), unsignableHeaders: new Set(options.unsigned ?? []) })).headers;
  }
  // fetch sets Host itself (to the same value that was signed).
  const { host: _host, ...fetchHeaders } = sent;
  const response = await fetch(registry.endpoint + '/', { method: 'POST', headers: fetchHeaders, body });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A wire error: HTTP 400 and a JSON body with exactly __type and message. */
function expectWireError(raw: Raw, type: string) {
  expect(raw.status).toBe(400);
  expect(raw.headers.get('content-type')).toBe(CONTENT_TYPE);
  expect(raw.json).toEqual({ __type: type, message: expect.any(String) });
}

describe('GetAuthorizationToken', () => {
  it('returns base64 of AWS:<token> valid for 12 hours with the loopback proxy endpoint', async () => {
    const out = await registry.ecr.send(new GetAuthorizationTokenCommand({}));
    expect(out.authorizationData).toHaveLength(1);
    const [data] = out.authorizationData!;
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    expect(decoded).toMatch(/^AWS:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(data.expiresAt).toBeInstanceOf(Date);
    expect(Math.abs(data.expiresAt!.getTime() - (Date.now() + TWELVE_HOURS))).toBeLessThan(60_000);
    expect(data.proxyEndpoint).toBe(`http://127.0.0.1:${registry.port}`);
  });

  it('accepts its own registry id and refuses another with InvalidParameterException', async () => {
    const own = await registry.ecr.send(new GetAuthorizationTokenCommand({ registryIds: ['000000000000'] }));
    expect(own.authorizationData).toHaveLength(1);
    const error = await rejection(registry.ecr.send(new GetAuthorizationTokenCommand({ registryIds: ['111122223333'] })));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('sends expiresAt as epoch seconds in the raw JSON', async () => {
    const raw = await rawCall(TARGET + 'GetAuthorizationToken', '{}');
    expect(raw.status).toBe(200);
    const expiresAt = raw.json.authorizationData[0].expiresAt;
    expect(typeof expiresAt).toBe('number');
    expect(Math.abs(expiresAt * 1000 - (Date.now() + TWELVE_HOURS))).toBeLessThan(60_000);
  });
});

describe('request signing', () => {
  it('refuses a wrong secret key with InvalidSignatureException', async () => {
    const client = ecrClient(registry.endpoint, { accessKeyId: 'test', secretAccessKey: 'wrong' });
    const error = await rejection(client.send(new DescribeRepositoriesCommand({})));
    client.destroy();
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    const client = ecrClient(registry.endpoint, { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'test' });
    const error = await rejection(client.send(new DescribeRepositoriesCommand({})));
    client.destroy();
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.message).toBe('The security token included in the request is invalid.');
  });

  it('answers a request without an Authorization header with MissingAuthenticationTokenException', async () => {
    const raw = await rawCall(TARGET + 'DescribeRepositories', '{}', { sign: false });
    expectWireError(raw, 'MissingAuthenticationTokenException');
  });

  it('refuses a signature more than 15 minutes old as expired', async () => {
    const raw = await rawCall(TARGET + 'DescribeRepositories', '{}', { signingDate: new Date(Date.now() - 20 * 60 * 1000) });
    expectWireError(raw, 'InvalidSignatureException');
    expect(raw.json.message).toContain('Signature expired');
  });

  it('refuses an SDK client whose clock is 20 minutes behind', async () => {
    const client = new ECRClient({
      endpoint: registry.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
      systemClockOffset: -20 * 60 * 1000,
    });
    const error = await rejection(client.send(new DescribeRepositoriesCommand({})));
    client.destroy();
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toContain('Signature expired');
  });

  it('accepts a signature a few minutes old', async () => {
    const raw = await rawCall(TARGET + 'DescribeRepositories', '{}', { signingDate: new Date(Date.now() - 5 * 60 * 1000) });
    expect(raw.status).toBe(200);
  });
});

describe('protocol errors on a correctly signed request', () => {
  it('answers an unknown X-Amz-Target with UnknownOperationException', async () => {
    expectWireError(await rawCall(TARGET + 'FlyToTheMoon', '{}'), 'UnknownOperationException');
    expectWireError(await rawCall('SomeOtherService.DescribeRepositories', '{}'), 'UnknownOperationException');
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    expectWireError(await rawCall(TARGET + 'DescribeRepositories', '{this is not json'), 'SerializationException');
  });

  it('answers a JSON body that is not an object with SerializationException', async () => {
    expectWireError(await rawCall(TARGET + 'DescribeRepositories', '[1,2]'), 'SerializationException');
  });

  it('names the error type in the body and in x-amzn-errortype, with a request id', async () => {
    const raw = await rawCall(TARGET + 'DescribeRepositories', JSON.stringify({ repositoryNames: ['auth/missing'] }));
    expectWireError(raw, 'RepositoryNotFoundException');
    expect(raw.headers.get('x-amzn-errortype')).toBe('RepositoryNotFoundException');
    expect(raw.headers.get('x-amzn-requestid')).toBeTruthy();
  });
});

describe('the wire format of a success', () => {
  it('writes createdAt as epoch seconds, a JSON number', async () => {
    const before = Date.now() / 1000;
    const raw = await rawCall(TARGET + 'CreateRepository', JSON.stringify({ repositoryName: 'auth/raw' }));
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe(CONTENT_TYPE);
    const createdAt = raw.json.repository.createdAt;
    expect(typeof createdAt).toBe('number');
    expect(createdAt).toBeGreaterThan(before - 60);
    expect(createdAt).toBeLessThan(before + 60);
    expect(raw.text).toMatch(/"createdAt":\d+(\.\d+)?[,}]/);
  });
});

describe('SigV4 as strict as AWS', () => {
  it('refuses a signature scoped to another region with InvalidSignatureException', async () => {
    const raw = await rawCall(`${TARGET}DescribeRepositories`, '{}', { region: 'eu-west-1' });
    expectWireError(raw, 'InvalidSignatureException');
    expect(raw.json.message).toBe('Credential should be scoped to a valid region. ');
  });

  it('refuses a signature that leaves the X-Amz-Target header unsigned', async () => {
    const raw = await rawCall(`${TARGET}DescribeRepositories`, '{}', { unsigned: ['x-amz-target'] });
    expectWireError(raw, 'InvalidSignatureException');
    expect(raw.json.message).toBe("'x-amz-target' must be a 'SignedHeader' in the AWS Authorization.");
  });
});
