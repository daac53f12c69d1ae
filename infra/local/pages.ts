/** The local host's own pages, outside both APIs: a short index at `/` and the health check. */
import type { HttpResult } from '../../shared/protocol/http.ts';

/** The answer to GET/HEAD `/` or `/health`, or undefined for any other request. */
export function localPage(method: string, path: string, endpoint: string): HttpResult | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (path === '/health') return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{"status":"ok"}' };
  if (path === '/') return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: indexText(endpoint) };
  return undefined;
}

function indexText(endpoint: string): string {
  return `serverless-ecr: a wire-compatible Amazon ECR registry.

ECR API       POST ${endpoint}/  (any ECR client with a custom endpoint URL, SigV4 signed)
                aws --endpoint-url ${endpoint} ecr describe-repositories
OCI API       ${endpoint}/v2/  (docker, podman, skopeo; Basic auth AWS:<aws ecr get-login-password>)
Health        GET or HEAD ${endpoint}/health
Metrics       GET ${endpoint}/metrics  (Prometheus text format; answered to loopback clients only)

See README.md for the configuration and the supported operations.
`;
}
