/**
 * What a scan of an image reads: the platform images it stands for (itself, or each platform image of a
 * multi-architecture index) and their layers in order. Also decides what cannot be scanned at all.
 */
import type { ImageRecord } from '../store/types.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { ImageStore } from '../store/metadata.ts';
import { parseManifest, type Descriptor, type ParsedManifest } from '../registry/manifests.ts';

const IMAGE_CONFIG_TYPES = new Set(['application/vnd.docker.container.image.v1+json', 'application/vnd.oci.image.config.v1+json']);
const LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
]);

export type PlatformImage = { digest: string; architecture?: string; os?: string; layers: string[]; pushedAt: number };
export type Plan = { scanId: string; feedId: string; feedImportedAt: number; images: PlatformImage[] };

/** The manifest text of an image, from its item or the blob store. */
export async function manifestOf(blobs: BlobStore, image: ImageRecord): Promise<ParsedManifest> {
  const text = image.manifest ?? (await blobs.getBytes(image.manifestObject!)).toString('utf8');
  return parseManifest(text, image.manifestMediaType);
}

/** Why an image cannot be scanned at all (an artifact rather than a container image), or undefined. */
export function unscannableReason(parsed: ParsedManifest): string | undefined {
  if (parsed.kind === 'index') return platformChildren(parsed).length ? undefined : 'The image index names no platform image to scan.';
  if (!parsed.config || !IMAGE_CONFIG_TYPES.has(parsed.config.mediaType) || parsed.artifactType) {
    return `The artifact type '${parsed.artifactType ?? parsed.config?.mediaType ?? 'unknown'}' is not a container image and cannot be scanned.`;
  }
  return undefined;
}

/** An index's children that are platform images (attestation manifests and the like left out). */
function platformChildren(parsed: ParsedManifest): Descriptor[] {
  return parsed.manifests.filter((m) => {
    const platform = m.platform as { os?: string; architecture?: string } | undefined;
    if (m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return false;
    return !(platform?.os === 'unknown' && platform?.architecture === 'unknown');
  });
}

/** The platform images of an image in a repository, each with its scannable layers, lowest first. */
export async function platformImages(images: ImageStore, blobs: BlobStore, uid: string, image: ImageRecord): Promise<PlatformImage[]> {
  const parsed = await manifestOf(blobs, image);
  if (parsed.kind === 'image') return [{ digest: image.digest, layers: layersOf(parsed), pushedAt: image.pushedAt }];
  const out: PlatformImage[] = [];
  for (const child of platformChildren(parsed)) {
    const record = await images.get(uid, child.digest);
    if (!record) continue;
    const childParsed = await manifestOf(blobs, record);
    if (childParsed.kind !== 'image' || unscannableReason(childParsed)) continue;
    const platform = child.platform as { os?: string; architecture?: string } | undefined;
    out.push({
      digest: record.digest,
      layers: layersOf(childParsed),
      pushedAt: record.pushedAt,
      ...(platform?.architecture ? { architecture: platform.architecture } : {}),
      ...(platform?.os ? { os: platform.os } : {}),
    });
  }
  return out;
}

function layersOf(parsed: ParsedManifest): string[] {
  return parsed.layers.filter((l) => LAYER_TYPES.has(l.mediaType)).map((l) => l.digest);
}
