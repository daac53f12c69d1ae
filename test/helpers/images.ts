/** Builds and pushes real images (layers through the ECR layer API, then PutImage) for tests. */
import { randomBytes } from 'node:crypto';
import { PutImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { digestOf } from '../../shared/registry/manifests.ts';
import { pushLayer } from './layers.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export type Blob = { digest: string; size: number; bytes: Buffer };

/** Uploads a config and `layerCount` random layers into the repository. */
export async function pushBlobs(ecr: ECRClient, repositoryName: string, layerCount = 2, layerSize = 1024): Promise<{ config: Blob; layers: Blob[] }> {
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }),
  );
  const config = { bytes: configBytes, size: configBytes.length, digest: await pushLayer(ecr, repositoryName, configBytes) };
  const layers: Blob[] = [];
  for (let i = 0; i < layerCount; i++) {
    const bytes = randomBytes(layerSize);
    layers.push({ bytes, size: bytes.length, digest: await pushLayer(ecr, repositoryName, bytes) });
  }
  return { config, layers };
}

/** The text of an image manifest over those blobs; `extra` fields make distinct manifests over the same blobs. */
export function imageManifest(blobs: { config: Blob; layers: Blob[] }, mediaType = OCI_MANIFEST, extra: Record<string, unknown> = {}): string {
  const configType = mediaType === DOCKER_MANIFEST ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json';
  const layerType = mediaType === DOCKER_MANIFEST ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip';
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: configType, digest: blobs.config.digest, size: blobs.config.size },
    layers: blobs.layers.map((l) => ({ mediaType: layerType, digest: l.digest, size: l.size })),
    ...extra,
  });
}

/** The text of an index (or Docker manifest list) over child manifests. */
export function indexManifest(children: string[], mediaType = OCI_INDEX, childType = OCI_MANIFEST): string {
  const platforms = ['amd64', 'arm64', 'arm', 's390x', 'ppc64le'];
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    manifests: children.map((text, i) => ({
      mediaType: childType,
      digest: digestOf(text),
      size: Buffer.byteLength(text),
      platform: { architecture: platforms[i % platforms.length], os: 'linux' },
    })),
  });
}

/** PutImage of a manifest text; returns its digest. */
export async function putManifest(ecr: ECRClient, repositoryName: string, text: string, imageTag?: string): Promise<string> {
  const out = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: text, imageTag }));
  return out.image!.imageId!.imageDigest!;
}
