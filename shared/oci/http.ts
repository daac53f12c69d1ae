/**
 * The request and response the OCI routes work on. Bodies are streams so the local host can pass a
 * 2 GiB layer through without holding it; the Lambda adapter wraps its (already whole) body in one.
 */
import { Readable } from 'node:stream';

export type OciRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: Readable;
  requestId: string;
  /** The client's address, when known (for policy conditions and logs). */
  sourceIp?: string;
};

export type OciResponse = {
  status: number;
  headers: Record<string, string>;
  /** A whole body, or a stream (a blob); none for HEAD and most writes. */
  body?: Buffer | Readable;
  /** The OCI error code of an error response, for the access log: a HEAD's body is dropped, its code is not. */
  errorCode?: string;
};

/** A response with a JSON body. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): OciResponse {
  const body = Buffer.from(JSON.stringify(value));
  return { status, headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }, body };
}

/** A response without a body. */
export function empty(status: number, headers: Record<string, string> = {}): OciResponse {
  return { status, headers: { 'content-length': '0', ...headers } };
}

/** Reads a whole (small) body, refusing one over `limit` bytes. */
export async function readAll(body: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A stream over bytes already in memory. */
export const streamOf = (bytes: Buffer): Readable => Readable.from(bytes.length ? [bytes] : []);
