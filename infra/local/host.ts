/**
 * The local HTTP host: one node:http server that turns each request into the same API Gateway v2 event the
 * Lambdas receive and dispatches it through the routing table to the same group handlers.
 * GET or HEAD /health answers 200 once the registry is ready; GET / from a browser (Accept: text/html) the web console
 * and GET /console/assets/* its files (infra/local/pages.ts, console.ts); any other request to / that is not an ECR
 * call gets the JSON error ECR's endpoint gives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Deps } from '../../shared/deps.ts';
import type { HttpEvent, HttpResult } from '../../shared/protocol/http.ts';
import { ecrHandler, ecrSignatureCheck, errorResult, payloadHashes } from '../../shared/protocol/ecr-handler.ts';
import { eventQuery } from '../../shared/protocol/http.ts';
import type { SignatureCheck } from '../../shared/protocol/sigv4.ts';
import { spoolBody } from './body.ts';
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
import { serveSignedBlob, type SignedBlobSource } from './signed-blobs.ts';
import { SIGNED_BLOB_PREFIX } from '../../shared/store/fs/signed-urls.ts';

/**
 * The largest ECR JSON request accepted. The largest legitimate one is UploadLayerPart with ECR's largest part,
 * 20 MiB (20,971,520 bytes, MAX_LAYER_PART_SIZE), base64-encoded in JSON: 27,962,028 bytes plus a few hundred of
 * names and numbers. 28 MiB takes that with over a megabyte to spare, and nothing much larger.
 */
export const MAX_JSON_BODY = 28 * 1024 * 1024;
/** How much of a body not yet known to be signed is kept in memory; the rest waits in a temporary file. */
export const BODY_IN_MEMORY = 1024 * 1024;
/** A refused request's body up to this size is read and dropped, so the connection stays open; past it, the connection is closed. */
const DRAINED_BODY = 64 * 1024;

export type Host = {
  server: Server;
  port: number;
  /** Stops accepting connections, lets requests in flight finish for up to `graceMs` (0: cut them), closes. */
  close(graceMs?: number): Promise<void>;
};

/** Each connection's readable and writable high-water mark. */
const SOCKET_BUFFER_BYTES = 1024 * 1024;

export type HostOptions = {
  /** A PEM certificate chain and key: the port speaks HTTPS (TLS_CERT_FILE, TLS_KEY_FILE). */
  tls?: { cert: Buffer; key: Buffer };
  /** Where the signed download URLs of the local blob store are checked and read (`/_blobs/...`). */
  signedBlobs?: SignedBlobSource;
};

/** Starts the host on `hostname:port` (port 0 picks a free one), the one port the local registry opens. */
export async function startHost(deps: Deps, hostname: string, port: number, options: HostOptions = {}): Promise<Host> {
  const handlers = groupHandlers(() => deps);
  // No operation: every call is refused as unsupported before validation.
  const unsupported = ecrHandler({}, { operations: {}, shapes: {} }, () => deps);
  const oci = ociHandlers(() => deps);
  const metrics = startMetrics(cachedInventory(deps));
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    // The registry's own clock, as AWS sends its own: SDKs correct their clock skew from this header.
    res.setHeader('date', deps.now().toUTCString());
    // The scheme the client really used, whatever it claims: secure-transport conditions and URLs follow it.
    req.headers['x-forwarded-proto'] = options.tls ? 'https' : 'http';
    const path = req.url ?? '';
    const served = path.startsWith('/v2')
      ? serveOci(req, res, oci, deps)
      : options.signedBlobs && path.startsWith(SIGNED_BLOB_PREFIX)
        ? serveBlobUrl(req, res, options.signedBlobs)
        : serve(req, res, deps, handlers, unsupported, metrics);
    served.catch((e) => {
      logger.error({ err: e, method: req.method, path: (req.url ?? '').split('?')[0] }, 'host error');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  // Deep socket buffers keep a blob's bytes flowing while the disk or the hash catches up.
  const buffers = { highWaterMark: SOCKET_BUFFER_BYTES };
  const server: Server = options.tls
    ? createTlsServer({ ...buffers, cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer(buffers, listener);
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

async function serve(req: IncomingMessage, res: ServerResponse, deps: Deps, handlers: Partial<Record<Group, Handler>>, unsupported: Handler, metrics: Metrics) {
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
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > MAX_JSON_BODY) return tooLarge();
    const headers = requestHeaders(req);
    // Authenticated before the body is read: a request refused on its Authorization header, scope, key, date or
    // signed headers is answered at once. A small body is drained; past that the connection is closed instead.
    const refused = (error: unknown) => {
      const result = errorResult(error, requestId);
      if (declared <= DRAINED_BODY) return own(result, requestId);
      closeAfter(req, res);
      return own({ ...result, headers: { ...result.headers, connection: 'close' } }, requestId);
    };
    let check: SignatureCheck;
    try {
      check = ecrSignatureCheck(deps, deps.principals.directory(), 'POST', eventQuery({ rawQueryString: url.search.slice(1) } as HttpEvent), headers);
    } catch (e) {
      return refused(e);
    }
    // Hashed as it streams in, kept in memory only up to BODY_IN_MEMORY until the signature over it is good.
    const body = await spoolBody(req, MAX_JSON_BODY, BODY_IN_MEMORY);
    if (!body) return tooLarge();
    try {
      await check.verify(body.sha256);
    } catch (e) {
      await body.discard();
      return own(errorResult(e, requestId), requestId);
    }
    const route = groupForTarget(headers['x-amz-target']);
    const handler = (route && handlers[route.group]) ?? unsupported;
    const event = toEvent(req, url, headers, await body.bytes(), requestId);
    payloadHashes.set(event, body.sha256);
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

/** A signed download URL of the local blob store, with its access log line. */
async function serveBlobUrl(req: IncomingMessage, res: ServerResponse, source: SignedBlobSource) {
  const start = performance.now();
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'http://local');
  const status = await serveSignedBlob(req, res, url, source, requestId);
  recordRequest({
    requestId,
    protocol: 'host',
    route: `${req.method} ${SIGNED_BLOB_PREFIX}<object>`,
    method: req.method,
    status,
    latencyMs: since(start),
    bytesIn: 0,
    bytesOut: Number(res.getHeader('content-length') ?? 0),
  });
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
  const headers = requestHeaders(req);
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
    errorType = response.errorCode;
    if (response.headers?.connection === 'close') closeAfter(req, res);
    res.writeHead(response.status, response.headers);
    if (!response.body) return void res.end();
    if (Buffer.isBuffer(response.body)) {
      errorType ??= ociErrorType(status, response.body);
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

/**
 * A request's headers as API Gateway hands them to a Lambda: repeated headers joined by commas. Node keeps only the
 * first of repeated Authorization headers; the signature check must see them all, as AWS does.
 */
function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const authorization = req.headersDistinct.authorization;
  if (authorization && authorization.length > 1) headers.authorization = authorization.join(',');
  return headers;
}

function toEvent(req: IncomingMessage, url: URL, headers: Record<string, string>, body: Buffer, requestId: string): HttpEvent {
  return {
    version: '2.0',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    rawBody: body,
    requestContext: { http: { method: req.method ?? 'GET', path: url.pathname, sourceIp: req.socket.remoteAddress }, requestId },
  };
}

function send(res: ServerResponse, result: HttpResult) {
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode, { ...result.headers, ...(body ? { 'content-length': String(body.length) } : {}) });
  res.end(body);
}
