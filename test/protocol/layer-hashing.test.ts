/**
 * UploadLayerPart hashes with node:crypto while this process holds the upload, and CompleteLayerUpload falls back to
 * reading the stored layer back when parts landed elsewhere. "Another instance" is this registry with its in-process
 * hashes dropped (forgetLiveHashes), which is exactly what a second Lambda instance or a restarted host sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckLayerAvailabilityCommand, CompleteLayerUploadCommand, CreateRepositoryCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { forgetLiveHashes } from '../../shared/registry/live-hash.ts';
import { errorName, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { initiateUpload, randomLayer, sha256Digest, uploadPart } from '../helpers/layers.ts';

const MiB = 1024 * 1024;
const REPO = 'hashing/app';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
});
afterAll(async () => {
  await registry?.destroy();
});

/** Uploads `bytes` in parts of `partSize`, running `between` after each part; returns the upload id. */
async function uploadInParts(bytes: Buffer, partSize: number, between: (index: number) => void = () => undefined): Promise<string> {
  const { uploadId } = await initiateUpload(registry.ecr, REPO);
  let index = 0;
  for (let first = 0; first < bytes.length; first += partSize) {
    await uploadPart(registry.ecr, REPO, uploadId, bytes, first, Math.min(partSize, bytes.length - first));
    between(index++);
  }
  return uploadId;
}

const complete = (uploadId: string, digest: string) =>
  registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: REPO, uploadId, layerDigests: [digest] }));

async function download(layerDigest: string): Promise<Buffer> {
  const { downloadUrl } = await registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: REPO, layerDigest }));
  return Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer());
}

async function availability(layerDigest: string) {
  const out = await registry.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: REPO, layerDigests: [layerDigest] }));
  return out.layers?.[0]?.layerAvailability ?? out.failures?.[0]?.failureCode;
}

describe('layer part hashing across instances', () => {
  it('completes a layer whose every part reached another instance, verifying it by reading it back', async () => {
    // Prepare
    const bytes = randomLayer(17 * MiB + 321);
    const uploadId = await uploadInParts(bytes, 6 * MiB, () => forgetLiveHashes());

    // Act
    const out = await complete(uploadId, sha256Digest(bytes));

    // Assess
    expect(out.layerDigest).toBe(sha256Digest(bytes));
    expect((await download(sha256Digest(bytes))).equals(bytes)).toBe(true);
  });

  it('refuses a wrong digest for parts that reached another instance with InvalidLayerException, and stores no layer', async () => {
    // Prepare
    const bytes = randomLayer(12 * MiB);
    const uploadId = await uploadInParts(bytes, 6 * MiB, (i) => i === 0 && forgetLiveHashes());
    const claimed = sha256Digest(randomLayer(64));

    // Act
    const name = await errorName(complete(uploadId, claimed));

    // Assess
    expect(name).toBe('InvalidLayerException');
    expect(await availability(claimed)).toBe('MissingLayerDigest');
    expect(await availability(sha256Digest(bytes))).toBe('MissingLayerDigest');
    expect(await errorName(complete(uploadId, sha256Digest(bytes)))).toBe('UploadNotFoundException');
  });

  it('completes a layer whose completion alone reached another instance', async () => {
    // Prepare
    const bytes = randomLayer(11 * MiB + 7);
    const uploadId = await uploadInParts(bytes, 5 * MiB);
    forgetLiveHashes();

    // Act
    const out = await complete(uploadId, sha256Digest(bytes));

    // Assess
    expect(out.layerDigest).toBe(sha256Digest(bytes));
    expect((await download(sha256Digest(bytes))).equals(bytes)).toBe(true);
  });

  it('refuses a wrong digest with InvalidLayerException when one process held every part', async () => {
    // Prepare
    const bytes = randomLayer(13 * MiB);
    const uploadId = await uploadInParts(bytes, 6 * MiB);

    // Act
    const name = await errorName(complete(uploadId, sha256Digest(Buffer.concat([bytes, Buffer.from('x')]))));

    // Assess
    expect(name).toBe('InvalidLayerException');
    expect(await availability(sha256Digest(bytes))).toBe('MissingLayerDigest');
  });

  it('completes a layer of small parts kept pending, whatever instance each part reached', async () => {
    // Prepare
    const bytes = randomLayer(3 * MiB + 5);
    const uploadId = await uploadInParts(bytes, MiB, () => forgetLiveHashes());

    // Act
    const out = await complete(uploadId, sha256Digest(bytes));

    // Assess
    expect(out.layerDigest).toBe(sha256Digest(bytes));
    expect((await download(sha256Digest(bytes))).equals(bytes)).toBe(true);
  });
});
