/**
 * The registry's configuration, read once from the environment (see the README's configuration table), and
 * the local host's: every variable is read and checked here, and a bad value is a ConfigError at start.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export type Config = {
  registryId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Host (and port) clients use for repository URIs and the proxy endpoint; from the request when unset. */
  publicHost?: string;
  /** http or https, for proxyEndpoint. */
  publicScheme: 'http' | 'https';
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
  /** REGISTRY_GC_GRACE_SECONDS: how long an unreferenced blob, link or marked repository is left untouched before garbage collection frees it. */
  gcGraceSeconds: number;
  /** REGISTRY_GC_INTERVAL_SECONDS: how often the garbage collector sweeps the whole registry (what a lost mark missed). */
  gcIntervalSeconds: number;
  /** REGISTRY_IAM_FILE: the principals file (principals, their access keys and identity policies); unset, only the root key exists. */
  iamFile?: string;
  /** REGISTRY_IAM_SECRET_ID / REGISTRY_IAM_PARAMETER: where the same document lives in AWS (read by the Lambdas, shared/deps/lambda.ts). */
  iamDocument?: PrincipalsDocumentSource;
  /** REGISTRY_PEERS_FILE: how to reach each replication destination (shared/replication/peers.ts); unset, no destination is reachable. */
  peersFile?: string;
  /** REGISTRY_PEERS_SECRET_ID: the Secrets Manager secret holding the same document in AWS. */
  peersSecretId?: string;
  /** REPLICATION_SYNC_DELETES=1 (beyond ECR): image deletions and tag removals replicate to the destinations too. */
  replicationSyncDeletes: boolean;
  /** Directory holding the OSV vulnerability feed exports (`<Ecosystem>/all.zip`) that scans match against. */
  scanFeedDir?: string;
  /** Key prefix of the blob bucket holding the OSV exports (`<prefix><Ecosystem>/all.zip`): the feed location in AWS. */
  scanFeedS3Prefix?: string;
  /** OCI blob GETs: `redirect` (307 to a presigned S3 URL) or `stream` (through the registry, with Range). */
  ociBlobDelivery: 'redirect' | 'stream';
  /** OCI-Chunk-Min-Length advertised to chunking clients; none by default (small chunks are coalesced into S3 parts). */
  ociChunkMinLength?: number;
  /** OCI-Chunk-Max-Length advertised to chunking clients (in AWS: what fits a Lambda payload). */
  ociChunkMaxLength?: number;
  /** REGISTRY_SECRETS_FILE: the pull through cache credentials by secret ARN (shared/pull-through/secrets.ts); unset, Secrets Manager is asked. */
  secretsFile?: string;
  /** PULL_THROUGH_CACHE_REFRESH_SECONDS: a cached tag is checked against its upstream at most this often (default a day). */
  pullThroughRefreshSeconds: number;
  /** Key that signs authorization tokens and pagination tokens, derived from the secret key. */
  signingKey: Buffer;
  /** REGISTRY_SIGNING_KEYS_DIR: one folder per signing profile (key.pem, chain.pem) for managed signing; unset, AWS Signer in AWS, and no keys locally. */
  signingKeysDir?: string;
  /** SIGNER_ENDPOINT: AWS Signer's endpoint when not AWS's own (tests). */
  signerEndpoint?: string;
};

export const DEFAULT_ACCESS_KEY_ID = 'test';
export const DEFAULT_SECRET_ACCESS_KEY = 'test';

const MiB = 1024 * 1024;
/** LAYER_PART_SIZE's default in AWS (a part must fit a Lambda payload once base64-encoded). */
export const DEFAULT_LAYER_PART_SIZE = 4 * MiB;
/** LAYER_PART_SIZE's default on the local host, which has no payload limit. */
export const LOCAL_LAYER_PART_SIZE = 10 * MiB;
/** The largest part an ECR client may be told to send, ECR's own maximum: the local host reads JSON bodies of up to 28 MiB, a 20 MiB part base64-encoded with room to spare. */
export const MAX_LAYER_PART_SIZE = 20 * MiB;
/** The largest delay Node's timers honour (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How often a cached tag is checked against its upstream when PULL_THROUGH_CACHE_REFRESH_SECONDS is unset: once a day, as ECR does. */
export const DEFAULT_PULL_THROUGH_REFRESH_SECONDS = 86400;

/** A configuration variable with a value the registry cannot start with. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(`Invalid configuration: ${variable}=${JSON.stringify(value)}: expected ${expected}`);
  }
}

/** Where the principals document lives in AWS: a Secrets Manager secret (name or ARN) or an SSM parameter (a SecureString). */
export type PrincipalsDocumentSource = { kind: 'secret'; secretId: string } | { kind: 'parameter'; name: string };

/** The variables that name the principals document; at most one may be set. */
const PRINCIPALS_VARIABLES = ['REGISTRY_IAM_FILE', 'REGISTRY_IAM_SECRET_ID', 'REGISTRY_IAM_PARAMETER'] as const;

