/** Builds OCI image layouts on disk (what skopeo copies from `oci:<dir>:<tag>`), and reads them back. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function writeBlob(dir: string, bytes: Buffer | string): { digest: string; size: number } {
  const digest = sha256(bytes);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: Buffer.byteLength(bytes) };
}

export type LayoutImage = { manifest: string; digest: string; layers: Buffer[] };

/** Writes one image (gzip layers of random content of about the given sizes) into the layout; returns its manifest. */
export function writeImage(dir: string, layerSizes: number[], architecture = 'amd64'): LayoutImage {
  const layers = layerSizes.map((n) => gzipSync(randomBytes(n), { level: 1 }));
  const layerDescriptors = layers.map((l) => ({ mediaType: LAYER, ...writeBlob(dir, l) }));
  const config = JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: layerDescriptors.map((d) => d.digest) }, config: {} });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...writeBlob(dir, config) },
    layers: layerDescriptors,
  });
  return { manifest, digest: writeBlob(dir, manifest).digest, layers };
}

/** Writes the layout's index.json naming `entries` under their tags, and the oci-layout marker. */
export function writeIndex(dir: string, entries: { tag: string; manifest: string; mediaType?: string }[]) {
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: entries.map((e) => ({
        mediaType: e.mediaType ?? OCI_MANIFEST,
        digest: sha256(e.manifest),
        size: Buffer.byteLength(e.manifest),
        annotations: { 'org.opencontainers.image.ref.name': e.tag },
      })),
    }),
  );
}

/** Writes a multi-architecture index over images already in the layout; returns its text. */
export function writeMultiArch(dir: string, images: LayoutImage[], architectures: string[]): string {
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((img, i) => ({
      mediaType: OCI_MANIFEST,
      digest: img.digest,
      size: Buffer.byteLength(img.manifest),
      platform: { architecture: architectures[i], os: 'linux' },
    })),
  });
  writeBlob(dir, index);
  return index;
}

/** A blob of a layout by digest. */
export const readBlob = (dir: string, digest: string) => readFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)));
export { sha256 };
