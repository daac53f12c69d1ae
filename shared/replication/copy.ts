/**
 * Copying one image to one destination through the destination's own ECR API (./destination.ts): the manifest bytes
 * exactly (same digest), the tag, the children of an index, the image's referrers, and every layer and config the
 * destination repository lacks, asked first with BatchCheckLayerAvailability, so a blob crosses once whatever number of
 * images share it. The repository is created at the destination when it is missing. Repeating a copy sends nothing
 * the destination has: the checks say what is there, and a manifest already there is ImageAlreadyExistsException.
 */
import type { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { parseManifest } from '../registry/manifests.ts';
import { manifestText } from '../registry/images.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { Destination } from '../registry/replication-configuration.ts';
import { DestinationClient, DestinationError, failureOf, ReplicationFailure } from './destination.ts';

/** One image's copy to one destination, as the state machine's items name it. */
export type CopyRequest = { repositoryName: string; uid: string; digest: string; tag?: string; destination: Destination; action?: 'DELETE' };

/** What a copy sent: blobs uploaded (those the destination lacked) and manifests put. */
export type CopyResult = { blobsSent: number; bytesSent: number; blobsPresent: number; manifests: number };

type Manifest = { digest: string; text: string; mediaType: string; tag?: string; blobs: string[] };

/** Blob uploads in flight at once, per copy. */
const UPLOAD_CONCURRENCY = 3;
/** BatchCheckLayerAvailability's limit on digests per call (the model's). */
const CHECK_BATCH = 100;

/** Copies the image to the destination; throws ReplicationFailure (retryable or not) with its failure code. */
export async function copyImage(deps: Deps, request: CopyRequest): Promise<CopyResult> {
  const { destination } = request;
  const client = await destinationClient(deps, destination);
  const repo = await deps.repositories.get(request.repositoryName);
  const image = repo?.uid === request.uid ? await deps.images.get(repo.uid, request.digest) : undefined;
  if (!repo || !image) throw new ReplicationFailure('SOURCE_IMAGE_NOT_FOUND', `${request.repositoryName}@${request.digest} is no longer in this registry`);
  const manifests = await plan(deps, repo, image, request.tag);
  const target = new DestinationRepository(client, repo.name);
  try {
    const blobs = [...new Set(manifests.flatMap((m) => m.blobs))];
    const missing = await target.missingBlobs(blobs);
    let bytesSent = 0;
    await mapLimit(missing, UPLOAD_CONCURRENCY, async (digest) => {
      bytesSent += await target.upload(digest, await sourceBlob(deps, digest));
    });
    for (const m of manifests) await target.putManifest(m);
    return { blobsSent: missing.length, bytesSent, blobsPresent: blobs.length - missing.length, manifests: manifests.length };
  } catch (e) {
    throw failureOf(e);
  }
}

/** The client of a destination the peers document names; ReplicationFailure(DESTINATION_NOT_CONFIGURED) otherwise. */
export async function destinationClient(deps: Deps, destination: Destination): Promise<DestinationClient> {
  const peer = await deps.peers.peer(destination.region, destination.registryId);
  if (!peer) {
    throw new ReplicationFailure(
      'DESTINATION_NOT_CONFIGURED',
      `the peers document names no registry ${destination.region}/${destination.registryId} (REGISTRY_PEERS_FILE)`,
    );
  }
  return new DestinationClient(peer, `${deps.config.region}/${deps.config.registryId}`);
}

/** Every manifest to put, in an order the destination accepts: an index's children before it, referrers after their subject. */
async function plan(deps: Deps, repo: RepositoryRecord, root: ImageRecord, tag: string | undefined): Promise<Manifest[]> {
  const out: Manifest[] = [];
  const seen = new Set<string>();
  const visit = async (image: ImageRecord, withTag?: string) => {
    if (seen.has(image.digest)) return;
    seen.add(image.digest);
    const text = await manifestText(deps, image);
    const parsed = parseManifest(text, image.manifestMediaType);
    for (const child of parsed.manifests) {
      const childImage = await deps.images.get(repo.uid, child.digest);
      if (childImage) await visit(childImage);
    }
    const wanted = [...(parsed.config ? [parsed.config.digest] : []), ...parsed.layers.map((l) => l.digest)];
    // Only the blobs this repository holds: a foreign (non-distributable) layer stays where its urls say.
    const links = wanted.length ? await deps.layers.links(repo.uid, wanted) : new Map();
    out.push({ digest: image.digest, text, mediaType: image.manifestMediaType, tag: withTag, blobs: wanted.filter((d) => links.has(d)) });
    for (const referrer of await deps.images.referrers(repo.uid, image.digest)) {
      const referrerImage = await deps.images.get(repo.uid, referrer.digest);
      if (referrerImage) await visit(referrerImage);
    }
  };
  await visit(root, tag);
  return out;
}

async function sourceBlob(deps: Deps, digest: string) {
  const blob = await deps.layers.getBlob(digest);
  if (!blob) throw new ReplicationFailure('SOURCE_IMAGE_NOT_FOUND', `the blob ${digest} is no longer in this registry`);
  return { size: blob.size, open: () => deps.blobs.getStream(blob.object) };
}

/** The destination's repository of the same name, created on the first call that finds it missing. */
class DestinationRepository {
  private created = false;

  constructor(
    private readonly client: DestinationClient,
    private readonly name: string,
  ) {}

  /** The digests among `digests` the destination repository does not hold. */
  async missingBlobs(digests: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let i = 0; i < digests.length; i += CHECK_BATCH) {
      const batch = digests.slice(i, i + CHECK_BATCH);
      const out = await this.call('BatchCheckLayerAvailability', { layerDigests: batch });
      const available = new Set<string>(
        (out.layers ?? [])
          .filter((l: { layerAvailability?: string }) => l.layerAvailability === 'AVAILABLE')
          .map((l: { layerDigest: string }) => l.layerDigest),
      );
      missing.push(...batch.filter((d) => !available.has(d)));
    }
    return missing;
  }

  /** Uploads one blob in the parts the destination asks for; the bytes sent. */
  async upload(digest: string, blob: { size: number; open: () => Promise<Readable> }): Promise<number> {
    const init = await this.call('InitiateLayerUpload', {});
    const partSize = Number(init.partSize) > 0 ? Number(init.partSize) : 5 * 1024 * 1024;
    let offset = 0;
    for await (const part of parts(await blob.open(), partSize)) {
      await this.call('UploadLayerPart', {
        uploadId: init.uploadId,
        partFirstByte: offset,
        partLastByte: offset + part.length - 1,
        layerPartBlob: part.toString('base64'),
      });
      offset += part.length;
    }
    try {
      await this.call('CompleteLayerUpload', { uploadId: init.uploadId, layerDigests: [digest] });
    } catch (e) {
      // Another copy (or a push) completed the same blob meanwhile: it is there, which is all this wanted.
      if (!(e instanceof DestinationError && e.type === 'LayerAlreadyExistsException')) throw e;
    }
    return offset;
  }

  /** Puts a manifest exactly as stored here (its digest named, so the destination checks it); one already there is success. */
  async putManifest(m: Manifest): Promise<void> {
    try {
      await this.call('PutImage', {
        imageManifest: m.text,
        imageManifestMediaType: m.mediaType,
        imageDigest: m.digest,
        ...(m.tag !== undefined ? { imageTag: m.tag } : {}),
      });
    } catch (e) {
      if (!(e instanceof DestinationError && e.type === 'ImageAlreadyExistsException')) throw e;
    }
  }

  /** One call on the repository; when the destination says it does not exist, creates it (once) and calls again. */
  private async call(operation: string, input: Record<string, unknown>) {
    try {
      return await this.client.call(operation, { repositoryName: this.name, ...input });
    } catch (e) {
      if (!(e instanceof DestinationError && e.type === 'RepositoryNotFoundException') || this.created) throw e;
    }
    await this.create();
    return this.client.call(operation, { repositoryName: this.name, ...input });
  }

  private async create() {
    this.created = true;
    try {
      await this.client.call('CreateRepository', { repositoryName: this.name });
    } catch (e) {
      if (e instanceof DestinationError && e.type === 'RepositoryAlreadyExistsException') return;
      throw failureOf(e, true);
    }
  }
}

/** The stream's bytes in parts of `size` bytes (the last one shorter). */
async function* parts(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    let buffer = chunk as Buffer;
    while (length + buffer.length >= size) {
      const take = size - length;
      pending.push(buffer.subarray(0, take));
      yield Buffer.concat(pending);
      buffer = buffer.subarray(take);
      pending = [];
      length = 0;
    }
    if (buffer.length) {
      pending.push(buffer);
      length += buffer.length;
    }
  }
  if (length) yield Buffer.concat(pending);
}
