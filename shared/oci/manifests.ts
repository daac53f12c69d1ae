/** OCI manifest routes: GET/HEAD with Accept negotiation, PUT through the same path as PutImage, DELETE. */
import { ImageAlreadyExistsException } from '../errors.ts';
import { isValidDigest } from '../registry/manifests.ts';
import { resolveImageId } from '../registry/image-ids.ts';
import { deleteImageId, manifestText } from '../registry/images.ts';
import { storeImage } from '../registry/put-image.ts';
import type { RepositoryRecord } from '../store/types.ts';
import { isDigestReference, TAG, type OciContext } from './context.ts';
import { fromEcrError, OciError } from './errors.ts';
import { empty, readAll, type OciResponse } from './http.ts';

/** The largest manifest accepted, as ECR's PutImage (4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const idOf = (reference: string) => (isDigestReference(reference) ? { imageDigest: reference } : { imageTag: reference });

/** GET/HEAD a manifest by tag or digest; a GET records the pull time. */
export async function getManifest(ctx: OciContext, repo: RepositoryRecord, reference: string): Promise<OciResponse> {
  if (isDigestReference(reference) ? !isValidDigest(reference) : !TAG.test(reference)) throw new OciError('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`);
  const resolved = await resolveImageId(ctx, repo, idOf(reference));
  if ('failure' in resolved) throw new OciError('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`, { name: repo.name, reference });
  const { image } = resolved;
  // An archived image is described and listed but not pullable (Amazon ECR answers a pull with 404).
  if (image.archived) throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} is archived: restore it with UpdateImageStorageClass to pull it`, { name: repo.name, reference });
  if (!acceptable(ctx.req.headers.accept, image.manifestMediaType)) {
    throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} is a ${image.manifestMediaType}, which the Accept header does not list`);
  }
  const text = await manifestText(ctx, image);
  const body = Buffer.from(text, 'utf8');
  const headers = { 'content-type': image.manifestMediaType, 'content-length': String(body.length), 'docker-content-digest': image.digest, etag: `"${image.digest}"` };
  if (ctx.req.method === 'HEAD') return { status: 200, headers };
  await ctx.deps.images.recordPull(repo.uid, image.digest, ctx.deps.now().getTime());
  return { status: 200, headers, body };
}

/** PUT a manifest: validated and stored as PutImage does; pushing the same manifest and tag again succeeds. */
export async function putManifest(ctx: OciContext, repo: RepositoryRecord, reference: string): Promise<OciResponse> {
  const digestRef = isDigestReference(reference);
  if (digestRef ? !isValidDigest(reference) : !TAG.test(reference)) {
    throw new OciError(digestRef ? 'DIGEST_INVALID' : 'TAG_INVALID', `invalid reference: ${reference}`);
  }
  const bytes = await readAll(ctx.req.body, MAX_MANIFEST_BYTES);
  if (!bytes) throw new OciError('MANIFEST_INVALID', `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new OciError('MANIFEST_INVALID', 'manifest is not valid UTF-8 JSON');
  const mediaType = ctx.req.headers['content-type']?.split(';')[0].trim() || undefined;
  let digest: string;
  let subject: string | undefined;
  try {
    const stored = await storeImage(ctx, repo, text, { mediaType, ...(digestRef ? { digest: reference } : { tag: reference }) });
    digest = stored.image.digest;
    subject = stored.parsed.subject?.digest;
  } catch (e) {
    if (!(e instanceof ImageAlreadyExistsException)) throw fromEcrError(e);
    // Pushing what is already there is not an error for a docker-style client.
    const existing = await resolveImageId(ctx, repo, idOf(reference));
    if ('failure' in existing) throw e;
    digest = existing.image.digest;
    subject = existing.image.subject;
  }
  return empty(201, {
    location: `/v2/${repo.name}/manifests/${digest}`,
    'docker-content-digest': digest,
    ...(subject ? { 'oci-subject': subject } : {}),
  });
}

/** DELETE a manifest by digest (the image and its tags) or by tag (the tag, and the image with its last tag). */
export async function deleteManifest(ctx: OciContext, repo: RepositoryRecord, reference: string): Promise<OciResponse> {
  if (isDigestReference(reference) && !isValidDigest(reference)) throw new OciError('DIGEST_INVALID', `invalid digest: ${reference}`);
  const result = await deleteImageId(ctx, repo, idOf(reference));
  if ('failure' in result) {
    if (result.failure.failureCode === 'ImageReferencedByManifestList') throw new OciError('DENIED', result.failure.failureReason, undefined, 409);
    throw new OciError('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`);
  }
  return empty(202);
}

/** Does an Accept header admit this media type? No header, or a wildcard, admits everything. */
export function acceptable(accept: string | undefined, mediaType: string): boolean {
  if (!accept?.trim()) return true;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase()).filter(Boolean);
  return types.length === 0 || types.some((t) => t === '*/*' || t === 'application/*' || t === mediaType.toLowerCase() || t === 'application/json');
}
