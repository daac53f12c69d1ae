/**
 * Everything the domain needs, built once per cold start (Lambda) or once per host (local), and passed
 * down as one object so tests can swap any part.
 */
import type { Config } from './config.ts';
import type { ImageStore, LayerStore, RepositoryStore } from './store/metadata.ts';
import type { BlobStore } from './store/blobs.ts';
import type { ScanStore } from './store/scans.ts';
import type { GcStore } from './store/gc.ts';
import type { RegistryStore } from './store/registry.ts';
import type { CreationTemplateStore } from './store/templates.ts';
import type { PullThroughStore } from './store/pull-through.ts';
import type { UpstreamSecrets } from './pull-through/secrets.ts';
import type { ImageStateStore, LifecycleStore } from './store/lifecycle.ts';
import type { JobStarter } from './jobs/starter.ts';
import type { EventPublisher } from './events/publisher.ts';
import type { Authorizer } from './domain/authorize.ts';
import type { PrincipalsSource } from './iam/file.ts';
import type { PeersSource } from './replication/peers.ts';
import type { PayloadSigner } from './signing/signer.ts';
import { assembleDeps, type DepsParts } from './deps/parts.ts';
import { dynamoStores } from './deps/dynamo.ts';
import { s3Blobs } from './deps/s3.ts';
import { eventBridgeEvents } from './deps/eventbridge.ts';
import { sfnJobs } from './deps/sfn.ts';
import { awsSignerPart } from './deps/signer.ts';

export type Deps = {
  config: Config;
  repositories: RepositoryStore;
  images: ImageStore;
  layers: LayerStore;
  blobs: BlobStore;
  scans: ScanStore;
  /** The registry policy and the pull-time exclusions, read through a short cache (shared/store/registry.ts). */
  registry: RegistryStore;
  lifecycle: LifecycleStore;
  /** Repository creation templates (shared/store/templates.ts). */
  templates: CreationTemplateStore;
  /** Pull through cache rules and what cached repositories remember of their upstream (shared/store/pull-through.ts). */
  pullThrough: PullThroughStore;
  /** The upstream credentials rules name: REGISTRY_SECRETS_FILE locally, Secrets Manager in AWS (shared/pull-through/secrets.ts). */
  upstreamSecrets: UpstreamSecrets;
  imageStates: ImageStateStore;
  /** The garbage collector's view of the table (shared/store/gc.ts). */
  gc: GcStore;
  events: EventPublisher;
  /** Starts state machines: Step Functions in AWS, the in-process interpreter locally (infra/local/jobs.ts). */
  jobs: JobStarter;
  /** Who may sign requests: the registry's root key and the principals file (REGISTRY_IAM_FILE), kept current. */
  principals: PrincipalsSource;
  /** How to reach each replication destination (REGISTRY_PEERS_FILE, or its secret in AWS), kept current. */
  peers: PeersSource;
  /** Signs managed signatures: AWS Signer in AWS, REGISTRY_SIGNING_KEYS_DIR locally (shared/signing/signer.ts). */
  signer: PayloadSigner;
  /** The one decision point every domain entry point asks (shared/domain/authorize.ts). */
  authorizer: Authorizer;
  now: () => Date;
};

/** Every part: DynamoDB, S3, EventBridge, Step Functions and AWS Signer. A Lambda names only its own (functions/<group>/handler.ts). */
export const ALL_PARTS: Required<DepsParts> = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents, jobs: sfnJobs, signer: awsSignerPart };

/**
 * Builds the SDK clients and stores for a configuration, every part of them. Local mode passes its bus, its job
 * runner (built from the finished deps, since its tasks use them) and its own parts (`local`: the embedded table's
 * client and the filesystem blob store, infra/local/stack.ts).
 */
export function createDeps(config: Config, events?: EventPublisher, jobs?: (deps: Deps) => JobStarter, local: DepsParts = {}): Deps {
  const deps = assembleDeps(config, { ...ALL_PARTS, ...(events ? { events: () => events } : {}), ...local });
  if (jobs) deps.jobs = jobs(deps);
  return deps;
}
