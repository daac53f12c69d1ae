/**
 * Records every call the AWS SDK clients make in this process, as the IAM action it needs and, for
 * DynamoDB, the capacity units it consumed (a counting middleware added to each client's stack, which
 * also asks DynamoDB for ReturnConsumedCapacity). Used by the permissions test and the cost benchmark.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** One SDK call; `presigned` when it only signed a URL (getSignedUrl), which costs nothing until the URL is used. */
export type AwsCall = { label: string; action: string; command: string; readUnits: number; writeUnits: number; presigned: boolean };

/** The IAM action an SDK command needs (S3's multipart calls and HeadObject fall under PutObject and GetObject). */
export function iamAction(clientName: string, command: string): string {
  const name = command.replace(/Command$/, '');
  if (clientName.startsWith('DynamoDB')) return `dynamodb:${name}`;
  if (clientName.startsWith('EventBridge')) return `events:${name}`;
  if (clientName.startsWith('S3')) {
    const s3: Record<string, string> = {
      HeadObject: 'GetObject',
      CreateMultipartUpload: 'PutObject',
      UploadPart: 'PutObject',
      CompleteMultipartUpload: 'PutObject',
      DeleteObjects: 'DeleteObject',
      UploadPartCopy: 'PutObject',
      ListParts: 'ListMultipartUploadParts',
      ListObjectsV2: 'ListBucket',
    };
    return `s3:${s3[name] ?? name}`;
  }
  return `${clientName}:${name}`;
}

export type Recorder = {
  calls: AwsCall[];
  /** Attributes the calls that follow to `label` (an operation or a group), unless made within `within`. */
  label(label: string): void;
  /** The label a call made here and now is attributed to. */
  labelNow(): string;
  /** Runs `work`, attributing the calls it makes, and the asynchronous work it starts, to `label`. */
  within<T>(label: string, work: () => T): T;
  stop(): void;
};

const MIDDLEWARE = 'serverlessEcrCallRecorder';

/** Starts recording the calls of every DynamoDB, S3 and EventBridge client in this process. */
export function recordAwsCalls(): Recorder {
  const calls: AwsCall[] = [];
  let current = '';
  const scoped = new AsyncLocalStorage<string>();
  let active = true;
  const patched = new WeakSet<object>();
  const prototypes = [...new Set([DynamoDBClient, S3Client, EventBridgeClient].map((c) => Object.getPrototypeOf(c.prototype)))];
  const originals = prototypes.map((proto) => proto.send);
  prototypes.forEach((proto, i) => {
    const original = originals[i];
    proto.send = function (this: any, ...args: any[]) {
      if (!patched.has(this.middlewareStack)) {
        patched.add(this.middlewareStack);
        this.middlewareStack.add(
          (next: any, context: any) => async (mwArgs: any) => {
            if (!active || !/^(DynamoDB|S3|EventBridge)/.test(String(context.clientName))) return next(mwArgs);
            const dynamo = String(context.clientName).startsWith('DynamoDB');
            if (dynamo && mwArgs.input && typeof mwArgs.input === 'object') mwArgs.input.ReturnConsumedCapacity ??= 'TOTAL';
            // A refused call needs its permission as much as one that succeeds: record both.
            let result: any;
            try {
              result = await next(mwArgs);
              return result;
            } finally {
              const consumed = dynamo ? [result?.output?.ConsumedCapacity ?? []].flat() : [];
              const units = consumed.reduce((sum: number, c: any) => sum + (c?.CapacityUnits ?? 0), 0);
              const write = /Put|Update|Delete|Write/.test(context.commandName);
              const presigned = result?.output?.presigned !== undefined;
              calls.push({
                label: scoped.getStore() ?? current,
                action: iamAction(context.clientName, context.commandName),
                command: context.commandName,
                readUnits: write ? 0 : units,
                writeUnits: write ? units : 0,
                presigned,
              });
            }
          },
          { step: 'initialize', name: MIDDLEWARE, override: true },
        );
      }
      return original.apply(this, args);
    };
  });
  return {
    calls,
    label: (label) => {
      current = label;
    },
    within: (label, work) => scoped.run(label, work),
    labelNow: () => scoped.getStore() ?? current,
    stop() {
      active = false;
      prototypes.forEach((proto, i) => {
        proto.send = originals[i];
      });
    },
  };
}
