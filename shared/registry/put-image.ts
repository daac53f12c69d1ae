/**
 * Storing an image: PutImage and the OCI manifest PUT (pushManifest) go through storeImage, which validates the
 * manifest and everything it references, stores the image once per digest and moves the tag atomically.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { PutImageInput } from '../model/types.ts';
import {
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageTagAlreadyExistsException,
  invalidParameter,
  LayersNotFoundException,
  ReferencedImagesNotFoundException,
} from '../errors.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import { manifestObject } from '../store/keys.ts';
import { openRepository } from './common.ts';
import { imagePushedEvent } from './events.ts';
import { resolveImageId } from './image-ids.ts';
import { digestOf, ManifestError, parseManifest, type ParsedManifest } from './manifests.ts';
import { isTagImmutable } from './tag-mutability.ts';
import { restoreIfArchived } from './storage-class.ts';

/** Manifests larger than this live in S3 rather than in their image item (DynamoDB items stop at 400 KB). */
export const INLINE_MANIFEST_BYTES = 300 * 1024;
/** Layers that registries never hold (Windows base layers): not required to exist. */
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
]);
const MAX_TAG_ATTEMPTS = 20;

export type StoreOptions = { tag?: string; mediaType?: string; digest?: string };
export type Stored = { image: ImageRecord; tag?: string; parsed: ParsedManifest };

