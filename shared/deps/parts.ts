/**
 * A Deps assembled from parts, one per AWS service, so that each Lambda's entry module imports (and its bundle
 * carries) only the SDK clients its group uses: the parts a handler names match its row in
 * infra/deploy/permissions.ts (test/unit/function-deps.test.ts checks it). shared/deps.ts assembles all of
 * them for the local host, the scripts and the tests.
 */
import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import type { Authorizer } from '../domain/authorize.ts';
import type { PrincipalsSource } from '../iam/file.ts';
import { policyAuthorizer, principalsOf } from '../iam/setup.ts';
import type { EventPublisher } from '../events/publisher.ts';
import type { JobStarter } from '../jobs/starter.ts';
import type { BlobStore } from '../store/blobs.ts';
import { peersOf } from '../replication/peers.ts';
import type { PayloadSigner } from '../signing/signer.ts';
import { upstreamSecretsOf } from '../pull-through/secrets.ts';

/** The metadata stores, which one table holds. */
export type MetadataStores = Pick<
  Deps,
  'repositories' | 'images' | 'layers' | 'scans' | 'lifecycle' | 'imageStates' | 'registry' | 'templates' | 'gc' | 'pullThrough'
>;

/** What a function builds, each from the configuration; a missing part is never constructed nor bundled. */
export type DepsParts = {
  /** DynamoDB: shared/deps/dynamo.ts. */
  stores?: (config: Config) => MetadataStores;
  /** S3: shared/deps/s3.ts. */
  blobs?: (config: Config) => BlobStore;
  /** EventBridge: shared/deps/eventbridge.ts. */
  events?: (config: Config) => EventPublisher;
  /** Step Functions: shared/deps/sfn.ts. */
  jobs?: (config: Config) => JobStarter;
  /** AWS Signer (or the local signing keys): shared/deps/signer.ts. */
  signer?: (config: Config) => PayloadSigner;
};

/** The names of the parts, as handlers and infra/deploy/permissions.ts speak of them. */
export type PartName = keyof DepsParts;

/**
 * Stands in for a part a function does not build: every method call throws, naming the part. Such a call would
 * be refused by the function's IAM role anyway; this says why, before any request leaves.
 */
export function unavailable<T extends object>(part: PartName): T {
  return new Proxy({} as T, {
    get: (_target, key) =>
      typeof key === 'symbol' || key === 'then'
        ? undefined
        : () => {
            throw new Error(
              `This function was built without the ${part} part (shared/deps/parts.ts): add it to its handler and its access to infra/deploy/permissions.ts.`,
            );
          },
  });
}

/** The Deps of `parts` for a configuration; the parts left out are `unavailable`. `principals` replaces those the configuration names (the Lambdas' document read from AWS). */
export function assembleDeps(config: Config, parts: DepsParts, principals: PrincipalsSource = principalsOf(config)): Deps {
  const stores = parts.stores?.(config);
  const deps: Deps = {
    config,
    repositories: stores?.repositories ?? unavailable('stores'),
    images: stores?.images ?? unavailable('stores'),
    layers: stores?.layers ?? unavailable('stores'),
    scans: stores?.scans ?? unavailable('stores'),
    registry: stores?.registry ?? unavailable('stores'),
    lifecycle: stores?.lifecycle ?? unavailable('stores'),
    templates: stores?.templates ?? unavailable('stores'),
    pullThrough: stores?.pullThrough ?? unavailable('stores'),
    upstreamSecrets: upstreamSecretsOf(config),
    imageStates: stores?.imageStates ?? unavailable('stores'),
    gc: stores?.gc ?? unavailable('stores'),
    blobs: parts.blobs?.(config) ?? unavailable('blobs'),
    events: parts.events?.(config) ?? unavailable('events'),
    jobs: parts.jobs?.(config) ?? unavailable('jobs'),
    signer: parts.signer?.(config) ?? unavailable('signer'),
    principals,
    peers: peersOf(config),
    authorizer: undefined as unknown as Authorizer,
    now: () => new Date(),
  };
  // Decides as IAM does; a function built without the stores part asks nothing of repositories (it has none).
  deps.authorizer = policyAuthorizer(deps);
  return deps;
}
