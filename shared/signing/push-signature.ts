/**
 * Storing a signature in the repository of the image it signs, through the domain like any push: the empty config
 * and the envelope become blobs linked to the repository, and the signature manifest (./envelope.ts) is stored with
 * storeImage, so it lists as an image, as a referrer of its subject (ListImageReferrers, OCI referrers/<digest>),
 * replicates with it and is announced by a PUSH event of its own (which signs nothing: signatures are not signed).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { openRepository } from '../registry/common.ts';
import { storeImage } from '../registry/put-image.ts';
import { wholeUploadObject } from '../store/keys.ts';
import type { RepositoryRecord } from '../store/types.ts';
import { type Descriptor, descriptorOf, JWS_ENVELOPE_TYPE, OCI_EMPTY, OCI_EMPTY_TYPE, signatureManifest } from './envelope.ts';

/** Pushes the signature of `subject` into the repository as `actor` (the signing job's service actor); returns the signature's digest. */
export async function pushSignature(
  deps: Deps,
  actor: Actor,
  repositoryName: string,
  subject: Descriptor,
  envelope: Buffer,
  annotations?: Record<string, string>,
): Promise<string> {
  const repo = await openRepository(deps, actor, 'ecr:PutImage', repositoryName);
  await storeBlob(deps, repo, OCI_EMPTY_TYPE, OCI_EMPTY);
  await storeBlob(deps, repo, JWS_ENVELOPE_TYPE, envelope);
  const stored = await storeImage(deps, repo, signatureManifest(subject, envelope, annotations), { mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  return stored.image.digest;
}

/** Stores a small blob (content-addressed, kept once per digest) and links it to the repository. */
async function storeBlob(deps: Deps, repo: RepositoryRecord, mediaType: string, bytes: Buffer): Promise<void> {
  const { digest, size } = descriptorOf(mediaType, bytes);
  if ((await deps.layers.links(repo.uid, [digest])).has(digest)) return;
  let blob = await deps.layers.getBlob(digest);
  if (!blob) {
    const object = wholeUploadObject(randomUUID(), 'signature');
    await deps.blobs.put(object, bytes);
    const candidate = { digest, size, object, createdAt: deps.now().getTime() };
    const put = await deps.layers.putBlob(candidate);
    // Another writer stored the same bytes meanwhile: keep its object, drop ours.
    if (!put.created) await deps.blobs.delete([object]).catch(() => undefined);
    blob = put.created ? candidate : (put.existing ?? (await deps.layers.getBlob(digest)) ?? candidate);
  }
  await deps.layers.link(repo.uid, { digest, size: blob.size, mediaType });
}
