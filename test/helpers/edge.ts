/**
 * The AWS request path without AWS, for the deployment tests: an ECR call signed as the SDK signs it,
 * the CloudFront viewer-request event it becomes, the generated router function run in a vm, and the
 * API Gateway HTTP API (payload 2.0) event the Lambda then receives (from a recorded event).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import vm from 'node:vm';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import type { HttpEvent } from '../../shared/protocol/http.ts';
import { TARGET_PREFIX } from '../../infra/routing.ts';

export type ViewerRequest = {
  method: string;
  uri: string;
  querystring: Record<string, unknown>;
  headers: Record<string, { value: string }>;
  cookies: Record<string, unknown>;
};
export type Router = (event: { version: string; context: Record<string, string>; viewer: { ip: string }; request: ViewerRequest }) => ViewerRequest;

const RECORDED: any = JSON.parse(readFileSync(new URL('../deploy/fixtures/apigw-v2-event.json', import.meta.url), 'utf8'));

/** The CloudFront Function's `handler`, evaluated from its source in a fresh context as CloudFront would. */
export function loadRouter(code: string): Router {
  return vm.runInNewContext(`${code}\nhandler`, {}, { timeout: 1000 });
}

/** A viewer-request event carrying headers as CloudFront Functions present them. */
export function viewerEvent(method: string, uri: string, headers: Record<string, string>) {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: randomUUID(),
    },
    viewer: { ip: '203.0.113.7' },
    request: {
      method,
      uri,
      querystring: {},
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), { value: v }])),
      cookies: {},
    },
  };
}

export type Signing = { host: string; accessKeyId: string; secretAccessKey: string; region?: string; date?: Date };

/** The headers of `POST /` for an ECR operation, signed with SigV4 (service ecr) exactly as the AWS SDK signs. */
export async function signedEcrHeaders(operation: string, input: unknown, signing: Signing): Promise<{ headers: Record<string, string>; body: string }> {
  const body = JSON.stringify(input);
  const signer = new SignatureV4({
    service: 'ecr',
    region: signing.region ?? 'us-east-1',
    credentials: { accessKeyId: signing.accessKeyId, secretAccessKey: signing.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'https:',
    hostname: signing.host,
    path: '/',
    headers: {
      host: signing.host,
      'content-type': 'application/x-amz-json-1.1',
      'content-length': String(Buffer.byteLength(body)),
      'x-amz-target': `${TARGET_PREFIX}${operation}`,
      'amz-sdk-invocation-id': randomUUID(),
      'amz-sdk-request': 'attempt=1; max=3',
    },
    body,
  });
  const signed = await signer.sign(request, { signingDate: signing.date ?? new Date() });
  return { headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)])), body };
}

/**
 * The event API Gateway hands the Lambda for a request that left the router as `viewer`: the recorded
 * event with this method, path, body and headers, CloudFront's Host replaced by the API's own.
 */
export function apiGatewayEvent(viewer: ViewerRequest, body: Buffer | string, routeKey: string): HttpEvent {
  const event = structuredClone(RECORDED);
  event.body = undefined;
  const headers: Record<string, string> = { ...event.headers } as Record<string, string>;
  for (const [name, { value }] of Object.entries(viewer.headers)) if (name !== 'host') headers[name] = value;
  headers['content-length'] = String(Buffer.byteLength(body));
  const [path, query = ''] = viewer.uri.split('?');
  event.routeKey = routeKey;
  event.rawPath = path;
  event.rawQueryString = query;
  event.headers = headers;
  event.requestContext.routeKey = routeKey;
  event.requestContext.requestId = randomUUID();
  event.requestContext.http = { ...event.requestContext.http, method: viewer.method, path };
  event.body = Buffer.from(body).toString('base64');
  event.isBase64Encoded = true;
  return event;
}
