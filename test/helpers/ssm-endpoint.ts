/**
 * A minimal SSM Parameter Store endpoint (AWS JSON 1.1, `AmazonSSM.GetParameter` only) on loopback, for the
 * one AWS service the deployed code calls that the embedded stack has no server for. It checks each call's
 * SigV4 signature (service ssm) with the registry's own verifier and records the calls.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../shared/protocol/sigv4.ts';

export type SsmCall = { target: string; input: Record<string, unknown> };
export type SsmEndpoint = { endpoint: string; calls: SsmCall[]; close(): Promise<void> };

/** Serves `parameters` (name → SecureString value) to callers signing with `credentials`. */
export async function startSsmEndpoint(
  parameters: Record<string, string>,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<SsmEndpoint> {
  const calls: SsmCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(value));
    };
    try {
      await verifySigV4({ method: req.method ?? 'POST', path: req.url ?? '/', query: {}, headers, body }, 'ssm', (id) =>
        id === credentials.accessKeyId ? credentials.secretAccessKey : undefined,
      );
    } catch (e) {
      return reply(400, { __type: (e as Error).name, message: (e as Error).message });
    }
    const input = JSON.parse(body.toString('utf8') || '{}');
    calls.push({ target: headers['x-amz-target'], input });
    if (headers['x-amz-target'] !== 'AmazonSSM.GetParameter') return reply(400, { __type: 'UnknownOperationException' });
    const value = parameters[input.Name];
    if (value === undefined) return reply(400, { __type: 'ParameterNotFound', message: '' });
    reply(200, { Parameter: { Name: input.Name, Type: 'SecureString', Value: value, Version: 1, DataType: 'text' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
