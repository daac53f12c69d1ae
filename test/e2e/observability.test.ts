/**
 * What an operator sees of a running `npm start`: one JSON log line per request carrying the request id the
 * response carried, and nothing secret; LOG_LEVEL; a start and an end line per job run; GET /metrics.
 * The registry runs as a real process; its stdout is what is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  waitUntilLifecyclePolicyPreviewComplete,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { ecrClient } from '../helpers/registry.ts';
import { startNpm, type Started } from '../helpers/process.ts';

const KEY = { accessKeyId: 'AKIDLOGTEST', secretAccessKey: `secret-${randomBytes(12).toString('hex')}` };
const POLICY = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
});

let registry: Started;
let ecr: ECRClient;
let dataDir: string;
let token: string;

type Line = Record<string, any>;
/** The JSON lines of the registry's output so far. */
const logLines = (): Line[] =>
  registry
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
const requestLine = (requestId: string) => logLines().find((l) => l.msg === 'request' && l.requestId === requestId);

async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out; output:\n${registry.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'secr-obs-'));
  registry = await startNpm(['--port', '0', '--data-dir', dataDir], {
    LOG_LEVEL: 'info',
    REGISTRY_ACCESS_KEY_ID: KEY.accessKeyId,
    REGISTRY_SECRET_ACCESS_KEY: KEY.secretAccessKey,
  });
  ecr = ecrClient(registry.endpoint, KEY);
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  if (registry?.child.exitCode === null) {
    registry.child.kill('SIGTERM');
    await registry.exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the request log of a running registry', () => {
  it('writes one JSON line per ECR call with the request id the response carried, the operation, repository, principal, status, latency and sizes', async () => {
    const out = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'logs/app' }));
    const line = await until(() => requestLine(out.$metadata.requestId!));
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      protocol: 'ecr',
      operation: 'CreateRepository',
      repository: 'logs/app',
      principal: KEY.accessKeyId,
      status: 200,
    });
    expect(new Date(line.time).toISOString()).toBe(line.time);
    expect(line.latencyMs).toBeGreaterThan(0);
    expect(line.bytesIn).toBe(JSON.stringify({ repositoryName: 'logs/app' }).length);
    expect(line.bytesOut).toBeGreaterThan(50);
    expect(logLines().filter((l) => l.requestId === out.$metadata.requestId)).toHaveLength(1);
  });

  it('names the wire error type of a refused call, and its request id is the one the SDK saw', async () => {
    const error = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['logs/missing'] })).catch((e) => e);
    expect(error.name).toBe('RepositoryNotFoundException');
    const line = await until(() => requestLine(error.$metadata.requestId));
    expect(line).toMatchObject({ operation: 'DescribeRepositories', status: 400, errorType: 'RepositoryNotFoundException', principal: KEY.accessKeyId });
  });

  it('writes one line per OCI request, with the request id of its response header, the route and repository, and the principal of the token', async () => {
    const auth = await ecr.send(new GetAuthorizationTokenCommand({}));
    token = auth.authorizationData![0].authorizationToken!;
    const response = await fetch(`${registry.endpoint}/v2/logs/app/manifests/latest`, { headers: { authorization: `Basic ${token}` } });
    expect(response.status).toBe(404);
    const requestId = response.headers.get('x-amzn-requestid')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const line = await until(() => requestLine(requestId));
    expect(line).toMatchObject({
      protocol: 'oci',
      method: 'GET',
      route: 'GET /v2/<name>/manifests/<reference>',
      repository: 'logs/app',
      principal: KEY.accessKeyId,
      status: 404,
      errorType: 'MANIFEST_UNKNOWN',
      bytesIn: 0,
    });
    expect(line.bytesOut).toBe(Number(response.headers.get('content-length')));
  });

  it('logs a start and an end line, with counts, for a job run', async () => {
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'logs/app', lifecyclePolicyText: POLICY }));
    await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'logs/app' }));
    await waitUntilLifecyclePolicyPreviewComplete({ client: ecr, maxWaitTime: 30 }, { repositoryName: 'logs/app' });
    const end = await until(() => logLines().find((l) => l.msg === 'job finished' && l.machine === 'lifecycle-preview'));
    const start = logLines().find((l) => l.msg === 'job started' && l.executionArn === end.executionArn);
    expect(start).toMatchObject({ level: 'info', machine: 'lifecycle-preview' });
    expect(end).toMatchObject({ level: 'info', outcome: 'SUCCEEDED' });
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('never writes the secret key, the authorization token, a signature or an Authorization header', () => {
    const output = registry.output();
    expect(output).not.toContain(KEY.secretAccessKey);
    expect(output).not.toContain(token);
    expect(output).not.toContain(Buffer.from(token, 'base64').toString('utf8').split(':')[1]);
    expect(output).not.toMatch(/Signature=|AWS4-HMAC-SHA256|Basic [A-Za-z0-9+/=]{20,}/);
    expect(output.toLowerCase()).not.toContain('"authorization"');
  });
});

