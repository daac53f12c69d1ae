/**
 * The local HTTP host: one node:http server that turns each request into the same API Gateway v2 event the
 * Lambdas receive and dispatches it through the routing table to the same group handlers.
 * GET /health answers 200 once the registry is ready.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../../shared/deps.ts';
import type { HttpEvent, HttpResult } from '../../shared/protocol/http.ts';
import { ecrHandler, errorResult } from '../../shared/protocol/ecr-handler.ts';
import { SerializationException } from '../../shared/errors.ts';
import { groupForTarget, type Group } from '../routing.ts';
import { groupHandlers, ociHandlers, type Handler } from './handlers.ts';
import type { OciRequest, OciResponse } from '../../shared/oci/http.ts';
import { sideOf } from '../../shared/oci/dispatch.ts';

/** The largest ECR JSON request accepted: a 20 MiB layer part, base64-encoded, with room to spare. */
export const MAX_JSON_BODY = 32 * 1024 * 1024;

export type Host = { server: Server; port: number; close(): Promise<void> };

/** Starts the host on `hostname:port` (port 0 picks a free one). */
export async function startHost(deps: Deps, hostname: string, port: number): Promise<Host> {
  const handlers = groupHandlers(() => deps);
  const unsupported = ecrHandler({}, () => deps);
  const oci = ociHandlers(() => deps);
  const server = createServer((req, res) => {
    // The registry's own clock, as AWS sends its own: SDKs correct their clock skew from this header.
    res.setHeader('date', deps.now().toUTCString());
    const served = (req.url ?? '').startsWith('/v2') ? serveOci(req, res, oci) : serve(req, res, handlers, unsupported);
    served.catch((e) => {
      console.error('host error', e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, hostname, () => resolve()); });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handlers: Partial<Record<Group, Handler>>, unsupported: Handler) {
  const url = new URL(req.url ?? '/', 'http://local');
  if (req.method === 'GET' && url.pathname === '/health') return send(res, { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' });
  if (req.method === 'POST' && url.pathname === '/') {
    const requestId = randomUUID();
    const body = await readBody(req, MAX_JSON_BODY);
    if (!body) return send(res, errorResult(new SerializationException(`Request body is larger than ${MAX_JSON_BODY} bytes.`), requestId));
    const route = groupForTarget(header(req, 'x-amz-target'));
    const handler = (route && handlers[route.group]) ?? unsupported;
    const event = toEvent(req, url, body, requestId);
    return send(res, await handler(event, { awsRequestId: requestId, getRemainingTimeInMillis: () => 900_000 }));
  }
  return send(res, { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' });
}

/** OCI requests stream: the request body goes to the handler as a stream, a blob body back as one. */
async function serveOci(req: IncomingMessage, res: ServerResponse, oci: Record<'pull' | 'push', (r: OciRequest) => Promise<OciResponse>>) {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const method = req.method ?? 'GET';
  const response = await oci[sideOf(method)]({ method, path: url.pathname, query: url.searchParams, headers, body: req, requestId: randomUUID() });
  res.writeHead(response.status, response.headers);
  if (!response.body) return void res.end();
  if (Buffer.isBuffer(response.body)) return void res.end(response.body);
  await pipeline(response.body, res);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function toEvent(req: IncomingMessage, url: URL, body: Buffer, requestId: string): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  return {
    version: '2.0',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    body: body.toString('base64'),
    isBase64Encoded: true,
    requestContext: { http: { method: req.method ?? 'GET', path: url.pathname, sourceIp: req.socket.remoteAddress }, requestId },
  };
}

/** The whole body, or undefined once it grows past `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, result: HttpResult) {
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode, { ...result.headers, ...(body ? { 'content-length': String(body.length) } : {}) });
  res.end(body);
}
