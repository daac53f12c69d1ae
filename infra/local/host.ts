/**
 * The local HTTP host: one node:http server that turns each request into the same API Gateway v2 event the
 * Lambdas receive and dispatches it through the routing table to the same group handlers.
 * GET or HEAD /health answers 200 once the registry is ready; GET / from a browser (Accept: text/html) a short index
 * (infra/local/pages.ts); any other request to / that is not an ECR call gets the JSON error ECR's endpoint gives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Deps } from '../../shared/deps.ts';
import type { HttpEvent, HttpResult } from '../../shared/protocol/http.ts';
import { ecrHandler, errorResult } from '../../shared/protocol/ecr-handler.ts';
import { MissingAuthenticationTokenException, SerializationException, UnknownOperationException } from '../../shared/errors.ts';
import { groupForTarget, type Group } from '../routing.ts';
import { groupHandlers, ociHandlers, type Handler } from './handlers.ts';
import type { OciRequest, OciResponse } from '../../shared/oci/http.ts';
import { sideOf } from '../../shared/oci/dispatch.ts';
import { localPage } from './pages.ts';
import { ociErrorType, recordOci } from '../../shared/oci/access-log.ts';
import { logger } from '../../shared/observe/logger.ts';
import { recordRequest, since } from '../../shared/observe/requests.ts';
import { startMetrics, type Metrics } from './metrics.ts';
import { cachedInventory } from './inventory.ts';

/** The largest ECR JSON request accepted: a 20 MiB layer part, base64-encoded, with room to spare. */
export const MAX_JSON_BODY = 32 * 1024 * 1024;

export type Host = {
  server: Server;
  port: number;
  /** Stops accepting connections, lets requests in flight finish for up to `graceMs` (0: cut them), closes. */
  close(graceMs?: number): Promise<void>;
};

