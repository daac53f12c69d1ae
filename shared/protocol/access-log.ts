/**
 * The access log of the ECR JSON protocol, as middy middleware: one record per call (shared/observe/requests.ts)
 * with the request id the response carries, the operation, repository and verified principal the protocol
 * middleware noted, the wire error type, the latency and the decoded body sizes. Used first in ecrHandler, so
 * it sees the final response of the error boundary too.
 */
import type middy from '@middy/core';
import { ROUTES, TARGET_PREFIX } from '../../infra/routing.ts';
import { bodyBytes, recordRequest, since } from '../observe/requests.ts';
import type { HttpEvent, HttpResult } from './http.ts';

type Noted = { operation?: string; repository?: string; principal?: string };
const calls = new WeakMap<object, Noted & { start: number }>();

/** What the protocol learnt about the call (once its signature is verified). */
export function noteCall(event: object, noted: Noted): void {
  const call = calls.get(event);
  if (call) Object.assign(call, Object.fromEntries(Object.entries(noted).filter(([, v]) => typeof v === 'string')));
}

/** The middleware: starts the clock before anything, records once the response is final. */
export function accessLog(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const record = (request: middy.Request<HttpEvent, HttpResult>) => {
    const call = calls.get(request.event);
    const response = request.response;
    if (!call || !response) return;
    calls.delete(request.event);
    const headers = (response.headers ?? {}) as Record<string, string | undefined>;
    const target = request.event.headers?.['x-amz-target'] ?? '';
    const named = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    recordRequest({
      requestId: String(headers['x-amzn-requestid'] ?? request.event.requestContext?.requestId ?? ''),
      protocol: 'ecr',
      // Only the model's operation names: the header is the client's to fill.
      operation: call.operation ?? (Object.hasOwn(ROUTES, named) ? named : undefined),
      repository: call.repository,
      principal: call.principal,
      status: response.statusCode,
      errorType: headers['x-amzn-errortype'],
      latencyMs: since(call.start),
      bytesIn: request.event.rawBody?.length ?? bodyBytes(request.event.body, request.event.isBase64Encoded),
      bytesOut: bodyBytes(response.body, response.isBase64Encoded),
    });
  };
  return {
    before: async (request) => {
      calls.set(request.event, { start: performance.now() });
    },
    after: async (request) => record(request),
    onError: async (request) => record(request),
  };
}
