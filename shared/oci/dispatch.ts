/**
 * The OCI distribution API v1.1 router: one table of routes (path pattern, methods, the kind of resource),
 * authentication before anything, and the one error boundary that writes the spec's error body.
 * The pull Lambda serves the GET/HEAD routes, the push Lambda the rest; the local host serves both.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { EcrError } from '../errors.ts';
import { authenticate } from './auth.ts';
import { deleteBlob, getBlob } from './blobs.ts';
import { checkName, type OciContext } from './context.ts';
import { fromDomainError, OciError, type RouteKind } from './errors.ts';
import { empty, json, type OciRequest, type OciResponse } from './http.ts';
import { getReferrers, listCatalog, listTags } from './listing.ts';
import { deleteManifest, getManifest, putManifest } from './manifests.ts';
import { cancelUpload, completeUpload, patchUpload, startUpload, uploadStatus } from './uploads.ts';

export type Side = 'pull' | 'push';
/** A route handler: the repository name of the path (checked) and the path's second part (a reference, digest or upload id). */
type Handler = (ctx: OciContext, name: string, arg: string) => Promise<OciResponse>;
type Route = { pattern: RegExp; kind: RouteKind; methods: Record<string, Handler> };

const named =
  (fn: Handler): Handler =>
  (ctx, name, arg) =>
    fn(ctx, checkName(name), arg);

const ROUTES: Route[] = [
  { pattern: /^\/v2\/?$/, kind: 'base', methods: { GET: async () => json(200, {}), HEAD: async () => empty(200) } },
  { pattern: /^\/v2\/_catalog$/, kind: 'listing', methods: { GET: (ctx) => listCatalog(ctx) } },
  { pattern: /^\/v2\/(.+)\/tags\/list$/, kind: 'listing', methods: { GET: named((ctx, name) => listTags(ctx, name)) } },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    kind: 'manifest',
    methods: { GET: named(getManifest), HEAD: named(getManifest), PUT: named(putManifest), DELETE: named(deleteManifest) },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, kind: 'upload', methods: { POST: named((ctx, name) => startUpload(ctx, name)) } },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    kind: 'upload',
    methods: { GET: named(uploadStatus), PATCH: named(patchUpload), PUT: named(completeUpload), DELETE: named(cancelUpload) },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, kind: 'blob', methods: { GET: named(getBlob), HEAD: named(getBlob), DELETE: named(deleteBlob) } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, kind: 'manifest', methods: { GET: named(getReferrers) } },
];

/** Which side serves a method: reads are pulls, everything else pushes. */
export const sideOf = (method: string): Side => (method === 'GET' || method === 'HEAD' ? 'pull' : 'push');

const COMMON = { 'docker-distribution-api-version': 'registry/2.0' };

/** Serves one OCI request; never throws. `side` limits the routes to one Lambda's share. */
export async function dispatchOci(deps: Deps, req: OciRequest, side?: Side): Promise<OciResponse> {
  let kind: RouteKind = 'base';
  const response = await route(deps, req, side, (k) => (kind = k)).catch((e) => {
    // Whatever the handler did not read of the body is drained, so the client's request completes.
    req.body.resume();
    return errorResponse(fromDomainError(e, kind), req);
  });
  // The request id of the access log line (shared/oci/access-log.ts) and of any error message, as ECR calls carry it.
  response.headers = { ...COMMON, 'x-amzn-requestid': req.requestId, ...response.headers };
  if (req.method === 'HEAD') delete response.body;
  return response;
}

async function route(deps: Deps, req: OciRequest, side: Side | undefined, found: (kind: RouteKind) => void): Promise<OciResponse> {
  const host = deps.config.publicHost ?? req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost';
  const actor = authenticate(deps, req.headers.authorization, {
    requestId: req.requestId,
    host,
    sourceIp: req.sourceIp,
    secureTransport: req.headers['x-forwarded-proto'] === 'https',
  });
  const method = req.method.toUpperCase();
  for (const { pattern, kind, methods } of ROUTES) {
    const m = pattern.exec(req.path);
    if (!m) continue;
    found(kind);
    const handler = methods[method];
    if (!handler || (side && sideOf(method) !== side)) {
      throw new OciError('UNSUPPORTED', `${method} is not supported on ${req.path}`, undefined, 405, { allow: Object.keys(methods).join(', ') });
    }
    return handler({ deps, actor, req }, decodePart(m[1]), decodePart(m[2]));
  }
  throw new OciError('UNSUPPORTED', `no such endpoint: ${req.path}`, undefined, 404);
}

/** A percent-decoded path part; NAME_INVALID for a malformed encoding. */
function decodePart(part: string | undefined): string {
  try {
    return decodeURIComponent(part ?? '');
  } catch {
    throw new OciError('NAME_INVALID', `malformed percent-encoding in the path: ${part}`);
  }
}

function errorResponse(error: unknown, req: OciRequest): OciResponse {
  let e = error;
  if (!(e instanceof OciError) && req.body.errored) {
    // The body failed under the handler: the client closed the connection mid-request. Nobody hears the answer;
    // the log says what happened rather than an internal error.
    e = new OciError('BLOB_UPLOAD_INVALID', 'the request body ended early: the client closed the connection');
  }
  if (!(e instanceof OciError)) {
    console.error(JSON.stringify({ level: 'error', requestId: req.requestId, message: 'unexpected error', error: String((e as Error)?.stack ?? e) }));
    e = new OciError('UNKNOWN', `an internal error occurred (request id ${req.requestId})`);
  }
  const oci = e as OciError;
  if (error instanceof EcrError) console.error(error);
  const code = oci.code === 'RANGE_INVALID' ? 'BLOB_UPLOAD_INVALID' : oci.code;
  return { ...json(oci.status, { errors: [{ code, message: oci.message, detail: oci.detail ?? null }] }, oci.headers), errorCode: code };
}

/** A request id for a request that came without one. */
export const newRequestId = () => randomUUID();