/** PutImage: the ECR operation. */
export async function putImage(deps: Deps, actor: Actor, input: PutImageInput) {
  const repo = await openRepository(deps, actor, 'ecr:PutImage', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const stored = await storeImage(deps, repo, input.imageManifest, { tag: input.imageTag, mediaType: input.imageManifestMediaType, digest: input.imageDigest });
  return {
    image: {
      registryId,
      repositoryName: repo.name,
      imageId: { imageDigest: stored.image.digest, ...(stored.tag !== undefined ? { imageTag: stored.tag } : {}) },
      imageManifest: input.imageManifest,
      imageManifestMediaType: stored.image.manifestMediaType,
    },
  };
}

/**
 * A manifest pushed by reference (the OCI manifest PUT): a tag, or a digest the manifest must have. Pushing what is
 * there already succeeds (docker-style clients push again freely). Returns the digest and the manifest's subject.
 */
export async function pushManifest(
  deps: Deps,
  actor: Actor,
  input: { repositoryName: string; manifest: string; mediaType?: string; tag?: string; digest?: string },
): Promise<{ digest: string; subject?: string }> {
  const repo = await openRepository(deps, actor, 'ecr:PutImage', input.repositoryName);
  try {
    const stored = await storeImage(deps, repo, input.manifest, { mediaType: input.mediaType, tag: input.tag, digest: input.digest });
    return { digest: stored.image.digest, subject: stored.parsed.subject?.digest };
  } catch (e) {
    if (!(e instanceof ImageAlreadyExistsException)) throw e;
    const existing = await resolveImageId(deps, repo, input.tag !== undefined ? { imageTag: input.tag } : { imageDigest: input.digest });
    if ('failure' in existing) throw e;
    return { digest: existing.image.digest, subject: existing.image.subject };
  }
}

/** Validates and stores a manifest, then points the tag at it. Publishes the PUSH event. */
export async function storeImage(deps: Deps, repo: RepositoryRecord, text: string, options: StoreOptions): Promise<Stored> {
  const { images, layers, blobs } = deps;
  const parsed = parse(text, options.mediaType);
  const algorithm = options.digest?.startsWith('sha512:') ? 'sha512' : 'sha256';
  const digest = digestOf(text, algorithm);
  if (options.digest !== undefined && options.digest !== digest) {
    throw new ImageDigestDoesNotMatchException(
      `The digest '${options.digest}' does not match the digest '${digest}' that Amazon ECR calculated for the image manifest.`,
    );
  }
  await checkReferences(deps, repo, parsed);
  await restoreIfArchived(deps, repo, digest);

  const tag = options.tag;
  const current = tag !== undefined ? await images.getTag(repo.uid, tag) : undefined;
  if (tag !== undefined && current) {
    if (current.digest === digest) throw alreadyExists(deps, repo, digest, tag);
    if (isTagImmutable(repo, tag)) throw tagImmutable(repo, tag);
  }

  const bytes = Buffer.from(text, 'utf8');
  const image: ImageRecord = {
    digest,
    manifestMediaType: parsed.mediaType,
    ...(parsed.artifactMediaType ? { artifactMediaType: parsed.artifactMediaType } : {}),
    sizeInBytes: parsed.sizeInBytes,
    pushedAt: deps.now().getTime(),
    ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
    ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
    ...(parsed.kind === 'index' ? { children: [...new Set(parsed.manifests.map((m) => m.digest))] } : {}),
    manifestSize: Buffer.byteLength(text, 'utf8'),
    ...(parsed.subject && parsed.annotations ? { annotations: parsed.annotations } : {}),
  };
  if (bytes.length > INLINE_MANIFEST_BYTES) {
    image.manifestObject = manifestObject(digest);
    await blobs.put(image.manifestObject, bytes);
  } else {
    image.manifest = text;
  }
  const created = await images.create(repo.uid, image);
  if (!created && tag === undefined) throw alreadyExists(deps, repo, digest);
  const stored = created ? image : ((await images.get(repo.uid, digest)) ?? image);
  if (tag !== undefined) await pointTag(deps, repo, tag, digest, current?.digest ?? null, created);
  await deps.events.publish([imagePushedEvent(deps, repo.name, digest, tag)]);
  return { image: stored, tag, parsed };
}

/** Moves `tag` to `digest` with compare-and-set, so concurrent pushes leave exactly one winner. */
async function pointTag(deps: Deps, repo: RepositoryRecord, tag: string, digest: string, expected: string | null, created: boolean) {
  const { images } = deps;
  for (let attempt = 0; attempt < MAX_TAG_ATTEMPTS; attempt++) {
    if (await images.moveTag(repo.uid, tag, digest, expected, deps.now().getTime())) return;
    const now = await images.getTag(repo.uid, tag);
    if (now?.digest === digest) {
      if (created) return; // a concurrent push of the same image and tag: both succeeded
      throw alreadyExists(deps, repo, digest, tag);
    }
    if (now && isTagImmutable(repo, tag)) throw tagImmutable(repo, tag);
    expected = now?.digest ?? null;
  }
  throw new Error(`tag ${tag} kept changing under ${MAX_TAG_ATTEMPTS} concurrent pushes`);
}

function parse(text: string, mediaType: string | undefined): ParsedManifest {
  try {
    return parseManifest(text, mediaType);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    const member = e.reason === 'invalid' ? 'imageManifest' : 'imageManifestMediaType';
    throw invalidParameter(member, e.message);
  }
}

/** Every layer and config must be in the repository; every child of an index must be an image in it. */
async function checkReferences(deps: Deps, repo: RepositoryRecord, parsed: ParsedManifest) {
  if (parsed.kind === 'image') {
    const wanted = [parsed.config!, ...parsed.layers].filter((d) => !FOREIGN_LAYER_TYPES.has(d.mediaType)).map((d) => d.digest);
    const linked = await deps.layers.links(repo.uid, wanted);
    const missing = [...new Set(wanted.filter((d) => !linked.has(d)))];
    if (missing.length) {
      throw new LayersNotFoundException(
        `Layers with digests '[${missing.join(', ')}]' required for pushing image into repository with name '${repo.name}' in the registry with id '${deps.config.registryId}' do not exist`,
      );
    }
    return;
  }
  const children = [...new Set(parsed.manifests.map((m) => m.digest))];
  const found = await Promise.all(children.map((d) => deps.images.get(repo.uid, d)));
  const missing = children.filter((_, i) => !found[i]);
  if (missing.length) {
    throw new ReferencedImagesNotFoundException(
      `Manifest references images that do not exist in the repository with name '${repo.name}': [${missing.join(', ')}]`,
    );
  }
}

function alreadyExists(deps: Deps, repo: RepositoryRecord, digest: string, tag?: string) {
  return new ImageAlreadyExistsException(
    `Image with digest '${digest}'${tag !== undefined ? ` and tag '${tag}'` : ''} already exists in the repository with name '${repo.name}' in registry with id '${deps.config.registryId}'`,
  );
}

function tagImmutable(repo: RepositoryRecord, tag: string) {
  return new ImageTagAlreadyExistsException(
    `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the tag is immutable.`,
  );
}
