/**
 * The OCI distribution API v1.1 router: one table of routes (path pattern, methods, pull or push side),
 * authentication before anything, and the one error boundary that writes the spec's error body.
 * The pull Lambda serves the GET/HEAD routes, the push Lambda the rest; the local host serves both.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { EcrError } from '../errors.ts';
import { authenticate } from './auth.ts';
import { deleteBlob, getBlob } from './blobs.ts';
import { repositoryOf, type OciContext } from './context.ts';
import { fromEcrError, OciError } from './errors.ts';
import { empty, json, type OciRequest, type OciResponse } from './http.ts';
import { listCatalog, listReferrers, listTags } from './listing.ts';
import { deleteManifest, getManifest, putManifest } from './manifests.ts';
import { cancelBlobUpload, getBlobUploadStatus, patchBlobData, putBlobUploadComplete, startBlobUpload } from './uploads.ts';

export type Side = 'pull' | 'push';
type Handler = (ctx: OciContext, name: string, arg: string) => Promise<OciResponse>;
type Route = { pattern: RegExp; methods: Record<string, Handler> };

const withRepo = (fn: (ctx: OciContext, repo: Awaited<ReturnType<typeof repositoryOf>>, arg: string) => Promise<OciResponse>): Handler =>
  async (ctx, name, arg) => fn(ctx, await repositoryOf(ctx, name), arg);

const ROUTES: Route[] = [
  { pattern: /^\/v2\/?$/, methods: { GET: async () => json(200, {}), HEAD: async () => empty(200) } },
  { pattern: /^\/v2\/_catalog$/, methods: { GET: (ctx) => listCatalog(ctx) } },
  { pattern: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: withRepo((ctx, repo) => listTags(ctx, repo)) } },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    methods: { GET: withRepo(getManifest), HEAD: withRepo(getManifest), PUT: withRepo(putManifest), DELETE: withRepo(deleteManifest) },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, methods: { POST: withRepo((ctx, repo) => startBlobUpload(ctx, repo)) } },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: { GET: withRepo(getBlobUploadStatus), PATCH: withRepo(patchBlobData), PUT: withRepo(putBlobUploadComplete), DELETE: withRepo(cancelBlobUpload) },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: withRepo(getBlob), HEAD: withRepo(getBlob), DELETE: withRepo(deleteBlob) } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: withRepo(listReferrers) } },
];

/** Which side serves a method: reads are pulls, everything else pushes. */
export const sideOf = (method: string): Side => (method === 'GET' || method === 'HEAD' ? 'pull' : 'push');

const COMMON = { 'docker-distribution-api-version': 'registry/2.0' };

/** Serves one OCI request; never throws. `side` limits the routes to one Lambda's share. */
export async function dispatchOci(deps: Deps, req: OciRequest, side?: Side): Promise<OciResponse> {
  const response = await route(deps, req, side).catch((e) => errorResponse(e, req));
  // The request id of the access log line (shared/oci/access-log.ts) and of any error message, as ECR calls carry it.
  response.headers = { ...COMMON, 'x-amzn-requestid': req.requestId, ...response.headers };
  if (req.method === 'HEAD') delete response.body;
  return response;
}

async function route(deps: Deps, req: OciRequest, side?: Side): Promise<OciResponse> {
  const host = deps.config.publicHost ?? req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost';
  authenticate(deps, req.headers.authorization, host);
  const method = req.method.toUpperCase();
  for (const { pattern, methods } of ROUTES) {
    const m = pattern.exec(req.path);
    if (!m) continue;
    const handler = methods[method];
    if (!handler || (side && sideOf(method) !== side)) {
      req.body.resume();
      throw new OciError('UNSUPPORTED', `${method} is not supported on ${req.path}`, undefined, 405, { allow: Object.keys(methods).join(', ') });
    }
    const ctx: OciContext = { deps, operation: 'oci', requestId: req.requestId, host, accessKeyId: 'AWS', req };
    return handler(ctx, decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''));
  }
  req.body.resume();
  throw new OciError('UNSUPPORTED', `no such endpoint: ${req.path}`, undefined, 404);
}

function errorResponse(error: unknown, req: OciRequest): OciResponse {
  let e = fromEcrError(error);
  if (!(e instanceof OciError)) {
    console.error(JSON.stringify({ level: 'error', requestId: req.requestId, message: 'unexpected error', error: String((e as Error)?.stack ?? e) }));
    e = new OciError('UNKNOWN', `an internal error occurred (request id ${req.requestId})`);
  }
  const oci = e as OciError;
  if (error instanceof EcrError && oci.code === 'UNKNOWN') console.error(error);
  return json(oci.status, { errors: [{ code: oci.code === 'RANGE_INVALID' ? 'BLOB_UPLOAD_INVALID' : oci.code, message: oci.message, detail: oci.detail ?? null }] }, oci.headers);
}

/** A request id for a request that came without one. */
export const newRequestId = () => randomUUID();
