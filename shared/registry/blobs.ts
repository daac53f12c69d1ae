/**
 * Reading the blobs a repository holds, for every caller: availability (a HEAD), a short-lived download URL
 * (GetDownloadUrlForLayer, the OCI redirect), the bytes themselves (the OCI stream, with a range), and removing a
 * blob's link from a repository. A repository may serve a blob only while it links it.
 */
import type { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { BlobInUseException, invalidParameter, LayersNotFoundException } from '../errors.ts';
import type { BlobRecord, RepositoryRecord } from '../store/types.ts';
import { openRepository } from './common.ts';
import { manifestText } from './images.ts';
import { isValidDigest } from './manifests.ts';
import { markBlobs } from '../gc/marks.ts';

/** How long a presigned blob download URL stays valid. */
export const DOWNLOAD_URL_SECONDS = 600;

export type BlobArgs = { repositoryName: string; digest: string; registryId?: string };

/** The stored blob of a digest the repository links; LayersNotFoundException worded as ECR words it otherwise. */
export async function linkedBlob(deps: Deps, repo: RepositoryRecord, digest: string): Promise<BlobRecord> {
  if (!isValidDigest(digest)) throw invalidParameter('layerDigest', `invalid digest: ${digest}`);
  const blob = await deps.layers.linkedBlob(repo.uid, digest);
  if (!blob) {
    throw new LayersNotFoundException(
      `The specified layer does not exist: '${digest}' in the repository with name '${repo.name}' in the registry with id '${deps.config.registryId}'`,
    );
  }
  return blob;
}

/** A blob the repository holds, for an availability check (the OCI HEAD). */
export async function statBlob(deps: Deps, actor: Actor, input: BlobArgs): Promise<BlobRecord> {
  const repo = await openRepository(deps, actor, 'ecr:BatchCheckLayerAvailability', input.repositoryName, input.registryId);
  return linkedBlob(deps, repo, input.digest);
}

/** A short-lived URL for exactly this blob (GetDownloadUrlForLayer, the OCI redirect). */
export async function blobDownloadUrl(deps: Deps, actor: Actor, input: BlobArgs): Promise<{ blob: BlobRecord; url: string }> {
  const repo = await openRepository(deps, actor, 'ecr:GetDownloadUrlForLayer', input.repositoryName, input.registryId);
  const blob = await linkedBlob(deps, repo, input.digest);
  const target = { repositoryName: repo.name, digest: blob.digest, host: actor.via.host };
  return { blob, url: await deps.blobs.presignGet(blob.object, DOWNLOAD_URL_SECONDS, target) };
}

/** A blob to read: its record, and `open` for its bytes (all, or an inclusive byte range) as a stream. */
export async function readBlob(
  deps: Deps,
  actor: Actor,
  input: BlobArgs,
): Promise<{ blob: BlobRecord; open: (range?: { start: number; end: number }) => Promise<Readable> }> {
  const repo = await openRepository(deps, actor, 'ecr:GetDownloadUrlForLayer', input.repositoryName);
  const blob = await linkedBlob(deps, repo, input.digest);
  return { blob, open: (range) => deps.blobs.getStream(blob.object, range) };
}

/** Removes a blob's link from the repository (the OCI blob DELETE); the bytes stay for other repositories. */
export async function unlinkBlob(deps: Deps, actor: Actor, input: BlobArgs): Promise<void> {
  const repo = await openRepository(deps, actor, 'ecr:BatchDeleteImage', input.repositoryName);
  await linkedBlob(deps, repo, input.digest);
  const user = await imageUsing(deps, repo, input.digest);
  if (user) {
    throw new BlobInUseException(`blob ${input.digest} is referenced by image ${user} in the repository with name '${repo.name}'; delete the image first`);
  }
  if (await deps.layers.unlink(repo.uid, input.digest)) {
    // The blob loses this repository as a referrer; garbage collection frees it if no other references it.
    await markBlobs(deps, [input.digest]);
    await deps.gc.unreference(input.digest, repo.uid, { touchAt: deps.now().getTime() });
  }
}

/** The first image of the repository whose manifest names `digest` as its config or a layer, if any. */
async function imageUsing(deps: Deps, repo: RepositoryRecord, digest: string): Promise<string | undefined> {
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.images.list(repo.uid, 100, cursor);
    for (const image of page.items) {
      if (image.children) continue;
      const text = image.manifest ?? (await manifestText(deps, image));
      // Digests are hex: the quoted digest occurs in the manifest's JSON only as a descriptor's digest.
      if (text.includes(`"${digest}"`)) return image.digest;
    }
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}
