/**
 * The local host's own pages, outside both APIs: the health check, and for a person who opens `/` in a browser (a
 * request that accepts text/html) the web console (infra/local/console.ts) with a short index of the endpoints in its
 * footer, its assets under `/console/`. Every other request to `/` is the ECR endpoint's and answers as ECR's does,
 * with a JSON error for anything that is not an ECR call.
 */
import type { HttpResult } from '../../shared/protocol/http.ts';
import { CONSOLE_PREFIX, consoleAsset, consolePage } from './console.ts';

/** The answer to GET/HEAD `/health`, GET/HEAD `/` from a browser, or a console asset; undefined for any other request. */
export function localPage(method: string, path: string, accept = '', endpoint = ''): HttpResult | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (path === '/health') return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{"status":"ok"}' };
  if (path.startsWith(CONSOLE_PREFIX)) return consoleAsset(path);
  if (path === '/' && /\btext\/html\b/i.test(accept))
    return consolePage(endpointList(endpoint)) ?? { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: indexHtml(endpoint) };
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function indexHtml(endpoint: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>serverless-ecr</title></head><body>
<h1>serverless-ecr</h1><p>A wire-compatible Amazon ECR registry.</p>
${endpointList(endpoint)}</body></html>
`;
}

function endpointList(endpoint: string): string {
  const e = escapeHtml(endpoint);
  return `<ul>
<li>ECR API: <code>POST ${e}/</code>, SigV4-signed by any ECR client with a custom endpoint URL (<code>aws --endpoint-url ${e} ecr describe-repositories</code>)</li>
<li>OCI API: <code>${e}/v2/</code> for docker, podman and skopeo (Basic auth <code>AWS:</code> + <code>aws ecr get-login-password</code>)</li>
<li>Health: <code>GET ${e}/health</code>; metrics: <code>GET ${e}/metrics</code> (Prometheus text, loopback clients only)</li>
</ul><p>See README.md for the configuration and the supported operations.</p>`;
}
