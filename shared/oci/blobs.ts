/** OCI blob routes: GET (307 to a presigned URL, or streamed with Range), HEAD and DELETE. */
import { blobDownloadUrl, readBlob, statBlob, unlinkBlob } from '../registry/blobs.ts';
import { isValidDigest } from '../registry/manifests.ts';
import type { OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { empty, type OciResponse } from './http.ts';

function checkDigest(digest: string): string {
  if (!isValidDigest(digest)) throw new OciError('DIGEST_INVALID', `invalid digest: ${digest}`);
  return digest;
}

/** GET or HEAD a blob the repository holds. */
export async function getBlob(ctx: OciContext, repositoryName: string, digest: string): Promise<OciResponse> {
  const { deps, actor, req } = ctx;
  const args = { repositoryName, digest: checkDigest(digest) };
  const headersOf = (blob: { digest: string }) => ({
    'docker-content-digest': blob.digest,
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
  });
  if (req.method === 'HEAD') {
    const blob = await statBlob(deps, actor, args);
    return { status: 200, headers: { ...headersOf(blob), 'content-length': String(blob.size) } };
  }
  if (deps.config.ociBlobDelivery === 'redirect') {
    const { blob, url } = await blobDownloadUrl(deps, actor, args);
    return empty(307, { ...headersOf(blob), location: url });
  }
  const { blob, open } = await readBlob(deps, actor, args);
  const range = parseRange(req.headers.range, blob.size);
  if (range === 'invalid')
    throw new OciError('RANGE_INVALID', `range ${req.headers.range} is not satisfiable for ${blob.size} bytes`, undefined, 416, {
      'content-range': `bytes */${blob.size}`,
    });
  if (range) {
    const headers = {
      ...headersOf(blob),
      'content-length': String(range.end - range.start + 1),
      'content-range': `bytes ${range.start}-${range.end}/${blob.size}`,
    };
    return { status: 206, headers, body: await open(range) };
  }
  if (blob.size === 0) return empty(200, headersOf(blob));
  return { status: 200, headers: { ...headersOf(blob), 'content-length': String(blob.size) }, body: await open() };
}

/** DELETE a blob from the repository: its link goes; the bytes stay for other repositories. */
export async function deleteBlob(ctx: OciContext, repositoryName: string, digest: string): Promise<OciResponse> {
  await unlinkBlob(ctx.deps, ctx.actor, { repositoryName, digest: checkDigest(digest) });
  return empty(202, { 'docker-content-digest': digest });
}

/**
 * The byte range a Range header asks for (RFC 9110 14.2), clipped to the size: `start-end`, `start-` or the
 * suffix `-length`. Undefined (serve the whole blob, 200) without a header, for another unit, or for several
 * ranges, which RFC 9110 lets a server answer whole; 'invalid' (416) when the one range is malformed or unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | 'invalid' {
  if (!header) return undefined;
  const unit = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(.*)$/.exec(header);
  if (unit?.[1].toLowerCase() !== 'bytes') return undefined;
  const specs = unit[2].split(',').map((r) => r.trim());
  if (specs.length > 1) return undefined;
  const m = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
    if (Number(m[2]) === 0) return 'invalid';
  } else {
    start = Number(m[1]);
    if (m[2] !== '' && Number(m[2]) < start) return 'invalid';
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}