/** Where REGISTRY_IAM_SECRET_ID or REGISTRY_IAM_PARAMETER put the principals document; throws a ConfigError when more than one of the principals variables is set. */
export function principalsDocumentSource(env: NodeJS.ProcessEnv): PrincipalsDocumentSource | undefined {
  const set = PRINCIPALS_VARIABLES.filter((name) => text(env, name) !== undefined);
  if (set.length > 1) throw new ConfigError(set[1], env[set[1]]!, `unset: ${set[0]} already names the principals, and only one source may`);
  const secretId = text(env, 'REGISTRY_IAM_SECRET_ID');
  if (secretId) return { kind: 'secret', secretId };
  const name = text(env, 'REGISTRY_IAM_PARAMETER');
  return name ? { kind: 'parameter', name } : undefined;
}

/** Builds the configuration from environment variables, applying the documented defaults; throws a ConfigError for a bad value. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return readConfig(env, DEFAULT_LAYER_PART_SIZE);
}

/** The local host's own settings (infra/local), beside the registry's Config. */
export type LocalHostConfig = {
  /** HOST: the address to listen on. */
  hostname: string;
  /** PORT: the port to listen on, 0 for a free one. */
  port: number;
  /** REGISTRY_DATA_DIR, resolved: where the embedded DynamoDB and S3 keep their files. */
  dataDir: string;
  /** LIFECYCLE_PUSH_DEBOUNCE_MS; unset, the lifecycle triggers' default (2000). */
  lifecyclePushDebounceMs?: number;
  /** SCAN_FEED_INTERVAL_SECONDS; unset, the scan triggers' default (3600). */
  scanFeedIntervalSeconds?: number;
  /** TLS_CERT_FILE and TLS_KEY_FILE (both or neither), read: the one port then speaks HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
};

/** The configuration of the local host: the registry's (with the local LAYER_PART_SIZE default) and the host's own; throws a ConfigError for a bad value. */
export function localConfigFromEnv(env: NodeJS.ProcessEnv = process.env): { config: Config; host: LocalHostConfig } {
  const config = readConfig(env, LOCAL_LAYER_PART_SIZE);
  if (config.iamDocument) {
    const variable = config.iamDocument.kind === 'secret' ? 'REGISTRY_IAM_SECRET_ID' : 'REGISTRY_IAM_PARAMETER';
    throw new ConfigError(
      variable,
      env[variable]!,
      'unset on the local host (the Lambdas read it in AWS): point REGISTRY_IAM_FILE at a principals file instead',
    );
  }
  const debounce = optionalInteger(env, 'LIFECYCLE_PUSH_DEBOUNCE_MS', 0, MAX_TIMER_MS);
  const interval = optionalInteger(env, 'SCAN_FEED_INTERVAL_SECONDS', 1, Math.floor(MAX_TIMER_MS / 1000));
  return {
    config,
    host: {
      hostname: text(env, 'HOST') ?? '127.0.0.1',
      port: optionalInteger(env, 'PORT', 0, 65535) ?? 5000,
      dataDir: resolve(text(env, 'REGISTRY_DATA_DIR') ?? '.data'),
      ...(debounce === undefined ? {} : { lifecyclePushDebounceMs: debounce }),
      ...(interval === undefined ? {} : { scanFeedIntervalSeconds: interval }),
      ...tlsFiles(env),
    },
  };
}

/** The PEM certificate chain and key TLS_CERT_FILE and TLS_KEY_FILE name; nothing when neither is set. */
function tlsFiles(env: NodeJS.ProcessEnv): { tls?: { cert: Buffer; key: Buffer } } {
  const certFile = text(env, 'TLS_CERT_FILE');
  const keyFile = text(env, 'TLS_KEY_FILE');
  if (!certFile && !keyFile) return {};
  if (!certFile) throw new ConfigError('TLS_CERT_FILE', '', 'a PEM certificate file, since TLS_KEY_FILE is set (both or neither)');
  if (!keyFile) throw new ConfigError('TLS_KEY_FILE', '', 'a PEM private key file, since TLS_CERT_FILE is set (both or neither)');
  const read = (name: string, file: string, what: string) => {
    try {
      const pem = readFileSync(resolve(file));
      if (!pem.includes('-----BEGIN')) throw new Error('not PEM');
      return pem;
    } catch (e) {
      throw new ConfigError(name, file, `a readable PEM ${what} file (${(e as Error).message})`);
    }
  };
  return { tls: { cert: read('TLS_CERT_FILE', certFile, 'certificate'), key: read('TLS_KEY_FILE', keyFile, 'private key') } };
}

function readConfig(env: NodeJS.ProcessEnv, layerPartSize: number): Config {
  const secretAccessKey = env.REGISTRY_SECRET_ACCESS_KEY ?? DEFAULT_SECRET_ACCESS_KEY;
  const ociChunkMaxLength = optionalInteger(env, 'OCI_CHUNK_MAX_LENGTH', 1);
  // Small chunks are coalesced into S3 parts, so no minimum is advertised unless one is set; it never exceeds the maximum.
  const ociChunkMinLength = optionalInteger(env, 'OCI_CHUNK_MIN_LENGTH', 1);
  if (ociChunkMinLength !== undefined && ociChunkMaxLength !== undefined && ociChunkMinLength > ociChunkMaxLength) {
    throw new ConfigError('OCI_CHUNK_MIN_LENGTH', env.OCI_CHUNK_MIN_LENGTH!, `at most OCI_CHUNK_MAX_LENGTH (${ociChunkMaxLength})`);
  }
  return {
    registryId: env.REGISTRY_ID ?? '000000000000',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accessKeyId: env.REGISTRY_ACCESS_KEY_ID ?? DEFAULT_ACCESS_KEY_ID,
    secretAccessKey,
    publicHost: env.REGISTRY_PUBLIC_HOST || undefined,
    publicScheme: oneOf(env, 'REGISTRY_PUBLIC_SCHEME', ['http', 'https']) ?? 'https',
    tableName: env.TABLE_NAME ?? 'serverless-ecr',
    bucketName: env.BUCKET_NAME ?? 'serverless-ecr-blobs',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    eventBusName: env.EVENT_BUS_NAME || undefined,
    stateMachineArnPrefix: env.STATE_MACHINE_ARN_PREFIX || undefined,
    layerPartSize: optionalInteger(env, 'LAYER_PART_SIZE', 1, MAX_LAYER_PART_SIZE) ?? layerPartSize,
    uploadTtlSeconds: optionalInteger(env, 'UPLOAD_TTL_SECONDS', 1) ?? 24 * 3600,
    gcGraceSeconds: optionalInteger(env, 'REGISTRY_GC_GRACE_SECONDS', 1) ?? 3600,
    gcIntervalSeconds: optionalInteger(env, 'REGISTRY_GC_INTERVAL_SECONDS', 60) ?? 24 * 3600,
    scanFeedDir: env.SCAN_FEED_DIR || undefined,
    iamFile: env.REGISTRY_IAM_FILE ? resolve(env.REGISTRY_IAM_FILE) : undefined,
    iamDocument: principalsDocumentSource(env),
    ...peersSource(env),
    replicationSyncDeletes: oneOf(env, 'REPLICATION_SYNC_DELETES', ['0', '1']) === '1',
    scanFeedS3Prefix: env.SCAN_FEED_S3_PREFIX || undefined,
    ociBlobDelivery: oneOf(env, 'OCI_BLOB_DELIVERY', ['redirect', 'stream']) ?? 'redirect',
    ociChunkMinLength,
    ociChunkMaxLength,
    secretsFile: env.REGISTRY_SECRETS_FILE ? resolve(env.REGISTRY_SECRETS_FILE) : undefined,
    pullThroughRefreshSeconds: optionalInteger(env, 'PULL_THROUGH_CACHE_REFRESH_SECONDS', 0) ?? DEFAULT_PULL_THROUGH_REFRESH_SECONDS,
    signingKey: deriveSigningKey(secretAccessKey),
    ...signingKeys(env),
  };
}

/** REGISTRY_SIGNING_KEYS_DIR, resolved, when it names a directory; SIGNER_ENDPOINT. */
function signingKeys(env: NodeJS.ProcessEnv): Pick<Config, 'signingKeysDir' | 'signerEndpoint'> {
  const dir = text(env, 'REGISTRY_SIGNING_KEYS_DIR');
  const endpoint = text(env, 'SIGNER_ENDPOINT');
  if (dir) {
    let isDirectory = false;
    try {
      isDirectory = statSync(resolve(dir)).isDirectory();
    } catch {
      // Reported below.
    }
    if (!isDirectory) throw new ConfigError('REGISTRY_SIGNING_KEYS_DIR', dir, 'a directory holding one folder per signing profile');
  }
  return { ...(dir ? { signingKeysDir: resolve(dir) } : {}), ...(endpoint ? { signerEndpoint: endpoint } : {}) };
}

/** Where the peers document is: REGISTRY_PEERS_FILE or REGISTRY_PEERS_SECRET_ID, at most one of them. */
function peersSource(env: NodeJS.ProcessEnv): Pick<Config, 'peersFile' | 'peersSecretId'> {
  const file = text(env, 'REGISTRY_PEERS_FILE');
  const secretId = text(env, 'REGISTRY_PEERS_SECRET_ID');
  if (file && secretId) throw new ConfigError('REGISTRY_PEERS_SECRET_ID', secretId, 'unset: REGISTRY_PEERS_FILE already names the peers');
  return file ? { peersFile: resolve(file) } : secretId ? { peersSecretId: secretId } : {};
}

/** The variable's value; undefined when unset or empty. */
function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || undefined;
}

/** A decimal integer of at least min (and at most max when given); undefined when unset or empty. */
function optionalInteger(env: NodeJS.ProcessEnv, name: string, min: number, max?: number): number | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    throw new ConfigError(name, raw, max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`);
  }
  return value;
}

/** One of the allowed values; undefined when unset or empty. */
function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, raw, `one of ${allowed.join(', ')}`);
  return raw as T;
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
