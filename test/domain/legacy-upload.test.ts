/** Uploads begun by the previous version (a resumable hash-wasm state in the record) finish after an upgrade. */
import { createHash, randomBytes } from 'node:crypto';
import { createSHA256 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { completeLayerUpload, initiateLayerUpload, uploadLayerPart } from '../../shared/registry/layers.ts';
import { forgetLiveHashes } from '../../shared/registry/live-hash.ts';
import { memoryRegistry } from '../helpers/domain.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An upload whose record carries hash-wasm's state after its first part, as the previous version wrote it. */
async function legacyUpload(first: Buffer) {
  const registry = memoryRegistry();
  const { deps, actor } = registry;
  await registry.repository('legacy/app');
  const { uploadId } = await initiateLayerUpload(deps, actor, { repositoryName: 'legacy/app' });
  const uid = (await deps.repositories.get('legacy/app'))!.uid;
  const fresh = (await deps.layers.getUpload(uid, uploadId, Date.now()))!;
  const hasher = await createSHA256();
  hasher.init();
  await deps.layers.advanceUpload(uid, { ...fresh, hashState: Buffer.from(hasher.save()).toString('base64') }, 0);
  await uploadLayerPart(deps, actor, { repositoryName: 'legacy/app', uploadId, partFirstByte: 0, partLastByte: first.length - 1, layerPartBlob: first });
  forgetLiveHashes();
  const part = (bytes: Buffer, at: number) =>
    uploadLayerPart(deps, actor, { repositoryName: 'legacy/app', uploadId, partFirstByte: at, partLastByte: at + bytes.length - 1, layerPartBlob: bytes });
  const complete = (digest: string) => completeLayerUpload(deps, actor, { repositoryName: 'legacy/app', uploadId, layerDigests: [digest] });
  const record = () => deps.layers.getUpload(uid, uploadId, Date.now());
  return { part, complete, record };
}

describe('an upload begun before the upgrade', () => {
  it('continues its saved hash-wasm state and completes under the digest of its bytes', async () => {
    // Prepare
    const [a, b] = [randomBytes(6 * MiB), randomBytes(2 * MiB)];
    const upload = await legacyUpload(a);

    // Act
    await upload.part(b, a.length);
    const saved = (await upload.record())!.hashState;
    const out = await upload.complete(sha256(Buffer.concat([a, b])));

    // Assess
    expect(saved).not.toBe('');
    expect(out.layerDigest).toBe(sha256(Buffer.concat([a, b])));
  });

  it('refuses another digest with InvalidLayerException', async () => {
    // Prepare
    const a = randomBytes(6 * MiB);
    const upload = await legacyUpload(a);

    // Act
    const refused = await upload.complete(sha256(randomBytes(10))).catch((e: Error) => e.name);

    // Assess
    expect(refused).toBe('InvalidLayerException');
  });
});