/** Starts the host on `hostname:port` (port 0 picks a free one). */
export async function startHost(deps: Deps, hostname: string, port: number): Promise<Host> {
  const handlers = groupHandlers(() => deps);
  // No operation: every call is refused as unsupported before validation.
  const unsupported = ecrHandler({}, { operations: {}, shapes: {} }, () => deps);
  const oci = ociHandlers(() => deps);
  const metrics = startMetrics(cachedInventory(deps));
  const server = createServer((req, res) => {
    // The registry's own clock, as AWS sends its own: SDKs correct their clock skew from this header.
    res.setHeader('date', deps.now().toUTCString());
    const served = (req.url ?? '').startsWith('/v2') ? serveOci(req, res, oci, deps) : serve(req, res, handlers, unsupported, metrics);
    served.catch((e) => {
      logger.error({ err: e, method: req.method, path: (req.url ?? '').split('?')[0] }, 'host error');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async (graceMs = 0) => {
      await closeGracefully(server, graceMs);
      metrics.close();
    },
  };
}

function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    // Keep-alive connections become idle as their last response ends: close them as they do.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    if (graceMs <= 0) server.closeAllConnections();
    else server.closeIdleConnections();
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, handlers: Partial<Record<Group, Handler>>, unsupported: Handler, metrics: Metrics) {
  const start = performance.now();
  const url = new URL(req.url ?? '/', 'http://local');
  // The host's own answers get a log line here; the ECR handlers log theirs (shared/protocol/access-log.ts).
  const own = (result: HttpResult, requestId = randomUUID()) => {
    result.headers = { 'x-amzn-requestid': requestId, ...result.headers };
    send(res, result);
    const quiet = url.pathname === '/health' || url.pathname === '/metrics';
    recordRequest(
      {
        requestId,
        protocol: 'host',
        route: `${req.method} ${result.statusCode === 404 ? '<unknown>' : url.pathname}`,
        method: req.method,
        status: result.statusCode,
        errorType: result.headers?.['x-amzn-errortype'] as string | undefined,
        latencyMs: since(start),
        bytesIn: Number(req.headers['content-length'] ?? 0),
        bytesOut: Buffer.byteLength(result.body ?? ''),
      },
      quiet ? 'debug' : 'info',
    );
  };
  if (req.method === 'GET' && url.pathname === '/metrics') return own(await metrics.page(req.socket.remoteAddress));
  const page = localPage(req.method ?? 'GET', url.pathname, header(req, 'accept') ?? '', `http://${header(req, 'host') ?? 'localhost'}`);
  if (page) return own(page);
  if (req.method === 'POST' && url.pathname === '/') {
    const requestId = randomUUID();
    // Too large: answered as soon as it is known (before reading, when Content-Length says so) and the connection
    // closed, so a client that writes its whole body before reading hears the answer instead of hanging.
    const tooLarge = () => {
      const result = errorResult(new SerializationException(`Request body is larger than ${MAX_JSON_BODY} bytes.`), requestId);
      closeAfter(req, res);
      return own({ ...result, statusCode: 413, headers: { ...result.headers, connection: 'close' } }, requestId);
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_JSON_BODY) return tooLarge();
    const body = await readBody(req, MAX_JSON_BODY);
    if (!body) return tooLarge();
    const route = groupForTarget(header(req, 'x-amz-target'));
    const handler = (route && handlers[route.group]) ?? unsupported;
    const event = toEvent(req, url, body, requestId);
    return send(res, await handler(event, { awsRequestId: requestId, getRemainingTimeInMillis: () => 900_000 }));
  }
  // Not an ECR call: the JSON error ECR's endpoint gives, with its __type (unsigned: no token; signed: no such operation).
  const requestId = randomUUID();
  const error = req.headers.authorization
    ? new UnknownOperationException(`${req.method} ${url.pathname} is not an operation of this endpoint`)
    : new MissingAuthenticationTokenException('Missing Authentication Token');
  req.resume();
  return own(errorResult(error, requestId), requestId);
}

/** Ends the connection once the response is written, whatever of the request body is still arriving. */
function closeAfter(req: IncomingMessage, res: ServerResponse) {
  res.shouldKeepAlive = false;
  res.once('finish', () => req.socket.destroySoon());
}

/** OCI requests stream: the request body goes to the handler as a stream, a blob body back as one. */
async function serveOci(req: IncomingMessage, res: ServerResponse, oci: Record<'pull' | 'push', (r: OciRequest) => Promise<OciResponse>>, deps: Deps) {
  const start = performance.now();
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const method = req.method ?? 'GET';
  const requestId = randomUUID();
  const bytesIn = counter();
  pipeline(req, bytesIn).catch(() => {
    /* the handler sees the aborted body as an error of its own */
  });
  let status = 500;
  let errorType: string | undefined;
  let bytesOut = 0;
  try {
    const response = await oci[sideOf(method)]({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: bytesIn,
      requestId,
      sourceIp: req.socket.remoteAddress,
    });
    status = response.status;
    if (response.headers?.connection === 'close') closeAfter(req, res);
    res.writeHead(response.status, response.headers);
    if (!response.body) return void res.end();
    if (Buffer.isBuffer(response.body)) {
      errorType = ociErrorType(status, response.body);
      bytesOut = method === 'HEAD' ? 0 : response.body.length;
      return void res.end(response.body);
    }
    const out = counter();
    try {
      await pipeline(response.body, out, res);
    } finally {
      bytesOut = out.bytes;
    }
  } finally {
    recordOci({
      deps,
      method,
      path: url.pathname,
      authorization: headers.authorization,
      requestId,
      start,
      status,
      errorType,
      bytesIn: bytesIn.bytes,
      bytesOut,
    });
  }
}

/** A pass-through stream that counts the bytes crossing it. */
function counter(): Transform & { bytes: number } {
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      stream.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  stream.bytes = 0;
  return stream;
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
    rawBody: body,
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
