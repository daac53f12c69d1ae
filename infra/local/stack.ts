/**
 * The embedded stack: dynalite (DynamoDB) in this Node process and the filesystem blob store, both under the data
 * directory, with the registry's table created from the same definition the deployment uses. Nothing here opens a
 * TCP port: the registry's DynamoDB client (the real SDK client) hands its requests to dynalite's request listener
 * in process (./in-process-handler.ts), and blobs are files the registry reads itself. dynalite also listens on a
 * unix socket inside the data directory (0700, the socket 0600), only because its server's close is what closes its
 * LevelDB; nothing connects to it. A data directory an older version left (blobs in s3rver's
 * layout) is migrated on open (./migrate-s3rver.ts).
 */
import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../../shared/config.ts';
import { dynamoStoresOn } from '../../shared/deps/dynamo.ts';
import { LOCAL_CREDENTIALS } from '../../shared/deps/local.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { keysSignerPart } from '../../shared/deps/signer.ts';
import { FsBlobStore } from '../../shared/store/fs/fs-blob-store.ts';
import { BlobUrlSigner, blobUrlKey } from '../../shared/store/fs/signed-urls.ts';
import { tableDefinition } from '../table.ts';
import { InProcessHandler, type RequestListener } from './in-process-handler.ts';
import { migrateS3rverData } from './migrate-s3rver.ts';

export type EmbeddedStack = {
  /** A DynamoDB client bound to the embedded table's socket. */
  dynamo: DynamoDBClient;
  blobs: FsBlobStore;
  /** Checks the download URLs the blob store signs (the host serves them). */
  signer: BlobUrlSigner;
  /** The `stores`, `blobs` and `signer` (the local keys) parts of the registry's deps on this stack. */
  parts(config: Config): DepsParts;
  close(): Promise<void>;
};

export type StackOptions = {
  dataDir: string;
  tableName: string;
  region: string;
  /** The registry's signing key (Config.signingKey): download URLs are signed with a key derived from it. */
  signingKey: Buffer;
  /** The scheme of the registry's own listener, for download URLs. */
  scheme: 'http' | 'https';
  /** The bucket an older version kept blobs in under `<dataDir>/s3` (migrated once); none to skip. */
  legacyBucket?: string;
  now?: () => Date;
};

/** The unix socket path limit (sun_path) on Linux, less its terminating NUL. */
const MAX_SOCKET_PATH = 107;

/** Opens the data directory (made 0700) and starts dynalite on its socket; the table is made if missing. */
export async function startEmbeddedStack(options: StackOptions): Promise<EmbeddedStack> {
  privateDir(options.dataDir);
  const dynamoDir = join(options.dataDir, 'dynamodb');
  privateDir(dynamoDir);
  const socketPath = join(options.dataDir, 'dynamodb.sock');
  if (socketPath.length > MAX_SOCKET_PATH) {
    throw new Error(`The data directory's path is too long for its socket (${socketPath.length} > ${MAX_SOCKET_PATH} bytes): use a shorter REGISTRY_DATA_DIR.`);
  }
  // The lock (./lock.ts) makes this process the directory's only user: a socket file left is a dead process's.
  rmSync(socketPath, { force: true });
  const dynamoServer = (dynalite as any)({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once('error', reject);
    dynamoServer.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);

  const listener = dynamoServer.listeners('request')[0] as RequestListener;
  const dynamo = new DynamoDBClient({
    region: options.region,
    // The host name is never resolved: every request is served in process.
    endpoint: 'http://dynamodb.embedded',
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new InProcessHandler(listener),
  });
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  } catch {
    await dynamo.send(new CreateTableCommand(tableDefinition(options.tableName)));
  }

  const signer = new BlobUrlSigner(blobUrlKey(options.signingKey), options.scheme, options.now);
  const blobs = await FsBlobStore.open(join(options.dataDir, 'blobs'), signer);
  if (options.legacyBucket) await migrateS3rverData(join(options.dataDir, 's3'), options.legacyBucket, blobs);

  return {
    dynamo,
    blobs,
    signer,
    parts: (config) => ({ stores: () => dynamoStoresOn(dynamo, config), blobs: () => blobs, signer: keysSignerPart }),
    async close() {
      dynamo.destroy();
      await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}

/** Makes a directory (and its parents) and restricts it to its owner, also when it already existed. */
function privateDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
