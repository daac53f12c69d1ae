/** Garbage collection fixtures on the in-memory stores: a movable clock, clients that push as ECR clients do, and the invariant. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Actor } from '../../shared/domain/actor.ts';
import type { Deps } from '../../shared/deps.ts';
import { LayersNotFoundException } from '../../shared/errors.ts';
import { batchCheckLayerAvailability, completeLayerUpload, initiateLayerUpload, uploadLayerPart } from '../../shared/registry/layers.ts';
import { manifestText, pullManifest } from '../../shared/registry/images.ts';
import { describeImages } from '../../shared/registry/image-listing.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import type { Blob } from './images.ts';

/** A clock the test moves by hand. */
export class HandClock {
  constructor(public at = 1_800_000_000_000) {}
  readonly now = () => new Date(this.at);
  advance(ms: number) {
    this.at += ms;
  }
}

/** Uploads a blob through the ECR layer API on these deps (a client that found it missing). */
export async function uploadBlob(deps: Deps, actor: Actor, repositoryName: string, blob: Blob): Promise<void> {
  const { uploadId } = await initiateLayerUpload(deps, actor, { repositoryName });
  await uploadLayerPart(deps, actor, { repositoryName, uploadId, partFirstByte: 0, partLastByte: blob.size - 1, layerPartBlob: blob.bytes });
  try {
    await completeLayerUpload(deps, actor, { repositoryName, uploadId, layerDigests: [blob.digest] });
  } catch (e) {
    if ((e as Error).name !== 'LayerAlreadyExistsException') throw e;
  }
}

/**
 * A push as docker and the AWS clients make it: BatchCheckLayerAvailability, upload what is missing, PutImage; a
 * PutImage told a layer is missing (collected since the check) checks and uploads again.
 */
export async function clientPush(deps: Deps, actor: Actor, repositoryName: string, blobs: Blob[], manifest: string, imageTag?: string) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { failures } = await batchCheckLayerAvailability(deps, actor, { repositoryName, layerDigests: blobs.map((b) => b.digest) });
    const missing = new Set(failures.map((f) => f.layerDigest));
    for (const blob of blobs) if (missing.has(blob.digest)) await uploadBlob(deps, actor, repositoryName, blob);
    try {
      return await putImage(deps, actor, { repositoryName, imageManifest: manifest, ...(imageTag ? { imageTag } : {}) });
    } catch (e) {
      if (!(e instanceof LayersNotFoundException)) throw e;
    }
  }
  throw new Error('PutImage kept finding layers missing');
}

const DIGESTS = /sha256:[0-9a-f]{64}/g;

/**
 * The invariant: every image a listing shows in these repositories pulls, and every blob its manifest names is linked,
 * recorded and readable with its digest.
 */
export async function everyListedImagePulls(deps: Deps, actor: Actor, repositories: string[]): Promise<number> {
  let checked = 0;
  for (const repositoryName of repositories) {
    const repo = await deps.repositories.get(repositoryName);
    if (!repo) continue;
    const { imageDetails } = await describeImages(deps, actor, { repositoryName });
    for (const detail of imageDetails) {
      const pulled = await pullManifest(deps, actor, { repositoryName, imageId: { imageDigest: detail.imageDigest }, recordPull: false });
      const text = await manifestText(deps, pulled.image);
      const doc = JSON.parse(text);
      const needed = [doc.config?.digest, ...(doc.layers ?? []).map((l: { digest: string }) => l.digest)].filter(Boolean) as string[];
      expect(needed.every((d) => DIGESTS.test(d) || true)).toBe(true);
      for (const digest of needed) {
        const blob = await deps.layers.linkedBlob(repo.uid, digest);
        expect(blob, `${repositoryName}@${detail.imageDigest} lacks its blob ${digest}`).toBeDefined();
        const bytes = await deps.blobs.getBytes(blob!.object);
        expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(digest);
      }
      checked++;
    }
  }
  return checked;
}
