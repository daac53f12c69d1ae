/**
 * The X-Amz-Target router: a CloudFront Function (viewer request, runtime cloudfront-js-2.0) generated
 * from the one routing table. Every ECR call is `POST /` told apart by its X-Amz-Target header; the
 * function rewrites it to `POST /ecr/<group>`, the HTTP API route of that group's Lambda. It also copies
 * the viewer's Host into x-forwarded-host (overwriting any the client sent), because CloudFront sends the
 * API's own host to the origin while SigV4 covers the host the client signed.
 */
import { ROUTES, TARGET_PREFIX, type Group } from '../routing.ts';
import { ecrPath } from './functions.ts';

/** The path each operation is sent to: its group's, or `fallback`'s when its group is not deployed. */
export function operationPaths(deployed: readonly Group[], fallback: Group): Record<string, string> {
  return Object.fromEntries(Object.entries(ROUTES).map(([op, group]) => [op, ecrPath(deployed.includes(group) ? group : fallback)]));
}

/**
 * The function's source. An unknown target, or an operation whose group has no Lambda yet, goes to the
 * `fallback` group, which verifies the signature and answers UnknownOperationException as the local host does.
 */
export function cloudFrontFunctionCode(deployed: readonly Group[], fallback: Group = deployed[0]): string {
  if (!deployed.includes(fallback)) throw new Error(`fallback group ${fallback} is not deployed`);
  const paths = operationPaths(deployed, fallback);
  // Operations grouped by path keep the function well under CloudFront's 10 KB limit.
  const byPath: Record<string, string[]> = {};
  for (const [op, path] of Object.entries(paths)) (byPath[path] ??= []).push(op);
  return `// Generated from infra/routing.ts by infra/deploy/cloudfront-function.ts: do not edit.
var PREFIX = ${JSON.stringify(TARGET_PREFIX)};
var FALLBACK = ${JSON.stringify(ecrPath(fallback))};
var PATHS = {};
var GROUPS = ${JSON.stringify(byPath)};
for (var path in GROUPS) {
  for (var i = 0; i < GROUPS[path].length; i++) PATHS[GROUPS[path][i]] = path;
}
function handler(event) {
  var request = event.request;
  var headers = request.headers;
  if (headers.host) headers['x-forwarded-host'] = { value: headers.host.value };
  else delete headers['x-forwarded-host'];
  if (request.method === 'POST' && request.uri === '/') {
    var target = headers['x-amz-target'] ? headers['x-amz-target'].value : '';
    var operation = target.indexOf(PREFIX) === 0 ? target.slice(PREFIX.length) : '';
    request.uri = Object.prototype.hasOwnProperty.call(PATHS, operation) ? PATHS[operation] : FALLBACK;
  }
  return request;
}
`;
}
