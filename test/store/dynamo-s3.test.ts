/** The store contract on the DynamoDB and S3 adapters, against dynalite and s3rver on loopback ports (test/helpers/aws-servers.ts) in a temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { startAwsServers, type AwsServers } from '../helpers/aws-servers.ts';
import { Table } from '../../shared/store/dynamo/table.ts';
import { DynamoRepositoryStore } from '../../shared/store/dynamo/repositories.ts';
import { DynamoImageStore } from '../../shared/store/dynamo/images.ts';
import { DynamoGcStore } from '../../shared/store/dynamo/gc.ts';
import { DynamoLayerStore } from '../../shared/store/dynamo/layers.ts';
import { DynamoScanStore } from '../../shared/store/dynamo/scans.ts';
import { DynamoLifecycleStore } from '../../shared/store/dynamo/lifecycle.ts';
import { DynamoRegistryStore } from '../../shared/store/dynamo/registry.ts';
import { DynamoTemplateStore } from '../../shared/store/dynamo/templates.ts';
import { DynamoPullThroughStore } from '../../shared/store/dynamo/pull-through.ts';
import { S3BlobStore } from '../../shared/store/s3/s3-blob-store.ts';
import { storeContract } from './contract/index.ts';

const REGION = 'us-east-1';
const TABLE = 'contract';
const BUCKET = 'contract-blobs';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let dataDir: string;
let stack: AwsServers;
let dynamo: DynamoDBClient;
let s3: S3Client;
let table: Table;
let blobs: S3BlobStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'secr-store-contract-'));
  stack = await startAwsServers({ dataDir, tableName: TABLE, bucketName: BUCKET, region: REGION });
  dynamo = new DynamoDBClient({ region: REGION, endpoint: stack.dynamodbEndpoint, credentials });
  s3 = new S3Client({
    region: REGION,
    endpoint: stack.s3Endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  table = new Table(dynamo, TABLE);
  blobs = new S3BlobStore(s3, BUCKET);
});

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await stack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// One table and bucket for the file; each test gets its own registry id (and the suite's random uids and key prefixes).
storeContract(
  async () => {
    const registryId = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
    const images = new DynamoImageStore(table);
    return {
      repositories: new DynamoRepositoryStore(table, registryId),
      images,
      layers: new DynamoLayerStore(table),
      blobs,
      scans: new DynamoScanStore(table, registryId),
      registry: new DynamoRegistryStore(table, registryId),
      lifecycle: new DynamoLifecycleStore(table, registryId),
      templates: new DynamoTemplateStore(table, registryId),
      pullThrough: new DynamoPullThroughStore(table, registryId),
      imageStates: images,
      gc: new DynamoGcStore(table, registryId),
    };
  },
  { serverChecksMultipartParts: false },
);
