/**
 * Importing an image from a pull through cache rule's upstream into its cached repository: the manifest fetched and
 * its digest checked, then (for an image) every blob it names that the repository does not link yet, each streamed
 * into storage and verified against its digest and size before it is recorded and linked, then the manifest stored
 * through storeImage (the tag first, the image last: "Write protocols"). An index is stored at once; its children are
 * imported when first pulled. No image is stored before all its blobs are, so no listed image lacks a blob.
 * Blobs go straight to one object each, as a streamed OCI upload stored whole does, without an upload record: the
 * import needs none of the resumable-upload machinery (nor its hash-wasm, which would double the images bundle).
 */
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { Deps } from '../deps.ts';
import { ImageAlreadyExistsException } from '../errors.ts';
import { digestOf, isValidDigest, MANIFEST_MEDIA_TYPES, ManifestError, parseManifest, type Descriptor } from '../registry/manifests.ts';
import { storeImage } from '../registry/put-image.ts';
import { linkExistingBlob, linkStoredBlob } from '../registry/layer-upload.ts';
import { wholeUploadObject } from '../store/keys.ts';
import type { BlobRecord, RepositoryRecord } from '../store/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import { UpstreamError, type UpstreamClient } from './client.ts';

/** The largest manifest taken from upstream, as ECR's PutImage takes (4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Blobs of one image fetched at once. */
const BLOB_CONCURRENCY = 4;
/** Layers registries never hold (Windows base layers): not fetched. */
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
]);
const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** An upstream repository of a rule: the client and the repository's name there. */
export type UpstreamRepository = { client: UpstreamClient; name: string };

/** An upstream manifest, its digest verified (against the reference when it is a digest, and the upstream's Docker-Content-Digest). */
export type UpstreamManifest = { text: string; mediaType?: string; digest: string };

