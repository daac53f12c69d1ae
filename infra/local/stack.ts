/**
 * The embedded stack: dynalite (DynamoDB) and s3rver (S3) in this Node process, persisted under the data
 * directory, with the registry's table and bucket created from the same definitions the deployment uses.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { tableDefinition } from '../table.ts';

export type EmbeddedStack = { dynamodbEndpoint: string; s3Endpoint: string; close(): Promise<void> };

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts both servers on loopback ports and makes sure the table and bucket exist. */
export async function startEmbeddedStack(options: { dataDir: string; tableName: string; bucketName: string; region: string }): Promise<EmbeddedStack> {
  const dynamoDir = join(options.dataDir, 'dynamodb');
  const s3Dir = join(options.dataDir, 's3');
  mkdirSync(dynamoDir, { recursive: true });
  mkdirSync(s3Dir, { recursive: true });

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
