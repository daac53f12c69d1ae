/**
 * The one signed AWS JSON call the deployed code makes (shared/secrets/aws-json.ts) against loopback servers that
 * misbehave: a service that never answers, or stops halfway through its answer, ends the call with a clear error
 * within its timeout, so a principals refresh that lost its connection never stands in the way of the next one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callAwsJson } from '../../shared/secrets/aws-json.ts';

const ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret' };
let server: Server | undefined;

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const call = (endpoint: string) =>
  callAwsJson(ENV, { service: 'ssm', target: 'AmazonSSM.GetParameter', input: { Name: '/x' }, endpoint, what: 'SSM parameter /x', timeoutMs: 300 });

describe('a signed AWS JSON call', () => {
  it('fails with a clear message when the service never answers', async () => {
    const endpoint = await serve(() => {
      /* holds the request open */
    });
    await expect(call(endpoint)).rejects.toThrow('SSM parameter /x could not be read: no answer within 300 ms');
  });

  it('fails the same way when the answer stops halfway', async () => {
    const endpoint = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.write('{"Parameter": {"Value": "par');
    });
    await expect(call(endpoint)).rejects.toThrow('no answer within 300 ms');
  });

  it("returns the service's answer and names its refusal by its __type", async () => {
    let answer = { status: 200, body: { Parameter: { Value: 'v' } } as unknown };
    const endpoint = await serve((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer.body));
    });
    expect(await call(endpoint)).toEqual({ Parameter: { Value: 'v' } });
    answer = { status: 400, body: { __type: 'ParameterNotFound', message: 'no such parameter' } };
    await expect(call(endpoint)).rejects.toMatchObject({
      name: 'ParameterNotFound',
      message: 'SSM parameter /x could not be read: ParameterNotFound: no such parameter',
    });
  });
});
