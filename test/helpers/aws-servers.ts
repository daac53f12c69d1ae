/**
 * DynamoDB (dynalite) and S3 (s3rver) on loopback TCP ports, as AWS's endpoints are reached: for what must talk to
 * them over HTTP (the S3 adapter's store contract, the Lambda bundles, child processes of the benchmarks). The
 * local registry itself does not use these (infra/local/stack.ts).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { tableDefinition } from '../../infra/table.ts';
import type { Deps } from '../../shared/deps.ts';
import { LOCAL_CREDENTIALS } from '../../shared/deps/local.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';

export type AwsServers = { dynamodbEndpoint: string; s3Endpoint: string; close(): Promise<void> };

/** Starts both servers on loopback ports, persisted under `dataDir`, and makes sure the table and bucket exist. */
export async function startAwsServers(options: { dataDir: string; tableName: string; bucketName: string; region: string }): Promise<AwsServers> {
  const dynamoDir = join(options.dataDir, 'dynamodb');
  const s3Dir = join(options.dataDir, 's3');
  mkdirSync(dynamoDir, { recursive: true, mode: 0o700 });

  const dynamoServer = (dynalite as any)({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once('error', reject);
    dynamoServer.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamodbEndpoint = `http://127.0.0.1:${(dynamoServer.address() as AddressInfo).port}`;

  const s3 = await startS3rver(s3Dir, options.bucketName, options.region);

  const dynamo = new DynamoDBClient({ region: options.region, endpoint: dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  } catch {
    await dynamo.send(new CreateTableCommand(tableDefinition(options.tableName)));
  }
  dynamo.destroy();

  return {
    dynamodbEndpoint,
    s3Endpoint: s3.endpoint,
    async close() {
      await s3.close();
      await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
    },
  };
}

/** s3rver alone on a loopback port, files under `dir`, with `bucket` made. */
export async function startS3rver(dir: string, bucket: string, region: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const server = new (S3rver as any)({ port: 0, address: '127.0.0.1', directory: dir, silent: true, allowMismatchedSignatures: true });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  s3.destroy();
  return { endpoint, close: () => server.close() };
}

/**
 * Puts a local registry's blobs on the S3 adapter over s3rver (what AWS runs), for tests and benchmarks that record
 * the S3 calls the operations make (the permissions test, the cost counts). Returns the cleanup.
 */
export async function useS3Blobs(registry: { deps: Deps; dataDir?: string }, dir: string): Promise<() => Promise<void>> {
  const { bucketName, region } = registry.deps.config;
  const server = await startS3rver(dir, bucketName, region);
  registry.deps.blobs = s3Blobs({ ...registry.deps.config, s3Endpoint: server.endpoint });
  return () => server.close();
}
