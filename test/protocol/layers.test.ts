import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { errorName, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { initiateUpload, pushLayer, randomLayer, sha256Digest, uploadPart } from '../helpers/layers.ts';

const MiB = 1024 * 1024;

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
  for (const name of ['layers/a', 'layers/b', 'layers/c']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
});
afterAll(async () => {
  await registry?.destroy();
});

/** Downloads a layer through the presigned URL GetDownloadUrlForLayer gives. */
async function download(repositoryName: string, layerDigest: string): Promise<Buffer> {
  const out = await registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest }));
  expect(out.layerDigest).toBe(layerDigest);
  const response = await fetch(out.downloadUrl!);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function availability(repositoryName: string, layerDigests: string[]) {
  return registry.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests }));
}

/** Keys of the registry's blob store under a prefix. */
async function objectKeys(prefix: string): Promise<string[]> {
  return (await registry.deps.blobs.list(prefix)).map((o) => o.key);
}

describe('layer uploads through the ECR SDK', () => {
  it('uploads a 20 MiB layer in 3 MiB parts and serves the same bytes through the presigned URL', async () => {
    // Prepare
    const bytes = randomLayer(20 * MiB + 12345);
    const { uploadId, partSize } = await initiateUpload(registry.ecr, 'layers/a');
    expect(uploadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(partSize).toBe(registry.config.layerPartSize);
    // Act
    for (let first = 0; first < bytes.length; first += 3 * MiB) {
      const length = Math.min(3 * MiB, bytes.length - first);
      const out = await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, first, length);
      expect(out).toMatchObject({ registryId: '000000000000', repositoryName: 'layers/a', uploadId, lastByteReceived: first + length - 1 });
    }
    const digest = sha256Digest(bytes);
    const done = await registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [digest] }));
    // Assess
    expect(done).toMatchObject({ registryId: '000000000000', repositoryName: 'layers/a', uploadId, layerDigest: digest });
    const downloaded = await download('layers/a', digest);
    expect(downloaded.length).toBe(bytes.length);
    expect(sha256Digest(downloaded)).toBe(digest);
    expect(downloaded.equals(bytes)).toBe(true);
    const checked = await availability('layers/a', [digest]);
    expect(checked.layers).toEqual([{ layerDigest: digest, layerAvailability: 'AVAILABLE', layerSize: bytes.length }]);
    expect(checked.failures).toEqual([]);
    expect(await objectKeys(`uploads/${uploadId}/pending/`)).toEqual([]);
  });

  it('uploads a small layer in a single part', async () => {
    const bytes = randomLayer(1000);
    const digest = await pushLayer(registry.ecr, 'layers/a', bytes);
    expect(digest).toBe(sha256Digest(bytes));
    expect((await download('layers/a', digest)).equals(bytes)).toBe(true);
  });

  it('uploads a layer of one part larger than 5 MiB straight to storage', async () => {
    const bytes = randomLayer(6 * MiB);
    const digest = await pushLayer(registry.ecr, 'layers/a', bytes, 6 * MiB);
    expect((await download('layers/a', digest)).equals(bytes)).toBe(true);
  });

  it('coalesces small parts around a large one', async () => {
    const bytes = randomLayer(2 * MiB + 7 * MiB + 1 * MiB + 3);
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 0, 2 * MiB);
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 2 * MiB, 7 * MiB);
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 9 * MiB, 1 * MiB);
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 10 * MiB);
    const digest = sha256Digest(bytes);
    await registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [digest] }));
    expect((await download('layers/a', digest)).equals(bytes)).toBe(true);
  });

  it('rejects a part that does not start at the next byte with InvalidLayerPartException and the last valid byte', async () => {
    const bytes = randomLayer(3000);
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 0, 1000);
    const skipped = await rejection(uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 2000, 1000));
    expect(skipped.name).toBe('InvalidLayerPartException');
    expect(skipped).toMatchObject({ registryId: '000000000000', repositoryName: 'layers/a', uploadId, lastValidByteReceived: 999 });
  });

  it('rejects a repeated part with InvalidLayerPartException and keeps the layer intact', async () => {
    const bytes = randomLayer(3000);
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 0, 1000);
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 1000, 1000);
    const repeated = await rejection(uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 1000, 1000));
    expect(repeated.name).toBe('InvalidLayerPartException');
    expect(repeated.lastValidByteReceived).toBe(1999);
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 2000);
    const digest = sha256Digest(bytes);
    await registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [digest] }));
    expect((await download('layers/a', digest)).equals(bytes)).toBe(true);
  });

  it('accepts one of two identical parts sent at once and rejects the other with InvalidLayerPartException', async () => {
    const bytes = randomLayer(12 * MiB);
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 0, 3 * MiB);
    // Both racing copies coalesce the pending 3 MiB with their own 3 MiB into the same storage part.
    const results = await Promise.allSettled([0, 1].map(() => uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 3 * MiB, 3 * MiB)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.name).toBe('InvalidLayerPartException');
    expect(rejected.reason.lastValidByteReceived).toBe(6 * MiB - 1);
    const small = await Promise.allSettled([0, 1].map(() => uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 6 * MiB, 1 * MiB)));
    expect(small.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 7 * MiB);
    const digest = sha256Digest(bytes);
    await registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [digest] }));
    expect((await download('layers/a', digest)).equals(bytes)).toBe(true);
  });

  it('never stores bytes that differ from the layer digest when different parts race for the same bytes', async () => {
    // Prepare
    const [one, other] = [randomLayer(1000), randomLayer(1000)];
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    const complete = (layer: Buffer) =>
      registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [sha256Digest(layer)] }));
    // Act: both parts start at byte 0; both write the same pending object, and the upload record takes exactly one.
    const results = await Promise.allSettled([one, other].map((b) => uploadPart(registry.ecr, 'layers/a', uploadId, b, 0)));
    // Assess: one is accepted, the other hears that byte 999 was already received.
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const [winner, loser] = results[0].status === 'fulfilled' ? [one, other] : [other, one];
    const rejected = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    expect(rejected.name).toBe('InvalidLayerPartException');
    expect(rejected.lastValidByteReceived).toBe(999);
    // The pending object holds whichever bytes S3 received last, so both outcomes of completion are legitimate:
    // either the accepted bytes are stored under their digest, or completion refuses, naming the digest of the
    // bytes it holds, and abandons the upload. Never are other bytes stored under the digest.
    const [completion] = await Promise.allSettled([complete(winner)]);
    if (completion.status === 'fulfilled') {
      expect(completion.value.layerDigest).toBe(sha256Digest(winner));
      expect((await download('layers/a', sha256Digest(winner))).equals(winner)).toBe(true);
    } else {
      expect(completion.reason.name).toBe('InvalidLayerException');
      expect(completion.reason.message).toContain(`calculated for the uploaded layer '${sha256Digest(loser)}'`);
      expect((await availability('layers/a', [sha256Digest(winner)])).failures).toEqual([
        { layerDigest: sha256Digest(winner), failureCode: 'MissingLayerDigest', failureReason: 'Requested image not found' },
      ]);
      expect(await errorName(complete(winner))).toBe('UploadNotFoundException');
    }
    expect((await availability('layers/a', [sha256Digest(loser)])).failures).toEqual([
      { layerDigest: sha256Digest(loser), failureCode: 'MissingLayerDigest', failureReason: 'Requested image not found' },
    ]);
  });

  it('rejects a part whose byte range does not match its size with InvalidLayerPartException', async () => {
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    const error = await rejection(
      registry.ecr.send(
        new UploadLayerPartCommand({
          repositoryName: 'layers/a',
          uploadId,
          partFirstByte: 0,
          partLastByte: 10,
          layerPartBlob: Buffer.alloc(5),
        }),
      ),
    );
    expect(error.name).toBe('InvalidLayerPartException');
    expect(error.lastValidByteReceived).toBe(-1);
  });

  it('rejects a wrong digest with InvalidLayerException and links nothing', async () => {
    const bytes = randomLayer(4000);
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 0);
    const wrong = sha256Digest(Buffer.from('something else'));
    const error = await rejection(registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [wrong] })));
    expect(error.name).toBe('InvalidLayerException');
    expect(error.message).toContain(`The layer digest calculated for the uploaded layer '${sha256Digest(bytes)}' does not match`);
    const checked = await availability('layers/a', [wrong, sha256Digest(bytes)]);
    expect(checked.layers).toEqual([]);
    expect(checked.failures!.map((f) => [f.failureCode, f.failureReason])).toEqual([
      ['MissingLayerDigest', 'Requested image not found'],
      ['MissingLayerDigest', 'Requested image not found'],
    ]);
    expect(await registry.deps.layers.getBlob(sha256Digest(bytes))).toBeUndefined();
    // The failed upload is discarded.
    expect(
      await errorName(registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [sha256Digest(bytes)] }))),
    ).toBe('UploadNotFoundException');
  });

  it('refuses more than one digest, or a digest other than sha256, with InvalidParameterException', async () => {
    const bytes = randomLayer(100);
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    await uploadPart(registry.ecr, 'layers/a', uploadId, bytes, 0);
    const digest = sha256Digest(bytes);
    expect(await errorName(registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [digest, digest] })))).toBe(
      'InvalidParameterException',
    );
    expect(
      await errorName(registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [`sha512:${'ab'.repeat(64)}`] }))),
    ).toBe('InvalidParameterException');
    // The upload is still there to complete properly.
    expect((await registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [digest] }))).layerDigest).toBe(
      digest,
    );
  });

  it('answers EmptyUploadException when completing an upload that received nothing', async () => {
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    const error = await rejection(
      registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId, layerDigests: [sha256Digest(Buffer.alloc(0))] })),
    );
    expect(error.name).toBe('EmptyUploadException');
  });

  it('answers UploadNotFoundException for an unknown upload id, and for an upload of another repository', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await errorName(uploadPart(registry.ecr, 'layers/a', unknown, Buffer.alloc(10), 0))).toBe('UploadNotFoundException');
    expect(
      await errorName(
        registry.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/a', uploadId: unknown, layerDigests: [sha256Digest(Buffer.alloc(1))] })),
      ),
    ).toBe('UploadNotFoundException');
    const { uploadId } = await initiateUpload(registry.ecr, 'layers/a');
    expect(await errorName(uploadPart(registry.ecr, 'layers/b', uploadId, Buffer.alloc(10), 0))).toBe('UploadNotFoundException');
  });

  it('answers RepositoryNotFoundException for a repository that does not exist', async () => {
    expect(await errorName(registry.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/none' })))).toBe('RepositoryNotFoundException');
    expect(await errorName(availability('layers/none', [sha256Digest(Buffer.alloc(1))]))).toBe('RepositoryNotFoundException');
  });

  it('answers LayerAlreadyExistsException when the same layer is pushed twice into one repository', async () => {
    const bytes = randomLayer(2000);
    await pushLayer(registry.ecr, 'layers/a', bytes);
    const error = await rejection(pushLayer(registry.ecr, 'layers/a', bytes));
    expect(error.name).toBe('LayerAlreadyExistsException');
    expect(error.message).toBe(
      `Layer with digest '${sha256Digest(bytes)}' already exists in the repository with name 'layers/a' in registry with id '000000000000'`,
    );
  });

  it('stores a layer pushed into two repositories once', async () => {
    const bytes = randomLayer(7 * MiB);
    const before = (await objectKeys('uploads/')).filter((k) => k.endsWith('/data'));
    const digest = await pushLayer(registry.ecr, 'layers/a', bytes, 3 * MiB);
    const blob = await registry.deps.layers.getBlob(digest);
    await pushLayer(registry.ecr, 'layers/b', bytes, 3 * MiB);
    expect(await registry.deps.layers.getBlob(digest)).toEqual(blob);
    const after = (await objectKeys('uploads/')).filter((k) => k.endsWith('/data'));
    expect(after.filter((k) => !before.includes(k))).toEqual([blob!.object]);
    expect((await download('layers/b', digest)).equals(bytes)).toBe(true);
    expect((await availability('layers/b', [digest])).layers![0].layerSize).toBe(bytes.length);
  });

  it('stores a layer once when two repositories complete it at the same time', async () => {
    const bytes = randomLayer(6 * MiB + 100);
    const digest = sha256Digest(bytes);
    const before = (await objectKeys('uploads/')).filter((k) => k.endsWith('/data'));
    const uploads = await Promise.all(
      ['layers/a', 'layers/b'].map(async (repositoryName) => {
        const { uploadId } = await initiateUpload(registry.ecr, repositoryName);
        await uploadPart(registry.ecr, repositoryName, uploadId, bytes, 0, 3 * MiB);
        await uploadPart(registry.ecr, repositoryName, uploadId, bytes, 3 * MiB);
        return { repositoryName, uploadId };
      }),
    );
    await Promise.all(uploads.map((u) => registry.ecr.send(new CompleteLayerUploadCommand({ ...u, layerDigests: [digest] }))));
    const blob = await registry.deps.layers.getBlob(digest);
    const after = (await objectKeys('uploads/')).filter((k) => k.endsWith('/data'));
    expect(after.filter((k) => !before.includes(k))).toEqual([blob!.object]);
    for (const { repositoryName } of uploads) expect((await download(repositoryName, digest)).equals(bytes)).toBe(true);
  });

  it('answers LayersNotFoundException for a layer the repository does not hold, even if another one does', async () => {
    const digest = await pushLayer(registry.ecr, 'layers/a', randomLayer(500));
    const error = await rejection(registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/c', layerDigest: digest })));
    expect(error.name).toBe('LayersNotFoundException');
    expect(error.message).toContain('The specified layer does not exist');
    expect(await errorName(registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/c', layerDigest: 'sha256:abc' })))).toBe(
      'InvalidParameterException',
    );
  });

  it('reports a malformed digest as an InvalidLayerDigest failure and a missing one as MissingLayerDigest', async () => {
    const held = await pushLayer(registry.ecr, 'layers/c', randomLayer(300));
    const missing = sha256Digest(Buffer.from('not pushed'));
    const out = await availability('layers/c', ['sha256:nothex', held, missing]);
    expect(out.layers).toEqual([{ layerDigest: held, layerAvailability: 'AVAILABLE', layerSize: 300 }]);
    expect(out.failures).toEqual([
      { layerDigest: 'sha256:nothex', failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' },
      { layerDigest: missing, failureCode: 'MissingLayerDigest', failureReason: 'Requested image not found' },
    ]);
  });

  it('presigns a download URL that expires within ten minutes', async () => {
    const digest = await pushLayer(registry.ecr, 'layers/c', randomLayer(100));
    const url = new URL((await registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/c', layerDigest: digest }))).downloadUrl!);
    expect(Number(url.searchParams.get('expires')) - Date.now() / 1000).toBeLessThanOrEqual(600);
    const blob = await registry.deps.layers.getBlob(digest);
    expect(decodeURIComponent(url.pathname)).toBe(`/_blobs/${blob!.object}`);
    expect(url.host).toBe(new URL(registry.endpoint).host);
  });
});

describe('layer upload expiry', () => {
  it('answers UploadNotFoundException for an upload older than UPLOAD_TTL_SECONDS', async () => {
    const short = await startTestRegistry(undefined, { UPLOAD_TTL_SECONDS: '1' });
    try {
      await short.ecr.send(new CreateRepositoryCommand({ repositoryName: 'ttl' }));
      const { uploadId } = await initiateUpload(short.ecr, 'ttl');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await errorName(uploadPart(short.ecr, 'ttl', uploadId, Buffer.alloc(10), 0))).toBe('UploadNotFoundException');
      expect(
        await errorName(short.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'ttl', uploadId, layerDigests: [sha256Digest(Buffer.alloc(1))] }))),
      ).toBe('UploadNotFoundException');
    } finally {
      await short.destroy();
    }
  });
});
