/**
 * Everything the domain needs, built once per cold start (Lambda) or once per host (local), and passed
 * down as one object so tests can swap any part.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { configFromEnv, DEFAULT_SECRET_ACCESS_KEY, type Config } from './config.ts';
import type { ImageStore, LayerStore, RepositoryStore } from './store/metadata.ts';
import type { BlobStore } from './store/blobs.ts';
import { Table } from './store/dynamo/table.ts';
import { DynamoRepositoryStore } from './store/dynamo/repositories.ts';
import { DynamoImageStore } from './store/dynamo/images.ts';
import { DynamoLayerStore } from './store/dynamo/layers.ts';
import { DynamoScanStore } from './store/dynamo/scans.ts';
import type { ScanStore } from './store/scans.ts';
import { DynamoLifecycleStore } from './store/dynamo/lifecycle.ts';
import type { ImageStateStore, LifecycleStore } from './store/lifecycle.ts';
import { UnconfiguredJobStarter, type JobStarter } from './jobs/starter.ts';
import { SfnJobStarter } from './jobs/sfn.ts';
import { S3BlobStore } from './store/s3/s3-blob-store.ts';
import { InProcessBus, type EventPublisher } from './events/publisher.ts';
import { EventBridgePublisher } from './events/eventbridge.ts';
import { secretFromParameter } from './secrets/ssm-secret.ts';
import type { Authorizer } from './domain/authorize.ts';
import type { PrincipalsSource } from './iam/file.ts';
import { policyAuthorizer, principalsOf } from './iam/setup.ts';

export type Deps = {
  config: Config;
  repositories: RepositoryStore;
  images: ImageStore;
  layers: LayerStore;
  blobs: BlobStore;
  scans: ScanStore;
  lifecycle: LifecycleStore;
  imageStates: ImageStateStore;
  events: EventPublisher;
  /** Starts state machines: Step Functions in AWS, the in-process interpreter locally (infra/local/jobs.ts). */
  jobs: JobStarter;
  /** Who may sign requests: the registry's root key and the principals file (REGISTRY_IAM_FILE), kept current. */
  principals: PrincipalsSource;
  /** The one decision point every domain entry point asks (shared/domain/authorize.ts). */
  authorizer: Authorizer;
  now: () => Date;
};

/**
 * Builds the SDK clients and stores for a configuration. Local mode passes the embedded endpoints, its bus and
 * its job runner (built from the finished deps, since its tasks use them).
 */
export function createDeps(config: Config, events?: EventPublisher, jobs?: (deps: Deps) => JobStarter): Deps {
  const local = { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  const dynamo = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, ...local } : {}),
  });
  const s3 = new S3Client({
    region: config.region,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, ...local } : {}),
    // Without these, streamed bodies are stored with aws-chunked framing by the embedded server.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const table = new Table(dynamo, config.tableName);
  const images = new DynamoImageStore(table);
  const deps: Deps = {
    config,
    repositories: new DynamoRepositoryStore(table, config.registryId),
    images,
    layers: new DynamoLayerStore(table),
    blobs: new S3BlobStore(s3, config.bucketName),
    scans: new DynamoScanStore(table, config.registryId),
    lifecycle: new DynamoLifecycleStore(table, config.registryId),
    imageStates: images,
    events:
      events ?? (config.eventBusName ? new EventBridgePublisher(new EventBridgeClient({ region: config.region }), config.eventBusName) : new InProcessBus()),
    jobs: config.stateMachineArnPrefix
      ? new SfnJobStarter(new SFNClient({ region: config.region }), config.stateMachineArnPrefix)
      : new UnconfiguredJobStarter(),
    principals: principalsOf(config),
    authorizer: undefined as unknown as Authorizer,
    now: () => new Date(),
  };
  deps.authorizer = policyAuthorizer(deps);
  if (jobs) deps.jobs = jobs(deps);
  return deps;
}

// In AWS the secret key is read from SSM Parameter Store (REGISTRY_SECRET_PARAMETER) by a top-level await:
// it completes in the Lambda's init phase, before the first request, and everything after stays synchronous.
const parameterSecret = await secretFromParameter(process.env);

let fromEnv: Deps | undefined;
/** The Lambda's dependencies, from its environment, built on first use. Refuses the default keys in a Lambda. */
export function depsFromEnv(): Deps {
  if (!fromEnv) {
    const config = configFromEnv(parameterSecret === undefined ? process.env : { ...process.env, REGISTRY_SECRET_ACCESS_KEY: parameterSecret });
    if (process.env.AWS_LAMBDA_FUNCTION_NAME && config.secretAccessKey === DEFAULT_SECRET_ACCESS_KEY) {
      throw new Error('Refusing the default access keys in AWS: set REGISTRY_SECRET_PARAMETER (or REGISTRY_SECRET_ACCESS_KEY).');
    }
    fromEnv = createDeps(config);
  }
  return fromEnv;
}
