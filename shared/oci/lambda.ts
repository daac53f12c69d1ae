/** The OCI API as an API Gateway (payload 2.0) Lambda: the body arrives whole, responses go back whole. */
import type { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { eventBody, type HttpEvent, type HttpResult } from '../protocol/http.ts';
import { dispatchOci, newRequestId, type Side } from './dispatch.ts';
import { streamOf } from './http.ts';
import { ociErrorType, recordOci } from './access-log.ts';

/** Lambda responses stop at 6 MB; blobs are served by redirect in AWS, so a streamed body larger than this is refused. */
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** A Lambda handler serving one side (pull or push) of the OCI API. */
export function ociLambdaHandler(getDeps: () => Deps, side: Side) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const start = performance.now();
    const headers = Object.fromEntries(Object.entries(event.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const deps = getDeps();
    const requestBody = eventBody(event);
    const request = {
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers,
      body: streamOf(requestBody),
      requestId: event.requestContext.requestId ?? newRequestId(),
      sourceIp: event.requestContext.http.sourceIp,
    };
    const response = await dispatchOci(deps, request, side);
    let body: Buffer | undefined;
    if (response.body && !Buffer.isBuffer(response.body)) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as Readable) {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) throw new Error('response too large for Lambda: set OCI_BLOB_DELIVERY=redirect');
        chunks.push(chunk);
      }
      body = Buffer.concat(chunks);
    } else {
      body = response.body as Buffer | undefined;
    }
    recordOci({
      deps,
      method: request.method,
      path: request.path,
      authorization: headers.authorization,
      requestId: request.requestId,
      start,
      status: response.status,
      errorType: response.errorCode ?? ociErrorType(response.status, body),
      bytesIn: requestBody.length,
      bytesOut: body?.length ?? 0,
    });
    return { statusCode: response.status, headers: response.headers, body: body?.toString('base64') ?? '', isBase64Encoded: true };
  };
}
