/** OCI manifest routes: GET/HEAD with Accept negotiation, PUT through the same path as PutImage, DELETE. */
import { deleteImage, pullManifest } from '../registry/images.ts';
import { isValidDigest } from '../registry/manifests.ts';
import { pushManifest } from '../registry/put-image.ts';
import { imageIdOf, isDigestReference, TAG, type OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { empty, readAll, type OciResponse } from './http.ts';

/** The largest manifest accepted, as ECR's PutImage (4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** GET/HEAD a manifest by tag or digest; a GET records the pull time. */
export async function getManifest(ctx: OciContext, repositoryName: string, reference: string): Promise<OciResponse> {
  if (isDigestReference(reference) ? !isValidDigest(reference) : !TAG.test(reference)) throw new OciError('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`);
  const { image, manifest } = await pullManifest(ctx.deps, ctx.actor, {
    repositoryName,
    imageId: imageIdOf(reference),
    accepted: acceptedTypes(ctx.req.headers.accept),
    recordPull: ctx.req.method === 'GET',
  });
  const body = Buffer.from(manifest, 'utf8');
  const headers = {
    'content-type': image.manifestMediaType,
    'content-length': String(body.length),
    'docker-content-digest': image.digest,
    etag: `"${image.digest}"`,
  };
  return ctx.req.method === 'HEAD' ? { status: 200, headers } : { status: 200, headers, body };
}

/** PUT a manifest: validated and stored as PutImage does; pushing the same manifest and tag again succeeds. */
export async function putManifest(ctx: OciContext, repositoryName: string, reference: string): Promise<OciResponse> {
  const digestRef = isDigestReference(reference);
  if (digestRef ? !isValidDigest(reference) : !TAG.test(reference)) {
    throw new OciError(digestRef ? 'DIGEST_INVALID' : 'TAG_INVALID', `invalid reference: ${reference}`);
  }
  // Too large: refused before reading when Content-Length says so, 413 and the connection closed (the rest of the
  // body is not read), so a client writing its whole body first hears the answer.
  const tooLarge = () => new OciError('MANIFEST_INVALID', `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, undefined, 413, { connection: 'close' });
  if (Number(ctx.req.headers['content-length'] ?? 0) > MAX_MANIFEST_BYTES) throw tooLarge();
  const bytes = await readAll(ctx.req.body, MAX_MANIFEST_BYTES);
  if (!bytes) throw tooLarge();
  const manifest = bytes.toString('utf8');
  if (!Buffer.from(manifest, 'utf8').equals(bytes)) throw new OciError('MANIFEST_INVALID', 'manifest is not valid UTF-8 JSON');
  const mediaType = ctx.req.headers['content-type']?.split(';')[0].trim() || undefined;
  const tags = digestRef ? tagParams(ctx) : [];
  // Without tags one push; with `?tag=` (OCI 1.1, by digest only) the manifest is pushed under each tag in turn.
  const pushes = tags.length ? tags.map((tag) => ({ digest: reference, tag })) : [digestRef ? { digest: reference } : { tag: reference }];
  let pushed: { digest: string; subject?: string } | undefined;
  for (const push of pushes) pushed = await pushManifest(ctx.deps, ctx.actor, { repositoryName, manifest, mediaType, ...push });
  const { digest, subject } = pushed!;
  return empty(201, {
    location: `/v2/${repositoryName}/manifests/${digest}`,
    'docker-content-digest': digest,
    ...(subject ? { 'oci-subject': subject } : {}),
    ...(tags.length ? { 'oci-tag': tags.join(', ') } : {}),
  });
}

/** Tags one manifest PUT by digest may carry (`?tag=`); the spec asks for at least 10. */
export const MAX_TAG_PARAMS = 100;

/** The `?tag=` parameters of a PUT by digest, each checked, without repeats; TAG_INVALID (414 past MAX_TAG_PARAMS) when refused. */
function tagParams(ctx: OciContext): string[] {
  const tags = [...new Set(ctx.req.query.getAll('tag'))];
  if (tags.length > MAX_TAG_PARAMS) throw new OciError('TAG_INVALID', `at most ${MAX_TAG_PARAMS} tag parameters are accepted`, undefined, 414);
  for (const tag of tags) if (!TAG.test(tag)) throw new OciError('TAG_INVALID', `invalid tag: ${tag}`);
  return tags;
}

/** DELETE a manifest by digest (the image and its tags) or by tag (the tag, and the image with its last tag). */
export async function deleteManifest(ctx: OciContext, repositoryName: string, reference: string): Promise<OciResponse> {
  if (isDigestReference(reference) && !isValidDigest(reference)) throw new OciError('DIGEST_INVALID', `invalid digest: ${reference}`);
  const result = await deleteImage(ctx.deps, ctx.actor, { repositoryName, imageId: imageIdOf(reference) });
  if ('failure' in result) {
    if (result.failure.failureCode === 'ImageReferencedByManifestList') throw new OciError('DENIED', result.failure.failureReason, undefined, 409);
    throw new OciError('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`);
  }
  return empty(202);
}

/** The media types an Accept header admits, lower-cased; undefined (everything) for no header or a wildcard. */
export function acceptedTypes(accept: string | undefined): string[] | undefined {
  const types = (accept ?? '')
    .split(',')
    .map((t) => t.split(';')[0].trim().toLowerCase())
    .filter(Boolean);
  if (types.length === 0 || types.some((t) => t === '*/*' || t === 'application/*' || t === 'application/json')) return undefined;
  return types;
}