/** GETs a manifest from upstream; UpstreamError (status 404 when upstream does not have it) otherwise. */
export async function fetchManifest(upstream: UpstreamRepository, reference: string): Promise<UpstreamManifest> {
  const res = await upstream.client.request('GET', `/v2/${upstream.name}/manifests/${reference}`, upstream.name, { accept: ACCEPT });
  if (!res.ok) {
    await res.body?.cancel();
    throw new UpstreamError(`${upstream.client.baseUrl} answered ${res.status} for the manifest ${upstream.name}:${reference}`, res.status);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_MANIFEST_BYTES)
    throw new UpstreamError(`the upstream manifest ${upstream.name}:${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new UpstreamError(`the upstream manifest ${upstream.name}:${reference} is not UTF-8`);
  const algorithm = reference.startsWith('sha512:') ? 'sha512' : 'sha256';
  const digest = digestOf(text, algorithm);
  const announced = res.headers.get('docker-content-digest') ?? undefined;
  if ((isValidDigest(reference) && reference !== digest) || (announced?.startsWith(`${algorithm}:`) && announced !== digest)) {
    throw new UpstreamError(`the upstream manifest ${upstream.name}:${reference} does not have the digest it was asked or announced by (${digest})`);
  }
  const mediaType = res.headers.get('content-type')?.split(';')[0].trim() || undefined;
  return { text, mediaType, digest };
}

/** Where upstream's tag points now (a HEAD, or a GET when upstream announces no digest). */
export async function upstreamDigest(upstream: UpstreamRepository, tag: string): Promise<string> {
  const res = await upstream.client.request('HEAD', `/v2/${upstream.name}/manifests/${tag}`, upstream.name, { accept: ACCEPT });
  await res.body?.cancel();
  if (!res.ok) throw new UpstreamError(`${upstream.client.baseUrl} answered ${res.status} for the manifest ${upstream.name}:${tag}`, res.status);
  const announced = res.headers.get('docker-content-digest');
  return announced && isValidDigest(announced) ? announced : (await fetchManifest(upstream, tag)).digest;
}

/**
 * Imports the image upstream has under `reference` (a tag or a digest) into the repository, tagged `tag` when
 * given; returns its digest. Storing what is there already succeeds.
 */
export async function importImage(deps: Deps, repo: RepositoryRecord, upstream: UpstreamRepository, reference: string, tag?: string): Promise<string> {
  const manifest = await fetchManifest(upstream, reference);
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(manifest.text, manifest.mediaType);
  } catch (e) {
    if (e instanceof ManifestError) throw new UpstreamError(`the upstream manifest ${upstream.name}:${reference} is refused: ${e.message}`);
    throw e;
  }
  if (parsed.kind === 'image') await importBlobs(deps, repo, upstream, [parsed.config!, ...parsed.layers]);
  try {
    await storeImage(deps, repo, manifest.text, { tag, mediaType: parsed.mediaType, digest: manifest.digest, upstreamIndex: true });
  } catch (e) {
    if (!(e instanceof ImageAlreadyExistsException)) throw e;
  }
  return manifest.digest;
}

/** Links every blob the repository lacks: from storage when another repository brought it, else from upstream. */
async function importBlobs(deps: Deps, repo: RepositoryRecord, upstream: UpstreamRepository, descriptors: Descriptor[]): Promise<void> {
  const wanted = [...new Map(descriptors.filter((d) => !FOREIGN_LAYER_TYPES.has(d.mediaType)).map((d) => [d.digest, d])).values()];
  const linked = await deps.layers.links(
    repo.uid,
    wanted.map((d) => d.digest),
  );
  await mapLimit(
    wanted.filter((d) => !linked.has(d.digest)),
    BLOB_CONCURRENCY,
    (d) => importBlob(deps, repo, upstream, d),
  );
}

/** One blob fetched from upstream, stored, verified against its digest and size, and linked. */
async function importBlob(deps: Deps, repo: RepositoryRecord, upstream: UpstreamRepository, d: Descriptor): Promise<void> {
  if (await linkExistingBlob(deps, repo.uid, d.digest)) return;
  const res = await upstream.client.request('GET', `/v2/${upstream.name}/blobs/${d.digest}`, upstream.name);
  if (!res.ok) {
    await res.body?.cancel();
    throw new UpstreamError(`${upstream.client.baseUrl} answered ${res.status} for the blob ${d.digest} of ${upstream.name}`, res.status);
  }
  const body = res.body ? Readable.fromWeb(res.body as ReadableStream) : Readable.from([]);
  await linkStoredBlob(deps, repo.uid, await storeVerified(deps, body, d, `${upstream.name}@${d.digest}`));
}

/**
 * Streams a blob into storage under a key of its own, hashing it on the way; its record to be, only when its bytes
 * have the descriptor's digest and size (the caller records and links it). UpstreamError, with nothing left behind,
 * when they do not.
 */
async function storeVerified(deps: Deps, body: Readable, d: Descriptor, what: string): Promise<BlobRecord> {
  const object = wholeUploadObject(randomUUID(), randomUUID());
  const hash = createHash(d.digest.startsWith('sha512:') ? 'sha512' : 'sha256');
  let received = 0;
  const counted = new PassThrough();
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
  });
  body.on('error', (e) => counted.destroy(e));
  body.pipe(counted);
  try {
    await deps.blobs.put(object, counted, d.size);
  } catch (e) {
    body.destroy();
    await deps.blobs.delete([object]).catch(() => undefined);
    if (received !== d.size) throw new UpstreamError(`the upstream blob ${what} sent ${received} bytes, not ${d.size}`);
    throw e;
  }
  const digest = `${d.digest.slice(0, d.digest.indexOf(':'))}:${hash.digest('hex')}`;
  if (received !== d.size || digest !== d.digest) {
    await deps.blobs.delete([object]).catch(() => undefined);
    throw new UpstreamError(`the upstream blob ${what} is not what its descriptor says (${received} bytes, ${digest})`);
  }
  return { digest, size: received, object, createdAt: deps.now().getTime() };
}
