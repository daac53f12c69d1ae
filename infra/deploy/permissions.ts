/**
 * Least privilege, in one table: what each function may do, and the IAM role statements built from it.
 * Every statement names the table (and its index), the bucket's objects, the event bus, the state
 * machines, the function's own log group or the secret parameter: no `*` action, no `*` resource.
 * The rows for groups that exist were derived from the store calls their operations make (checked by
 * test/deploy/permissions.test.ts, which records every AWS call); the others are what their issues
 * describe, to be narrowed when their handlers land. A function without a row fails `npm run package`.
 */
import { tableDefinition } from '../table.ts';
import { FEED_PREFIX } from './functions.ts';

export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'BatchGetItem' | 'BatchWriteItem';
export type BucketAction = 'GetObject' | 'PutObject' | 'DeleteObject' | 'AbortMultipartUpload';

export type Access = {
  /** DynamoDB actions on the registry table and its indexes. */
  table?: readonly TableAction[];
  /** S3 actions on the objects of the blob bucket (HeadObject needs GetObject; multipart parts need PutObject). */
  bucket?: readonly BucketAction[];
  /** s3:ListBucket on the blob bucket, only for keys under these prefixes (the feed location). */
  listPrefixes?: readonly string[];
  /** events:PutEvents on the registry's event bus. */
  publishEvents?: boolean;
  /** states:StartExecution on the deployment's state machines. */
  startStateMachines?: boolean;
  /** secretsmanager:GetSecretValue on the peers secret (REGISTRY_PEERS_SECRET_ID), when the deployment names one. */
  readPeers?: boolean;
  /** signer:SignPayload on the account's AWS Signer signing profiles (managed signing in AWS). */
  signPayload?: boolean;
  /** secretsmanager:GetSecretValue on the pull through cache credentials (`ecr-pullthroughcache/*`), for the functions that import from upstream. */
  readPullThroughSecrets?: boolean;
  /**
   * false: the function never authenticates a caller (its tasks act as the registry's own service actors), so it
   * gets neither the principals document's variable nor the right to read it. Every other function gets both.
   */
  principals?: false;
};

/** Whether a function folder reads the principals document (REGISTRY_IAM_SECRET_ID / REGISTRY_IAM_PARAMETER). */
export const readsPrincipals = (folder: string) => PERMISSIONS[folder]?.principals !== false;

const READ: TableAction[] = ['GetItem', 'Query', 'BatchGetItem'];
const WRITE: TableAction[] = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

/** What each function (by folder name under functions/) may do beyond writing its own logs and reading the secret. */
export const PERMISSIONS: Readonly<Record<string, Access>> = {
  // GetAuthorizationToken seals a token with the key derived from the secret: no data access at all.
  auth: {},
  repositories: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], publishEvents: true },
  // A BatchGetImage of a pull through cache repository imports from upstream: the blobs' uploads, the image, its PUSH event.
  images: {
    table: [...READ, ...WRITE],
    bucket: ['GetObject', 'PutObject', 'DeleteObject', 'AbortMultipartUpload'],
    publishEvents: true,
    readPullThroughSecrets: true,
  },
  // UpdateItem: a CREATE_ON_PUSH InitiateLayerUpload puts its template's lifecycle policy.
  layers: {
    table: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    bucket: ['GetObject', 'PutObject', 'DeleteObject', 'AbortMultipartUpload'],
  },
  // Rows read from the stores, blob and job calls of shared/lifecycle and shared/scan; the groups below have no handler yet.
  lifecycle: { table: [...READ, ...WRITE], startStateMachines: true },
  'lifecycle-jobs': { table: [...READ, ...WRITE], bucket: ['GetObject'], publishEvents: true, startStateMachines: true, principals: false },
  scanning: { table: [...READ, ...WRITE], bucket: ['GetObject'], publishEvents: true, startStateMachines: true },
  // The feed import lists the feed location (GetObject already covers reading the exports).
  'scanning-jobs': {
    table: [...READ, ...WRITE],
    bucket: ['GetObject', 'PutObject', 'DeleteObject'],
    listPrefixes: [FEED_PREFIX],
    publishEvents: true,
    startStateMachines: true,
    principals: false,
  },
  // Replication on push reads the configuration, records IN_PROGRESS and starts the machine; the copy reads the image and its blobs and records the status.
  'replication-jobs': { table: [...READ, 'PutItem', 'BatchWriteItem'], bucket: ['GetObject'], startStateMachines: true, readPeers: true, principals: false },
  // Garbage collection reads every store's items, removes links, blobs, uploads, marks and dead partitions (BatchWriteItem),
  // reads manifests kept in S3, deletes objects and aborts multipart uploads; the tick starts its machine; runs publish their counts.
  'gc-jobs': {
    table: [...READ, ...WRITE],
    bucket: ['GetObject', 'DeleteObject', 'AbortMultipartUpload'],
    publishEvents: true,
    startStateMachines: true,
    principals: false,
  },
  // Signing on push reads the configuration and the image, claims IN_PROGRESS and starts the machine; the task reads the image,
  // stores the signature's blobs and manifest (and its PUSH event), records the status, and calls AWS Signer. It decides
  // signer:SignPayload with the pusher's identity, so it reads the principals document.
  'signing-jobs': {
    table: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
    bucket: ['GetObject', 'PutObject', 'DeleteObject'],
    publishEvents: true,
    startStateMachines: true,
    signPayload: true,
  },
  // A manifest GET of a pull through cache repository creates it and imports from upstream, as BatchGetImage does.
  'oci-pull': {
    table: [...READ, ...WRITE],
    bucket: ['GetObject', 'PutObject', 'DeleteObject', 'AbortMultipartUpload'],
    publishEvents: true,
    readPullThroughSecrets: true,
  },
  'oci-push': { table: [...READ, ...WRITE], bucket: ['GetObject', 'PutObject', 'DeleteObject', 'AbortMultipartUpload'], publishEvents: true },
  // The registry policy, the pull-time exclusion list, the replication configuration and the backfill list are one item each;
  // a backfill's results are queried, and StartReplicationBackfill starts its state machine.
  registry: { table: ['GetItem', 'PutItem', 'DeleteItem', 'Query'], startStateMachines: true },
  // Creation templates are one item each: counted and listed (Query), read by prefix (GetItem, BatchGetItem), put, deleted.
  // Pull through cache rules likewise; Create, Update and Validate read the rule's secret.
  cache: { table: ['GetItem', 'Query', 'BatchGetItem', 'PutItem', 'DeleteItem'], readPullThroughSecrets: true },
};

