/** Pushing layers through the ECR layer API, as the ECR proxy does: initiate, upload parts in order, complete. */
import { createHash, randomBytes } from 'node:crypto';
import { CompleteLayerUploadCommand, InitiateLayerUploadCommand, UploadLayerPartCommand, type ECRClient } from '@aws-sdk/client-ecr';

/** The OCI digest (sha256:<hex>) of some bytes. */
export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Random bytes standing in for a layer (random, so that digests never collide between tests). */
export function randomLayer(size: number): Buffer {
  return randomBytes(size);
}

/** Starts an upload; returns its id and the part size the registry recommends. */
export async function initiateUpload(ecr: ECRClient, repositoryName: string): Promise<{ uploadId: string; partSize: number }> {
  const out = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  return { uploadId: out.uploadId!, partSize: out.partSize! };
}

/** Uploads bytes[first, first + length) as one part. */
export function uploadPart(ecr: ECRClient, repositoryName: string, uploadId: string, bytes: Buffer, first: number, length = bytes.length - first) {
  return ecr.send(
    new UploadLayerPartCommand({
      repositoryName,
      uploadId,
      partFirstByte: first,
      partLastByte: first + length - 1,
      layerPartBlob: bytes.subarray(first, first + length),
    }),
  );
}

/**
 * Pushes `bytes` as a layer of the repository in parts of `partSize` (default: the size the registry
 * recommends) and returns its digest. Fails as the registry answers (e.g. LayerAlreadyExistsException).
 */
export async function pushLayer(ecr: ECRClient, repositoryName: string, bytes: Buffer, partSize?: number): Promise<string> {
  const upload = await initiateUpload(ecr, repositoryName);
  const size = partSize ?? upload.partSize;
  for (let first = 0; first < bytes.length; first += size) {
    await uploadPart(ecr, repositoryName, upload.uploadId, bytes, first, Math.min(size, bytes.length - first));
  }
  const digest = sha256Digest(bytes);
  const out = await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId: upload.uploadId, layerDigests: [digest] }));
  return out.layerDigest!;
}