describe('GET /metrics of a running registry', () => {
  it('answers Prometheus text with requests by operation and status, latency, bytes and job runs by outcome', async () => {
    const response = await fetch(`${registry.endpoint}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^secr_requests_total\{protocol="ecr",operation="CreateRepository",status="200"\} 1$/m);
    expect(text).toMatch(/^secr_requests_total\{protocol="ecr",operation="DescribeRepositories",status="400"\} 1$/m);
    expect(text).toMatch(/^secr_requests_total\{protocol="oci",operation="GET \/v2\/<name>\/manifests\/<reference>",status="404"\} 1$/m);
    expect(text).toMatch(/^secr_request_duration_seconds_bucket\{le="\+Inf",protocol="ecr",operation="CreateRepository"\} 1$/m);
    expect(text).toMatch(/^secr_request_bytes_in_total\{protocol="ecr",operation="CreateRepository"\} \d+$/m);
    expect(text).toMatch(/^secr_request_bytes_out_total\{protocol="ecr",operation="CreateRepository"\} \d{2,}$/m);
    expect(text).toMatch(/^secr_job_runs_total\{machine="lifecycle-preview",outcome="SUCCEEDED"\} 1$/m);
    expect(text).toMatch(/^secr_process_resident_memory_bytes \d+$/m);
  });
});

describe('the request log of refused and broken OCI requests', () => {
  it('names the OCI error code of a refused HEAD, whose answer has no body', async () => {
    const response = await fetch(`${registry.endpoint}/v2/logs/app/manifests/missing`, { method: 'HEAD', headers: { authorization: `Basic ${token}` } });
    expect(response.status).toBe(404);
    const line = await until(() => requestLine(response.headers.get('x-amzn-requestid')!));
    expect(line).toMatchObject({ method: 'HEAD', status: 404, errorType: 'MANIFEST_UNKNOWN', bytesOut: 0 });
  });

  it('logs a PATCH whose client hung up mid-body as BLOB_UPLOAD_INVALID, not as an internal error', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'logs/aborted' }));
    const started = await fetch(`${registry.endpoint}/v2/logs/aborted/blobs/uploads/`, { method: 'POST', headers: { authorization: `Basic ${token}` } });
    expect(started.status).toBe(202);
    const location = new URL(started.headers.get('location')!, registry.endpoint);
    await new Promise<void>((resolve) => {
      const req = request(location, {
        method: 'PATCH',
        headers: { authorization: `Basic ${token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      });
      req.on('error', () => resolve());
      req.write(randomBytes(64 * 1024), () => setTimeout(() => req.destroy(), 100));
    });
    const line = await until(() => logLines().find((l) => l.msg === 'request' && l.method === 'PATCH' && l.repository === 'logs/aborted'));
    expect(line, JSON.stringify(line)).toMatchObject({ route: 'PATCH /v2/<name>/blobs/uploads/<reference>', status: 400, errorType: 'BLOB_UPLOAD_INVALID' });
    expect(registry.output()).not.toContain('unexpected error');
  });
});

describe('LOG_LEVEL', () => {
  it('at warn keeps the start and stop lines and drops the request lines', async () => {
    const quietDir = mkdtempSync(join(tmpdir(), 'secr-obs-'));
    try {
      const quiet = await startNpm(['--port', '0', '--data-dir', quietDir], { LOG_LEVEL: 'warn' });
      expect((await fetch(`${quiet.endpoint}/health`)).status).toBe(200);
      const client = ecrClient(quiet.endpoint);
      await client.send(new DescribeRepositoriesCommand({}));
      client.destroy();
      quiet.child.kill('SIGTERM');
      expect((await quiet.exited).code).toBe(0);
      const messages = quiet
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l).msg as string);
      expect(messages.filter((m) => m === 'request')).toEqual([]);
      expect(messages.some((m) => m.startsWith('serverless-ecr listening on'))).toBe(true);
      expect(messages).toContain('serverless-ecr stopped (SIGTERM)');
    } finally {
      rmSync(quietDir, { recursive: true, force: true });
    }
  });
});