/** CloudFormation values for the resources a role may name. */
export type ResourceRefs = {
  table: unknown;
  bucket: unknown;
  eventBus: unknown;
  stateMachines: unknown[];
  /** The log groups of the functions sharing the role. */
  logGroups: unknown[];
  secretParameter: string;
  /** A customer-managed KMS key that encrypts the secret parameter and the principals document ('' for the AWS-managed keys). */
  secretKmsKey: string;
  /** The principals document's Secrets Manager secret, a name or an ARN ('' or absent: none). */
  iamSecretId?: string;
  /** The principals document's SSM parameter ('' or absent: none). */
  iamParameter?: string;
  /** The peers document's Secrets Manager secret, a name or an ARN ('' or absent: none). */
  peersSecretId?: string;
};

type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown[]; Condition?: Record<string, unknown> };

const sub = (text: string) => ({ 'Fn::Sub': text });
const SECRETS_MANAGER_REFERENCE = '/aws/reference/secretsmanager/';

/** The statements of one function's role; throws for a function without a row in PERMISSIONS. */
export function roleStatements(functionName: string, refs: ResourceRefs): Statement[] {
  if (!Object.hasOwn(PERMISSIONS, functionName)) {
    throw new Error(`functions/${functionName} has no row in infra/deploy/permissions.ts: say what it may access before it is deployed`);
  }
  const access = PERMISSIONS[functionName];
  const statements: Statement[] = [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: refs.logGroups },
    ...secretStatements(readsPrincipals(functionName) ? refs : { ...refs, iamSecretId: undefined, iamParameter: undefined }),
  ];
  if (access.table?.length) {
    const indexes = (tableDefinition('t').GlobalSecondaryIndexes ?? []).map((i) => ({ 'Fn::Join': ['', [refs.table, `/index/${i.IndexName}`]] }));
    statements.push({ Effect: 'Allow', Action: access.table.map((a) => `dynamodb:${a}`), Resource: [refs.table, ...indexes] });
  }
  if (access.bucket?.length) {
    statements.push({ Effect: 'Allow', Action: access.bucket.map((a) => `s3:${a}`), Resource: [{ 'Fn::Join': ['', [refs.bucket, '/*']] }] });
  }
  if (access.listPrefixes?.length) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [refs.bucket],
      Condition: { StringLike: { 's3:prefix': access.listPrefixes.map((p) => `${p}*`) } },
    });
  }
  if (access.readPeers && refs.peersSecretId) {
    statements.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secretArn(refs.peersSecretId)] });
  }
  if (access.signPayload) {
    statements.push({
      Effect: 'Allow',
      Action: ['signer:SignPayload'],
      Resource: [sub(`arn:\${AWS::Partition}:signer:\${AWS::Region}:\${AWS::AccountId}:/signing-profiles/*`)],
    });
  }
  if (access.readPullThroughSecrets) {
    statements.push({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:ecr-pullthroughcache/*`)],
    });
  }
  if (access.publishEvents) statements.push({ Effect: 'Allow', Action: ['events:PutEvents'], Resource: [refs.eventBus] });
  if (access.startStateMachines && refs.stateMachines.length) {
    statements.push({ Effect: 'Allow', Action: ['states:StartExecution'], Resource: refs.stateMachines });
  }
  return statements;
}

/**
 * Reading the secret access key at cold start (the SSM parameter, the Secrets Manager secret it may reference), the
 * principals document at cold start and every minute (its secret or parameter), and the KMS key.
 */
function secretStatements(refs: ResourceRefs): Statement[] {
  const parameters = [refs.secretParameter, ...(refs.iamParameter ? [refs.iamParameter] : [])];
  const secrets = parameters.filter((p) => p.startsWith(SECRETS_MANAGER_REFERENCE)).map((p) => secretArn(p.slice(SECRETS_MANAGER_REFERENCE.length)));
  if (refs.iamSecretId) secrets.push(secretArn(refs.iamSecretId));
  const statements: Statement[] = [{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: parameters.map(parameterArn) }];
  if (secrets.length) statements.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets });
  if (refs.secretKmsKey) statements.push({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [refs.secretKmsKey] });
  return statements;
}

const parameterArn = (name: string) => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`);

/** A secret named by its ARN, or by its name: a secret's ARN ends in a dash and six random characters. */
const secretArn = (secret: string) =>
  secret.startsWith('arn:') ? secret : sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secret}-??????`);
