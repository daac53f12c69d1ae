/**
 * Minimal AWS JSON 1.1 endpoints on loopback for the AWS services the deployed code calls that the embedded stack
 * has no server for: SSM Parameter Store (`AmazonSSM.GetParameter`) and Secrets Manager
 * (`secretsmanager.GetSecretValue`). Each checks every call's SigV4 signature (for its own signing name) with the
 * registry's own verifier, answers another target with UnknownOperationException, and records the calls. The
 * values are read at each call, so a test may change them while the endpoint runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../shared/protocol/sigv4.ts';

export type SsmCall = { target: string; input: Record<string, unknown> };
export type SsmEndpoint = { endpoint: string; calls: SsmCall[]; close(): Promise<void> };
type Credentials = { accessKeyId: string; secretAccessKey: string };
type Reply = { status: number; body: unknown };

/** Serves `parameters` (name → SecureString value) to callers signing with `credentials`. */
export function startSsmEndpoint(parameters: Record<string, string>, credentials: Credentials): Promise<SsmEndpoint> {
  return startAwsJsonEndpoint('ssm', 'AmazonSSM.GetParameter', credentials, (input) => {
    const value = parameters[String(input.Name)];
    if (value === undefined) return { status: 400, body: { __type: 'ParameterNotFound', message: '' } };
    return { status: 200, body: { Parameter: { Name: input.Name, Type: 'SecureString', Value: value, Version: 1, DataType: 'text' } } };
  });
}

/** Serves `secrets` (SecretId → SecretString) to callers signing with `credentials`. */
export function startSecretsManagerEndpoint(secrets: Record<string, string>, credentials: Credentials): Promise<SsmEndpoint> {
  return startAwsJsonEndpoint('secretsmanager', 'secretsmanager.GetSecretValue', credentials, (input) => {
    const value = secrets[String(input.SecretId)];
    if (value === undefined) {
      return { status: 400, body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." } };
    }
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${input.SecretId}-AbCdEf`;
    return { status: 200, body: { ARN: arn, Name: input.SecretId, SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 0 } };
  });
}

async function startAwsJsonEndpoint(
  service: string,
  target: string,
  credentials: Credentials,
  answer: (input: Record<string, unknown>) => Reply,
): Promise<SsmEndpoint> {
  const calls: SsmCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
    const reply = ({ status, body }: Reply) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    try {
      await verifySigV4({ method: req.method ?? 'POST', path: req.url ?? '/', query: {}, headers, body }, service, (id) =>
        id === credentials.accessKeyId ? credentials.secretAccessKey : undefined,
      );
    } catch (e) {
      return reply({ status: 400, body: { __type: (e as Error).name, message: (e as Error).message } });
    }
    const input = JSON.parse(body.toString('utf8') || '{}');
    calls.push({ target: headers['x-amz-target'], input });
    if (headers['x-amz-target'] !== target) return reply({ status: 400, body: { __type: 'UnknownOperationException' } });
    reply(answer(input));
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
