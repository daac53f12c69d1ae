/** The HTTP event and result every handler takes and gives: API Gateway HTTP API payload format 2.0.
 * The local host builds the same events, so one handler serves both. */
export type HttpEvent = {
  version?: '2.0';
  routeKey?: string;
  rawPath: string;
  rawQueryString?: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  /** The body as bytes, when the host has them (the local host): no base64 round trip, and `body` is then unset. */
  rawBody?: Buffer;
  requestContext: { http: { method: string; path?: string; sourceIp?: string }; requestId?: string; domainName?: string };
};

export type HttpResult = {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
};

/** The body of an event as bytes. */
export function eventBody(event: HttpEvent): Buffer {
  if (event.rawBody) return event.rawBody;
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** Query parameters of an event (repeated names become arrays). */
export function eventQuery(event: HttpEvent): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(event.rawQueryString ?? '')) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}
