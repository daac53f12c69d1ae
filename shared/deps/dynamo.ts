/** The `stores` part: the metadata stores over one DynamoDB table (the embedded one locally). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.ts';
import { DynamoImageStore } from '../store/dynamo/images.ts';
import { DynamoLayerStore } from '../store/dynamo/layers.ts';
import { DynamoLifecycleStore } from '../store/dynamo/lifecycle.ts';
import { DynamoRepositoryStore } from '../store/dynamo/repositories.ts';
import { DynamoScanStore } from '../store/dynamo/scans.ts';
import { DynamoRegistryStore } from '../store/dynamo/registry.ts';
import { REGISTRY_READ_CACHE_MS, withReadCache } from '../store/registry.ts';
import { REPOSITORY_READ_CACHE_MS, withRepositoryCache } from '../store/repository-cache.ts';
import { Table } from '../store/dynamo/table.ts';
import { DynamoTemplateStore } from '../store/dynamo/templates.ts';
import { DynamoGcStore } from '../store/dynamo/gc.ts';
import { DynamoPullThroughStore } from '../store/dynamo/pull-through.ts';
import { LOCAL_CREDENTIALS } from './local.ts';
import type { MetadataStores } from './parts.ts';

/** Builds the DynamoDB client and every metadata store on it; the image store is also the ImageStateStore. */
export function dynamoStores(config: Config): MetadataStores {
  const dynamo = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  return dynamoStoresOn(dynamo, config);
}

/** Every metadata store on a given client (the local host's reaches the embedded table over a unix socket). */
export function dynamoStoresOn(dynamo: DynamoDBClient, config: Pick<Config, 'tableName' | 'registryId'>): MetadataStores {
  const table = new Table(dynamo, config.tableName);
  const images = new DynamoImageStore(table);
  return {
    repositories: withRepositoryCache(new DynamoRepositoryStore(table, config.registryId), REPOSITORY_READ_CACHE_MS),
    images,
    layers: new DynamoLayerStore(table),
    scans: new DynamoScanStore(table, config.registryId),
    registry: withReadCache(new DynamoRegistryStore(table, config.registryId), REGISTRY_READ_CACHE_MS),
    lifecycle: new DynamoLifecycleStore(table, config.registryId),
    templates: new DynamoTemplateStore(table, config.registryId),
    pullThrough: new DynamoPullThroughStore(table, config.registryId),
    imageStates: images,
    gc: new DynamoGcStore(table, config.registryId),
  };
}
