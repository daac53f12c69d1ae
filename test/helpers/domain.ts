/** A registry on the in-memory stores, entered as every caller enters the domain: (deps, actor, args). */
import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../../shared/deps.ts';
import type { Actor } from '../../shared/domain/actor.ts';
import { createMemoryDeps, type MemoryDepsOptions } from '../../shared/store/memory/index.ts';
import { completeLayerUpload, initiateLayerUpload, uploadLayerPart } from '../../shared/registry/layers.ts';
import { createRepository } from '../../shared/registry/repositories.ts';
import { rootActor } from './actors.ts';
import type { Blob } from './images.ts';

const sha256Digest = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export type MemoryRegistry = {
  deps: Deps;
  actor: Actor;
  layer(repositoryName: string, bytes?: Buffer): Promise<Blob>;
  repository(name: string, settings?: Record<string, unknown>): Promise<void>;
  blobs(repositoryName: string, layers?: number): Promise<{ config: Blob; layers: Blob[] }>;
};

/** A fresh in-memory registry and its root actor. */
export function memoryRegistry(options: MemoryDepsOptions = {}): MemoryRegistry {
  const deps = createMemoryDeps(options);
  const actor = rootActor(deps.config);
  const layer = async (repositoryName: string, bytes = randomBytes(1024)): Promise<Blob> => {
    const { uploadId } = await initiateLayerUpload(deps, actor, { repositoryName });
    await uploadLayerPart(deps, actor, { repositoryName, uploadId, partFirstByte: 0, partLastByte: bytes.length - 1, layerPartBlob: bytes });
    const digest = sha256Digest(bytes);
    await completeLayerUpload(deps, actor, { repositoryName, uploadId, layerDigests: [digest] });
    return { digest, size: bytes.length, bytes };
  };
  return {
    deps,
    actor,
    layer,
    async repository(name, settings = {}) {
      await createRepository(deps, actor, { repositoryName: name, ...settings });
    },
    async blobs(repositoryName, layers = 1) {
      const config = await layer(repositoryName, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })));
      const list = [];
      for (let i = 0; i < layers; i++) list.push(await layer(repositoryName));
      return { config, layers: list };
    },
  };
}
