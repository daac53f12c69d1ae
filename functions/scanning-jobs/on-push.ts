/**
 * Lambda of the EventBridge rule on "ECR Image Action" PUSH events: scan on push where the registry's rules say
 * so, by starting the scan state machine. Enters the domain as the `scan` service actor.
 */
import { randomUUID } from 'node:crypto';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { scanOnPush } from '../../shared/scan/start.ts';

/** The clients this entry point builds: stores, blobs (manifests kept in the bucket), jobs (the scan state machine). */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

/** Scans the pushed image when a scan-on-push rule covers its repository; the started scan, or null. */
export const onImageAction = async (event: RegistryEvent) => {
  const deps = fromEnv();
  return { scan: (await scanOnPush(deps, serviceActor(deps.config, 'scan', randomUUID()), event)) ?? null };
};
