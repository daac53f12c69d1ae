/**
 * The access log of the OCI API: the route and repository of a request for its record, the principal its token
 * names, the wire error code of an error body. The Lambda adapter (shared/oci/lambda.ts) and the local host
 * record with these once the response is sent.
 */
import type { Deps } from '../deps.ts';
import { unseal } from '../domain/signed-token.ts';
import { recordRequest, since } from '../observe/requests.ts';

/** The OCI distribution spec's paths (end-1 ... end-13), as route labels with their repository. */
const SHAPES: [RegExp, string][] = [
  [/^\/v2\/?$/, '/v2/'],
  [/^\/v2\/_catalog$/, '/v2/_catalog'],
  [/^\/v2\/(.+)\/tags\/list$/, '/v2/<name>/tags/list'],
  [/^\/v2\/(.+)\/manifests\/[^/]+$/, '/v2/<name>/manifests/<reference>'],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, '/v2/<name>/blobs/uploads/'],
  [/^\/v2\/(.+)\/blobs\/uploads\/[^/]+$/, '/v2/<name>/blobs/uploads/<reference>'],
  [/^\/v2\/(.+)\/blobs\/[^/]+$/, '/v2/<name>/blobs/<digest>'],
  [/^\/v2\/(.+)\/referrers\/[^/]+$/, '/v2/<name>/referrers/<digest>'],
];

/** `GET /v2/<name>/manifests/<reference>` and `team/app` for GET /v2/team/app/manifests/1.0. */
export function ociRoute(method: string, path: string): { route: string; repository?: string } {
  for (const [pattern, label] of SHAPES) {
    const m = pattern.exec(path);
    if (m) return { route: `${method} ${label}`, repository: m[1] ? safeDecode(m[1]) : undefined };
  }
  return { route: `${method} /v2/<unknown>` };
}

/** The access key id the Basic password (a registry token) names, if it is one of this registry's. */
export function ociPrincipal(deps: Deps, authorization: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return unseal<{ key?: string }>(deps.config.signingKey, password)?.key;
}

/** The `code` of an OCI error body. */
export function ociErrorType(status: number, body: unknown): string | undefined {
  if (status < 400 || !Buffer.isBuffer(body) || body.length > 64 * 1024) return undefined;
  try {
    return JSON.parse(body.toString('utf8'))?.errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

export type OciExchange = {
  deps: Deps;
  method: string;
  path: string;
  authorization?: string;
  requestId: string;
  start: number;
  status: number;
  errorType?: string;
  bytesIn: number;
  bytesOut: number;
};

/** Records one OCI request. */
export function recordOci(x: OciExchange): void {
  const { route, repository } = ociRoute(x.method, x.path);
  recordRequest({
    requestId: x.requestId,
    protocol: 'oci',
    route,
    method: x.method,
    repository,
    principal: x.status === 401 ? undefined : ociPrincipal(x.deps, x.authorization),
    status: x.status,
    errorType: x.errorType,
    latencyMs: since(x.start),
    bytesIn: x.bytesIn,
    bytesOut: x.bytesOut,
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
