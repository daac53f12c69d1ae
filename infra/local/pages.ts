/** The local host's own page, outside both APIs: the health check. `/` is the ECR endpoint and answers as ECR's does. */
import type { HttpResult } from '../../shared/protocol/http.ts';

/** The answer to GET/HEAD `/health`, or undefined for any other request. */
export function localPage(method: string, path: string): HttpResult | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (path === '/health') return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{"status":"ok"}' };
  return undefined;
}
