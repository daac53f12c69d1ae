import { randomUUID } from 'node:crypto';
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
import { openForPush } from './creation-templates.ts';
import { imagePushedEvent } from './events.ts';
import { resolveImageId } from './image-ids.ts';
import { digestOf, ManifestError, parseManifest, referrerArtifactType, type ParsedManifest } from './manifests.ts';
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

/**
 * `pushedBy`: the principal pushing (a service job pushes as no one), recorded on the image it creates (managed signing signs as it).
 * `upstreamIndex`: an index a pull through cache imports, whose children come from upstream when first pulled.
 */
export type StoreOptions = { tag?: string; mediaType?: string; digest?: string; pushedBy?: Actor; upstreamIndex?: boolean };
export type Stored = { image: ImageRecord; tag?: string; parsed: ParsedManifest };

/** PutImage: the ECR operation. */
export async function putImage(deps: Deps, actor: Actor, input: PutImageInput) {
  const repo = await openForPush(deps, actor, 'ecr:PutImage', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const stored = await storeImage(deps, repo, input.imageManifest, {
    tag: input.imageTag,
    mediaType: input.imageManifestMediaType,
    digest: input.imageDigest,
    pushedBy: actor,
  });
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
  const repo = await openForPush(deps, actor, 'ecr:PutImage', input.repositoryName);
  try {
    const stored = await storeImage(deps, repo, input.manifest, { mediaType: input.mediaType, tag: input.tag, digest: input.digest, pushedBy: actor });
    return { digest: stored.image.digest, subject: stored.parsed.subject?.digest };
  } catch (e) {
    if (!(e instanceof ImageAlreadyExistsException)) throw e;
    const existing = await resolveImageId(deps, repo, input.tag !== undefined ? { imageTag: input.tag } : { imageDigest: input.digest });
    if ('failure' in existing) throw e;
    return { digest: existing.image.digest, subject: existing.image.subject };
  }
}

/** Validates a manifest, points the tag at it, then stores it (the tag first: see "Write protocols"). Publishes the PUSH event. */
export async function storeImage(deps: Deps, repo: RepositoryRecord, text: string, options: StoreOptions): Promise<Stored> {
  const { images, blobs } = deps;
  const parsed = parse(text, options.mediaType);
  const algorithm = options.digest?.startsWith('sha512:') ? 'sha512' : 'sha256';
  const digest = digestOf(text, algorithm);
  if (options.digest !== undefined && options.digest !== digest) {
    throw new ImageDigestDoesNotMatchException(
      `The digest '${options.digest}' does not match the digest '${digest}' that Amazon ECR calculated for the image manifest.`,
    );
  }
  const touched = options.upstreamIndex && parsed.kind === 'index' ? deps.now().getTime() : await checkReferences(deps, repo, parsed);
  await restoreIfArchived(deps, repo, digest);

  // The protocol (docs/ARCHITECTURE.md "Write protocols"): the tag first, then the image. A tag whose image is not
  // stored yet lists as nothing (readers skip it), so a push the tag refuses has stored nothing anyone can list.
  const tag = options.tag;
  const tagWasHere = tag !== undefined && (await claimTag(deps, repo, tag, digest));

  const bytes = Buffer.from(text, 'utf8');
  // A referrer lists with its config's mediaType when it names no artifactType (OCI 1.1).
  const artifactType = parsed.subject ? referrerArtifactType(parsed) : parsed.artifactType;
  const image: ImageRecord = {
    digest,
    manifestMediaType: parsed.mediaType,
    ...(parsed.artifactMediaType ? { artifactMediaType: parsed.artifactMediaType } : {}),
    sizeInBytes: parsed.sizeInBytes,
    pushedAt: deps.now().getTime(),
    ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
    ...(artifactType ? { artifactType } : {}),
    ...(parsed.kind === 'index' ? { children: [...new Set(parsed.manifests.map((m) => m.digest))] } : {}),
    manifestSize: Buffer.byteLength(text, 'utf8'),
    ...(parsed.subject && parsed.annotations ? { annotations: parsed.annotations } : {}),
    ...(options.pushedBy?.kind === 'principal' ? { pushedBy: { arn: options.pushedBy.arn, account: options.pushedBy.account } } : {}),
  };
  if (bytes.length > INLINE_MANIFEST_BYTES) {
    image.manifestObject = manifestObject(digest, randomUUID());
    await blobs.put(image.manifestObject, bytes);
  } else {
    image.manifest = text;
  }
  // The image last: created here, or already stored (a re-push), it exists after the tag that names it was written,
  // so a concurrent delete that removed the image before this write sees the tag when it sweeps (and removes it).
  await keepTouched(deps, repo, parsed, touched);
  const created = await images.create(repo.uid, image);
  // An image stored already keeps its own manifest object: this one is nobody's.
  if (!created && image.manifestObject) await blobs.delete([image.manifestObject]).catch(() => undefined);
  if (!created && (tag === undefined || tagWasHere)) throw alreadyExists(deps, repo, digest, tag);
  const stored = created ? image : ((await images.get(repo.uid, digest)) ?? image);
  await deps.events.publish([imagePushedEvent(deps, repo.name, digest, tag)]);
  return { image: stored, tag, parsed };
}

/**
 * Points `tag` at `digest` before the image is written; true when it pointed there already. A mutable tag is
 * overwritten (last writer wins: every concurrent push succeeds); an immutable one is claimed only while it does not
 * exist (invariant TAG_IS_NEW), so concurrent pushes leave exactly one winner and the others refused before storing.
 */
async function claimTag(deps: Deps, repo: RepositoryRecord, tag: string, digest: string): Promise<boolean> {
  const { images } = deps;
  if (!isTagImmutable(repo, tag)) return (await images.setTag(repo.uid, tag, digest, deps.now().getTime())) === digest;
  for (let attempt = 0; attempt < MAX_TAG_ATTEMPTS; attempt++) {
    const current = await images.getTag(repo.uid, tag);
    if (current?.digest === digest) return true;
    if (current) throw tagImmutable(repo, tag);
    if (await images.moveTag(repo.uid, tag, digest, null, deps.now().getTime())) return false;
  }
  // Only a tag created and deleted again between each read and write gets here.
  throw new Error(`immutable tag ${tag} kept appearing and vanishing under ${MAX_TAG_ATTEMPTS} attempts`);
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

/**
 * Every layer and config must be in the repository; every child of an index must be an image in it. The links are
 * touched as they are checked (garbage collection backs off from a touched link, docs/ARCHITECTURE.md "Garbage
 * collection"); returns when.
 */
async function checkReferences(deps: Deps, repo: RepositoryRecord, parsed: ParsedManifest): Promise<number> {
  const at = deps.now().getTime();
  if (parsed.kind === 'image') {
    const wanted = linkedDigests(parsed);
    const linked = await deps.layers.touchLinks(repo.uid, wanted, at);
    const missing = [...new Set(wanted.filter((d) => !linked.has(d)))];
    if (missing.length) {
      throw new LayersNotFoundException(
        `Layers with digests '[${missing.join(', ')}]' required for pushing image into repository with name '${repo.name}' in the registry with id '${deps.config.registryId}' do not exist`,
      );
    }
    return at;
  }
  const children = [...new Set(parsed.manifests.map((m) => m.digest))];
  const found = await Promise.all(children.map((d) => deps.images.get(repo.uid, d)));
  const missing = children.filter((_, i) => !found[i]);
  if (missing.length) {
    throw new ReferencedImagesNotFoundException(
      `Manifest references images that do not exist in the repository with name '${repo.name}': [${missing.join(', ')}]`,
    );
  }
  return at;
}

/** The blobs an image manifest needs linked: its config and layers, foreign layers aside. */
const linkedDigests = (parsed: ParsedManifest) =>
  parsed.kind === 'image' ? [parsed.config!, ...parsed.layers].filter((d) => !FOREIGN_LAYER_TYPES.has(d.mediaType)).map((d) => d.digest) : [];

/**
 * Touches the links again when half the grace period has passed since they were checked, so the image is written
 * less than half a grace period after its links were last touched (the collector's bound); LayersNotFound if one went.
 */
async function keepTouched(deps: Deps, repo: RepositoryRecord, parsed: ParsedManifest, touchedAt: number): Promise<void> {
  const now = deps.now().getTime();
  if (parsed.kind !== 'image' || now - touchedAt <= (deps.config.gcGraceSeconds * 1000) / 2) return;
  await checkReferences(deps, repo, parsed);
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
