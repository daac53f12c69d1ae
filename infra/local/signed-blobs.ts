/**
 * GET and HEAD of the download URLs the local blob store signs (shared/store/fs/signed-urls.ts): the registry's
 * own port serves them, so a client on another machine downloads through the host it pushed to. The URL is the
 * credential; an Authorization header a client forwards on the redirect (Go clients, containerd, crane do) is
 * ignored. Refusals are S3's XML errors with 403; Range is answered as the OCI blob GET answers it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseRange } from '../../shared/oci/blobs.ts';
import type { BlobStore } from '../../shared/store/blobs.ts';
import { isRefusal, type BlobUrlSigner } from '../../shared/store/fs/signed-urls.ts';
import { sendFileRange } from './send-file.ts';

/** The signer, the store, and where an object's file is when the store keeps files (served without streams). */
export type SignedBlobSource = { signer: BlobUrlSigner; blobs: BlobStore; fileOf?: (key: string) => string };

/** Answers one request for a signed blob URL. */
export async function serveSignedBlob(req: IncomingMessage, res: ServerResponse, url: URL, source: SignedBlobSource, requestId: string): Promise<number> {
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD')
    return s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', requestId);
  const granted = source.signer.verify(url.pathname, url.searchParams);
  if (isRefusal(granted)) return s3Error(res, 403, granted.code, granted.message, requestId);
  const size = await source.blobs.size(granted.key);
  if (size === undefined) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.', requestId);
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'docker-content-digest': granted.digest,
    etag: `"${granted.digest}"`,
    'x-amz-request-id': requestId,
  };
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-type': 'application/xml' });
    res.end(method === 'HEAD' ? undefined : xml('InvalidRange', 'The requested range is not satisfiable', requestId));
    return 416;
  }
  const status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : size;
  res.writeHead(status, {
    ...headers,
    'content-length': String(length),
    ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  });
  if (method === 'HEAD' || length === 0) {
    res.end();
    return status;
  }
  if (source.fileOf) {
    await sendFileRange(source.fileOf(granted.key), range?.start ?? 0, range?.end ?? size - 1, res);
    return status;
  }
  try {
    await pipeline(await source.blobs.getStream(granted.key, range), res);
  } catch (e) {
    // The client went away (or the host is stopping): nothing is left to answer.
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
  }
  return status;
}

function s3Error(res: ServerResponse, status: number, code: string, message: string, requestId: string): number {
  const body = xml(code, message, requestId);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amz-request-id': requestId });
  res.end(body);
  return status;
}

const xml = (code: string, message: string, requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
