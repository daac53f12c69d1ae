/**
 * The transport of the embedded table's SDK client: each request the real DynamoDB client builds (marshalled,
 * signed, with its whole middleware stack) is handed to dynalite's own request listener in this process, and its
 * answer comes back as the HTTP response the SDK parses, checksum header included. No socket, no HTTP parsing on
 * either side: a store call costs about a third less CPU than over the unix socket (docs/BENCHMARKS.md).
 * `requestHandler` is the SDK's extension point for exactly this (its browser and Node transports are two such).
 */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { HttpResponse, type HttpHandler, type HttpRequest } from '@smithy/protocol-http';

/** The (req, res) listener of dynalite's HTTP server. */
export type RequestListener = (req: unknown, res: unknown) => void;

/** Serves the SDK's requests with `listener` in process. */
export class InProcessHandler implements HttpHandler<Record<string, never>> {
  constructor(private readonly listener: RequestListener) {}

  handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(request.query ?? {})) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== null && v !== undefined) query.append(name, v);
      }
      const search = query.size ? `?${query}` : '';
      const req = Object.assign(new EventEmitter(), { method: request.method, url: `${request.path}${search}`, headers });
      const responseHeaders: Record<string, string> = {};
      const res = {
        statusCode: 200,
        setHeader(name: string, value: unknown) {
          responseHeaders[name.toLowerCase()] = String(value);
        },
        end(body?: string | Buffer) {
          const bytes = body === undefined ? [] : [typeof body === 'string' ? Buffer.from(body, 'utf8') : body];
          resolve({ response: new HttpResponse({ statusCode: res.statusCode, headers: responseHeaders, body: Readable.from(bytes) }) });
        },
      };
      try {
        this.listener(req, res);
        const body = bodyBytes(request.body);
        if (body.length) req.emit('data', body);
        req.emit('end');
      } catch (e) {
        reject(e);
      }
    });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/** The request body as bytes: the DynamoDB client sends its JSON as a string. */
function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('the embedded table takes only whole request bodies');
}
