/**
 * The registry's configuration, read once from the environment (see the README's configuration table).
 */
import { createHmac } from 'node:crypto';

export type Config = {
  registryId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Host (and port) clients use for repository URIs and the proxy endpoint; from the request when unset. */
  publicHost?: string;
  /** http or https, for proxyEndpoint. */
  publicScheme: string;
  tableName: string;
  bucketName: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** EventBridge bus for ECR-shaped events; the in-process bus when unset (local mode). */
  eventBusName?: string;
  /** Step Functions state machines are `<prefix><machine>` (e.g. arn:aws:states:…:stateMachine:serverless-ecr-); unset locally. */
  stateMachineArnPrefix?: string;
  /** partSize InitiateLayerUpload recommends: it must fit a Lambda payload once base64-encoded. */
  layerPartSize: number;
  /** How long an abandoned layer upload stays resumable. */
  uploadTtlSeconds: number;
  /** Directory holding the OSV vulnerability feed exports (`<Ecosystem>/all.zip`) that scans match against. */
  scanFeedDir?: string;
  /** Key prefix of the blob bucket holding the OSV exports (`<prefix><Ecosystem>/all.zip`): the feed location in AWS. */
  scanFeedS3Prefix?: string;
  /** OCI blob GETs: `redirect` (307 to a presigned S3 URL) or `stream` (through the registry, with Range). */
  ociBlobDelivery: 'redirect' | 'stream';
  /** OCI-Chunk-Min-Length advertised to chunking clients. */
  ociChunkMinLength: number;
  /** OCI-Chunk-Max-Length advertised to chunking clients (in AWS: what fits a Lambda payload). */
  ociChunkMaxLength?: number;
  /** Key that signs authorization tokens and pagination tokens, derived from the secret key. */
  signingKey: Buffer;
};

export const DEFAULT_ACCESS_KEY_ID = 'test';
export const DEFAULT_SECRET_ACCESS_KEY = 'test';

/** Builds the configuration from environment variables, applying the documented defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const secretAccessKey = env.REGISTRY_SECRET_ACCESS_KEY ?? DEFAULT_SECRET_ACCESS_KEY;
  return {
    registryId: env.REGISTRY_ID ?? '000000000000',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accessKeyId: env.REGISTRY_ACCESS_KEY_ID ?? DEFAULT_ACCESS_KEY_ID,
    secretAccessKey,
    publicHost: env.REGISTRY_PUBLIC_HOST || undefined,
    publicScheme: env.REGISTRY_PUBLIC_SCHEME ?? 'https',
    tableName: env.TABLE_NAME ?? 'serverless-ecr',
    bucketName: env.BUCKET_NAME ?? 'serverless-ecr-blobs',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    eventBusName: env.EVENT_BUS_NAME || undefined,
    stateMachineArnPrefix: env.STATE_MACHINE_ARN_PREFIX || undefined,
    layerPartSize: Number(env.LAYER_PART_SIZE ?? 4 * 1024 * 1024),
    uploadTtlSeconds: Number(env.UPLOAD_TTL_SECONDS ?? 24 * 3600),
    scanFeedDir: env.SCAN_FEED_DIR || undefined,
    scanFeedS3Prefix: env.SCAN_FEED_S3_PREFIX || undefined,
    ociBlobDelivery: env.OCI_BLOB_DELIVERY === 'stream' ? 'stream' : 'redirect',
    // Small chunks are coalesced into S3 parts, so the minimum is only advice; it never exceeds the maximum.
    ociChunkMinLength: Number(env.OCI_CHUNK_MIN_LENGTH ?? Math.min(5 * 1024 * 1024, Number(env.OCI_CHUNK_MAX_LENGTH || Infinity))),
    ociChunkMaxLength: env.OCI_CHUNK_MAX_LENGTH ? Number(env.OCI_CHUNK_MAX_LENGTH) : undefined,
    signingKey: deriveSigningKey(secretAccessKey),
  };
}

/** A key for HMAC-signed tokens, derived from the registry's secret so that both rotate together. */
export function deriveSigningKey(secretAccessKey: string): Buffer {
  return createHmac('sha256', secretAccessKey).update('serverless-ecr token key v1').digest();
}

/** Whether a host (`name`, `name:port`, `[v6]:port` or a bare IPv6 address) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':').length === 2 ? host.split(':')[0] : host;
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
