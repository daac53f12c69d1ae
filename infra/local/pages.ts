/**
 * The local host's own pages, outside both APIs: the health check, and a short index for a person who opens `/` in a
 * browser (a request that accepts text/html). Every other request to `/` is the ECR endpoint's and answers as ECR's
 * does, with a JSON error for anything that is not an ECR call.
 */
import type { HttpResult } from '../../shared/protocol/http.ts';

/** The answer to GET/HEAD `/health`, or GET/HEAD `/` from a browser; undefined for any other request. */
export function localPage(method: string, path: string, accept = '', endpoint = ''): HttpResult | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (path === '/health') return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{"status":"ok"}' };
  if (path === '/' && /\btext\/html\b/i.test(accept))
    return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: indexHtml(endpoint) };
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function indexHtml(endpoint: string): string {
  const e = escapeHtml(endpoint);
  return `<!doctype html><html><head><meta charset="utf-8"><title>serverless-ecr</title></head><body>
<h1>serverless-ecr</h1><p>A wire-compatible Amazon ECR registry.</p>
<ul>
<li>ECR API: <code>POST ${e}/</code>, SigV4-signed by any ECR client with a custom endpoint URL (<code>aws --endpoint-url ${e} ecr describe-repositories</code>)</li>
<li>OCI API: <code>${e}/v2/</code> for docker, podman and skopeo (Basic auth <code>AWS:</code> + <code>aws ecr get-login-password</code>)</li>
<li>Health: <code>GET ${e}/health</code>; metrics: <code>GET ${e}/metrics</code> (Prometheus text, loopback clients only)</li>
</ul><p>See README.md for the configuration and the supported operations.</p></body></html>
`;
}
