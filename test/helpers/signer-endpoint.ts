/**
 * A fake AWS Signer on loopback for the one call the registry makes in AWS, SignPayload (`POST
 * /signing-jobs/with-payload`, REST-JSON): it checks every call's SigV4 signature (signing name `signer`) with the
 * registry's own verifier, records the calls, and answers what the test's `answer` says (a signature, or an error
 * with its `x-amzn-errortype`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../shared/protocol/sigv4.ts';

export type SignerCall = { path: string; region: string; input: Record<string, any> };
export type SignerReply = { status: number; body: unknown; errorType?: string };
export type SignerEndpoint = { endpoint: string; calls: SignerCall[]; close(): Promise<void> };

/** Serves SignPayload to callers signing with `credentials`. */
export async function startSignerEndpoint(
  credentials: { accessKeyId: string; secretAccessKey: string },
  answer: (input: Record<string, any>) => SignerReply | Promise<SignerReply>,
): Promise<SignerEndpoint> {
  const calls: SignerCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
    const reply = ({ status, body, errorType }: SignerReply) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      res.end(JSON.stringify(body));
    };
    try {
      await verifySigV4({ method: req.method ?? 'POST', path: req.url ?? '/', query: {}, headers, body }, 'signer', (id) =>
        id === credentials.accessKeyId ? credentials.secretAccessKey : undefined,
      );
    } catch (e) {
      return reply({ status: 403, body: { message: (e as Error).message }, errorType: 'InvalidSignatureException' });
    }
    const input = JSON.parse(body.toString('utf8') || '{}');
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/signer\//.exec(headers.authorization ?? '')?.[1] ?? '';
    calls.push({ path: req.url ?? '', region, input });
    if (req.method !== 'POST' || req.url !== '/signing-jobs/with-payload')
      return reply({ status: 404, body: { message: 'no route' }, errorType: 'NotFoundException' });
    reply(await answer(input));
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
