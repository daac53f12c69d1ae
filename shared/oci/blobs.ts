/** OCI blob routes: GET (307 to a presigned S3 URL, or streamed with Range support), HEAD and DELETE. */
import { isValidDigest } from '../registry/manifests.ts';
import type { BlobRecord, RepositoryRecord } from '../store/types.ts';
import type { OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { empty, type OciResponse } from './http.ts';

export const PRESIGNED_SECONDS = 600;

async function linkedBlob(ctx: OciContext, repo: RepositoryRecord, digest: string): Promise<BlobRecord> {
  if (!isValidDigest(digest)) throw new OciError('DIGEST_INVALID', `invalid digest: ${digest}`);
  const link = (await ctx.deps.layers.links(repo.uid, [digest])).get(digest);
  const blob = link && (await ctx.deps.layers.getBlob(digest));
  if (!blob) throw new OciError('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`, { digest });
  return blob;
}

/** GET or HEAD a blob the repository holds. */
export async function getBlob(ctx: OciContext, repo: RepositoryRecord, digest: string): Promise<OciResponse> {
  const blob = await linkedBlob(ctx, repo, digest);
  const base = { 'docker-content-digest': blob.digest, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
  if (ctx.req.method === 'HEAD') return { status: 200, headers: { ...base, 'content-length': String(blob.size) } };
  if (ctx.deps.config.ociBlobDelivery === 'redirect') {
    return empty(307, { ...base, location: await ctx.deps.blobs.presignGet(blob.object, PRESIGNED_SECONDS) });
  }
  const range = parseRange(ctx.req.headers.range, blob.size);
  if (range === 'invalid') throw new OciError('RANGE_INVALID', `range ${ctx.req.headers.range} is not satisfiable for ${blob.size} bytes`, undefined, 416, { 'content-range': `bytes */${blob.size}` });
  if (range) {
    return {
      status: 206,
      headers: { ...base, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${blob.size}` },
      body: await ctx.deps.blobs.getStream(blob.object, range),
    };
  }
  if (blob.size === 0) return empty(200, base);
  return { status: 200, headers: { ...base, 'content-length': String(blob.size) }, body: await ctx.deps.blobs.getStream(blob.object) };
}

/** DELETE a blob from the repository: its link goes; the bytes stay for other repositories. */
export async function deleteBlob(ctx: OciContext, repo: RepositoryRecord, digest: string): Promise<OciResponse> {
  await linkedBlob(ctx, repo, digest);
  await ctx.deps.layers.unlink(repo.uid, digest);
  return empty(202, { 'docker-content-digest': digest });
}

/** A single `bytes=start-end` range (end optional, or `-suffix`), clipped to the size; undefined for none. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | 'invalid' {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
