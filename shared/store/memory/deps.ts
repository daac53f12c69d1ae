/**
 * A complete in-memory Deps for domain and race tests: every store over one shared MemoryTable, an in-process
 * bus, jobs that refuse to start, and an injectable clock. Imports no @aws-sdk package, so it loads fast.
 */
import type { Deps } from '../../deps.ts';
import { configFromEnv, type Config } from '../../config.ts';
import { InProcessBus } from '../../events/publisher.ts';
import { UnconfiguredJobStarter } from '../../jobs/starter.ts';
import type { Authorizer } from '../../domain/authorize.ts';
import { policyAuthorizer, principalsOf } from '../../iam/setup.ts';
import { peersOf } from '../../replication/peers.ts';
import { keysDirSigner } from '../../signing/keys-signer.ts';
import { upstreamSecretsOf } from '../../pull-through/secrets.ts';
import { createMemoryStores, type MemoryStores } from './stores.ts';

export type MemoryDepsOptions = {
  /** The registry's clock (also the presigned URLs' expiry clock); the system clock by default. */
  now?: () => Date;
  /** Settings over configFromEnv({}). */
  config?: Partial<Config>;
};

/** Deps whose stores all live in memory; `deps.stores` is the same stores with their shared table. */
export function createMemoryDeps(options: MemoryDepsOptions = {}): Deps & { stores: MemoryStores } {
  const now = options.now ?? (() => new Date());
  const config = { ...configFromEnv({}), ...options.config };
  const stores = createMemoryStores({ registryId: config.registryId, now });
  const deps: Deps & { stores: MemoryStores } = {
    config,
    repositories: stores.repositories,
    images: stores.images,
    layers: stores.layers,
    blobs: stores.blobs,
    scans: stores.scans,
    registry: stores.registry,
    lifecycle: stores.lifecycle,
    templates: stores.templates,
    pullThrough: stores.pullThrough,
    upstreamSecrets: upstreamSecretsOf(config),
    imageStates: stores.imageStates,
    gc: stores.gc,
    events: new InProcessBus(),
    jobs: new UnconfiguredJobStarter(),
    principals: principalsOf(config),
    peers: peersOf(config),
    signer: keysDirSigner(config.signingKeysDir, now),
    authorizer: undefined as unknown as Authorizer,
    now,
    stores,
  };
  deps.authorizer = policyAuthorizer(deps);
  return deps;
}
