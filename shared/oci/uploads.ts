/**
 * OCI blob upload routes. Upload state lives server-side (the upload record); the Location handed to the client
 * names it by a random UUID, so it is opaque and unguessable. A chunk that does not start where the upload stands
 * gets 416 with the Range reached (the domain's InvalidLayerPartException, mapped in ./errors.ts).
 */
import { appendBlobUpload, cancelBlobUpload, completeBlobUpload, getBlobUpload, mountBlob, startBlobUpload, type BodyArgs } from '../registry/blob-uploads.ts';
import type { UploadRecord } from '../store/types.ts';
import type { OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { empty, type OciResponse } from './http.ts';

/** Headers describing where an upload stands. */
function progress(ctx: OciContext, repositoryName: string, upload: UploadRecord): Record<string, string> {
  const { ociChunkMinLength, ociChunkMaxLength } = ctx.deps.config;
  return {
    location: `/v2/${repositoryName}/blobs/uploads/${upload.uploadId}`,
    range: `0-${Math.max(0, upload.nextByte - 1)}`,
    'docker-upload-uuid': upload.uploadId,
    ...(ociChunkMinLength ? { 'oci-chunk-min-length': String(ociChunkMinLength) } : {}),
    ...(ociChunkMaxLength ? { 'oci-chunk-max-length': String(ociChunkMaxLength) } : {}),
  };
}

function created(repositoryName: string, digest: string): OciResponse {
  return empty(201, { location: `/v2/${repositoryName}/blobs/${digest}`, 'docker-content-digest': digest });
}

/** The request body with what its headers say of it: Content-Range (a chunk), else Content-Length. */
function bodyOf(ctx: OciContext): BodyArgs {
  const { headers, body } = ctx.req;
  const contentRange = headers['content-range'];
  if (contentRange) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(contentRange.trim());
    return { body, range: m ? { start: Number(m[1]), end: Number(m[2]) } : 'malformed' };
  }
  const length = headers['content-length'];
  return { body, length: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined };
}

function requireDigest(ctx: OciContext): string {
  const digest = ctx.req.query.get('digest');
  if (!digest) throw new OciError('DIGEST_INVALID', 'missing digest');
  return digest;
}

/** POST: a cross-repository mount, a monolithic upload (`?digest=`), or a new upload session. */
export async function startUpload(ctx: OciContext, repositoryName: string): Promise<OciResponse> {
  const { deps, actor, req } = ctx;
  const mount = req.query.get('mount');
  const from = req.query.get('from');
  if (mount && from && (await mountBlob(deps, actor, { repositoryName, digest: mount, from }))) {
    req.body.resume();
    return created(repositoryName, mount);
  }
  const upload = await startBlobUpload(deps, actor, { repositoryName });
  if (req.query.has('digest')) {
    const digest = requireDigest(ctx);
    await completeBlobUpload(deps, actor, { repositoryName, uploadId: upload.uploadId, digest, ...bodyOf(ctx) });
    return created(repositoryName, digest);
  }
  req.body.resume();
  return empty(202, progress(ctx, repositoryName, upload));
}

/** PATCH: a chunk (with Content-Range, which must start where the upload stands) or a stream of the rest. */
export async function patchUpload(ctx: OciContext, repositoryName: string, uploadId: string): Promise<OciResponse> {
  const next = await appendBlobUpload(ctx.deps, ctx.actor, { repositoryName, uploadId, ...bodyOf(ctx) });
  return empty(202, progress(ctx, repositoryName, next));
}

/** PUT: the last chunk (if any) and the digest; the blob becomes visible only if the digest matches. */
export async function completeUpload(ctx: OciContext, repositoryName: string, uploadId: string): Promise<OciResponse> {
  const digest = requireDigest(ctx);
  await completeBlobUpload(ctx.deps, ctx.actor, { repositoryName, uploadId, digest, ...bodyOf(ctx) });
  return created(repositoryName, digest);
}

/** GET: where the upload stands. */
export async function uploadStatus(ctx: OciContext, repositoryName: string, uploadId: string): Promise<OciResponse> {
  return empty(204, progress(ctx, repositoryName, await getBlobUpload(ctx.deps, ctx.actor, { repositoryName, uploadId })));
}

/** DELETE: cancels the upload and drops what it received. */
export async function cancelUpload(ctx: OciContext, repositoryName: string, uploadId: string): Promise<OciResponse> {
  await cancelBlobUpload(ctx.deps, ctx.actor, { repositoryName, uploadId });
  return empty(204);
}
