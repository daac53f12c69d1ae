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
import { linkExistingBlob, linkStoredBlob } from '../registry/layer-upload.ts';
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
  // Referenced before linked (invariant G, docs/ARCHITECTURE.md "Garbage collection"); one being collected is stored again.
  if (await linkExistingBlob(deps, repo.uid, digest, mediaType)) return;
  const object = wholeUploadObject(randomUUID(), 'signature');
  await deps.blobs.put(object, bytes);
  // Another writer storing the same bytes meanwhile keeps its object, and ours is dropped.
  await linkStoredBlob(deps, repo.uid, { digest, size, object, createdAt: deps.now().getTime() }, mediaType);
}
