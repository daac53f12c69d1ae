/**
 * Everything the domain needs, built once per cold start (Lambda) or once per host (local), and passed
 * down as one object so tests can swap any part.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { configFromEnv, type Config } from './config.ts';
import type { ImageStore, LayerStore, RepositoryStore } from './store/metadata.ts';
import type { BlobStore } from './store/blobs.ts';
import { Table } from './store/dynamo/table.ts';
import { DynamoRepositoryStore } from './store/dynamo/repositories.ts';
import { DynamoImageStore } from './store/dynamo/images.ts';
import { DynamoLayerStore } from './store/dynamo/layers.ts';
import { S3BlobStore } from './store/s3/s3-blob-store.ts';
import { InProcessBus, type EventPublisher } from './events/publisher.ts';
import { EventBridgePublisher } from './events/eventbridge.ts';

export type Deps = {
  config: Config;
  repositories: RepositoryStore;
  images: ImageStore;
  layers: LayerStore;
  blobs: BlobStore;
  events: EventPublisher;
  now: () => Date;
};

/** Builds the SDK clients and stores for a configuration. Local mode passes the embedded endpoints. */
export function createDeps(config: Config, events?: EventPublisher): Deps {
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
  return {
    config,
    repositories: new DynamoRepositoryStore(table, config.registryId),
    images: new DynamoImageStore(table),
    layers: new DynamoLayerStore(table),
    blobs: new S3BlobStore(s3, config.bucketName),
    events: events ?? (config.eventBusName ? new EventBridgePublisher(new EventBridgeClient({ region: config.region }), config.eventBusName) : new InProcessBus()),
    now: () => new Date(),
  };
}

let fromEnv: Deps | undefined;
/** The Lambda's dependencies, from its environment, built on first use. */
export function depsFromEnv(): Deps {
  fromEnv ??= createDeps(configFromEnv());
  return fromEnv;
}
