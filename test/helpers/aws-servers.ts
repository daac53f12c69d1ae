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
import { LOCAL_CREDENTIALS } from '../../shared/deps/local.ts';

export type AwsServers = { dynamodbEndpoint: string; s3Endpoint: string; close(): Promise<void> };

/** Starts both servers on loopback ports, persisted under `dataDir`, and makes sure the table and bucket exist. */
export async function startAwsServers(options: { dataDir: string; tableName: string; bucketName: string; region: string }): Promise<AwsServers> {
  const dynamoDir = join(options.dataDir, 'dynamodb');
  const s3Dir = join(options.dataDir, 's3');
  mkdirSync(dynamoDir, { recursive: true, mode: 0o700 });
  mkdirSync(s3Dir, { recursive: true, mode: 0o700 });

  const dynamoServer = (dynalite as any)({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once('error', reject);
    dynamoServer.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamodbEndpoint = `http://127.0.0.1:${(dynamoServer.address() as AddressInfo).port}`;

  const s3Server = new (S3rver as any)({ port: 0, address: '127.0.0.1', directory: s3Dir, silent: true, allowMismatchedSignatures: true });
  const s3Address = await s3Server.run();
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const dynamo = new DynamoDBClient({ region: options.region, endpoint: dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  } catch {
    await dynamo.send(new CreateTableCommand(tableDefinition(options.tableName)));
  }
  dynamo.destroy();
  const s3 = new S3Client({ region: options.region, endpoint: s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: options.bucketName }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: options.bucketName }));
  }
  s3.destroy();

  return {
    dynamodbEndpoint,
    s3Endpoint,
    async close() {
      await s3Server.close();
      await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
    },
  };
}
