/**
 * OCI blob upload routes. Upload state lives server-side (the upload record); the Location handed to the
 * client names it by a random UUID, so it is opaque and unguessable. A chunk that does not start where the
 * upload stands gets 416 with the Range reached.
 */
import { isValidDigest } from '../registry/manifests.ts';
import { startUpload } from '../registry/layer-upload.ts';
import type { RepositoryRecord, UploadRecord } from '../store/types.ts';
import { appendStream, completeUpload, dropUpload, rangeInvalid } from './blob-upload.ts';
import { repositoryOf, type OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { empty, type OciResponse } from './http.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Headers describing where an upload stands. */
function progress(ctx: OciContext, repo: RepositoryRecord, upload: UploadRecord): Record<string, string> {
  const { ociChunkMinLength, ociChunkMaxLength } = ctx.deps.config;
  return {
    location: `/v2/${repo.name}/blobs/uploads/${upload.uploadId}`,
    range: `0-${Math.max(0, upload.nextByte - 1)}`,
    'docker-upload-uuid': upload.uploadId,
    'oci-chunk-min-length': String(ociChunkMinLength),
    ...(ociChunkMaxLength ? { 'oci-chunk-max-length': String(ociChunkMaxLength) } : {}),
  };
}

function created(repo: RepositoryRecord, digest: string): OciResponse {
  return empty(201, { location: `/v2/${repo.name}/blobs/${digest}`, 'docker-content-digest': digest });
}

/** The request's Content-Length, when it announced one. */
function contentLength(ctx: OciContext): number | undefined {
  const value = ctx.req.headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function requireDigest(digest: string | null): string {
  if (!digest || !isValidDigest(digest)) throw new OciError('DIGEST_INVALID', `invalid or missing digest: ${digest ?? ''}`);
  return digest;
}

/** POST: a cross-repository mount, a monolithic upload (`?digest=`), or a new upload session. */
export async function startBlobUpload(ctx: OciContext, repo: RepositoryRecord): Promise<OciResponse> {
  const { query } = ctx.req;
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount && from && isValidDigest(mount)) {
    const mounted = await mountBlob(ctx, repo, mount, from);
    if (mounted) return mounted;
  }
  const upload = await startUpload(ctx.deps, repo.uid);
  if (query.has('digest')) {
    const digest = requireDigest(query.get('digest'));
    return finish(ctx, repo, upload, digest);
  }
  ctx.req.body.resume();
  return empty(202, progress(ctx, repo, upload));
}

/** Links a blob another repository holds; undefined (start an upload instead) when it does not. */
async function mountBlob(ctx: OciContext, repo: RepositoryRecord, digest: string, from: string): Promise<OciResponse | undefined> {
  let source: RepositoryRecord;
  try {
    source = await repositoryOf(ctx, from);
  } catch {
    return undefined;
  }
  if (!(await ctx.deps.layers.links(source.uid, [digest])).has(digest)) return undefined;
  const blob = await ctx.deps.layers.getBlob(digest);
  if (!blob) return undefined;
  await ctx.deps.layers.link(repo.uid, { digest, size: blob.size });
  ctx.req.body.resume();
  return created(repo, digest);
}

async function requireUpload(ctx: OciContext, repo: RepositoryRecord, id: string): Promise<UploadRecord> {
  const upload = UUID.test(id) ? await ctx.deps.layers.getUpload(repo.uid, id, ctx.deps.now().getTime()) : undefined;
  if (!upload) {
    ctx.req.body.resume();
    throw new OciError('BLOB_UPLOAD_UNKNOWN', `blob upload unknown: ${id}`);
  }
  return upload;
}

/** PATCH: a chunk (with Content-Range, which must start where the upload stands) or a stream of the rest. */
export async function patchBlobData(ctx: OciContext, repo: RepositoryRecord, id: string): Promise<OciResponse> {
  const upload = await requireUpload(ctx, repo, id);
  const contentRange = ctx.req.headers['content-range'];
  let expected: number | undefined;
  if (contentRange) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(contentRange.trim());
    if (!m) throw rangeInvalid(upload, `malformed Content-Range: ${contentRange}`);
    const [start, end] = [Number(m[1]), Number(m[2])];
    if (start !== upload.nextByte || end < start) {
      ctx.req.body.resume();
      throw rangeInvalid(upload, `chunk ${start}-${end} does not continue the upload, which has ${upload.nextByte} bytes`);
    }
    expected = end - start + 1;
  }
  const next = await appendStream(ctx.deps, repo.uid, upload, ctx.req.body, contentRange ? undefined : contentLength(ctx));
  if (expected !== undefined && next.nextByte - upload.nextByte !== expected) {
    throw new OciError('SIZE_INVALID', `Content-Range announced ${expected} bytes but ${next.nextByte - upload.nextByte} arrived`);
  }
  return empty(202, progress(ctx, repo, next));
}

/** PUT: the last chunk (if any) and the digest; the blob becomes visible only if the digest matches. */
export async function putBlobUploadComplete(ctx: OciContext, repo: RepositoryRecord, id: string): Promise<OciResponse> {
  const upload = await requireUpload(ctx, repo, id);
  const digest = requireDigest(ctx.req.query.get('digest'));
  return finish(ctx, repo, upload, digest);
}

async function finish(ctx: OciContext, repo: RepositoryRecord, upload: UploadRecord, digest: string): Promise<OciResponse> {
  const complete = await appendStream(ctx.deps, repo.uid, upload, ctx.req.body, ctx.req.headers['content-range'] ? undefined : contentLength(ctx));
  await completeUpload(ctx.deps, repo.uid, complete, digest);
  return created(repo, digest);
}

/** GET: where the upload stands. */
export async function getBlobUploadStatus(ctx: OciContext, repo: RepositoryRecord, id: string): Promise<OciResponse> {
  return empty(204, progress(ctx, repo, await requireUpload(ctx, repo, id)));
}

/** DELETE: cancels the upload and drops what it received. */
export async function cancelBlobUpload(ctx: OciContext, repo: RepositoryRecord, id: string): Promise<OciResponse> {
  await dropUpload(ctx.deps, repo.uid, await requireUpload(ctx, repo, id));
  return empty(204);
}
