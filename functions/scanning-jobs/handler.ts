/**
 * Lambda of the scanning jobs: the Task states of infra/scan.asl.json (keyed by state name; the local registry
 * runs the same tasks), plus the two EventBridge entry points: image pushes (rule on "ECR Image Action", for
 * scan on push) and the hourly feed import schedule (reads the OSV exports under SCAN_FEED_S3_PREFIX in the
 * registry's bucket, then re-matches continuous scans). Every task enters the domain as the `scan` service actor.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { SCAN_TASKS } from '../../shared/scan/job.ts';
import { scanOnPush } from '../../shared/scan/start.ts';
import { runConfiguredFeedImport } from '../../shared/scan/feed/job.ts';

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs, events, jobs. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

/** The scan tasks keyed by state name; each takes the state's Parameters (`scan`, or `digest` for IndexLayer). */
export function createTasks(deps: () => Deps): Tasks {
  return bindTasks('scan', SCAN_TASKS, deps, (input) => input.scan ?? input);
}

const scanActor = () => serviceActor(fromEnv().config, 'scan', randomUUID());

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(fromEnv));
/** EventBridge rule on "ECR Image Action" PUSH events: scan on push where the rules say so. */
export const onImageAction = async (event: RegistryEvent) => ({ scan: (await scanOnPush(fromEnv(), scanActor(), event)) ?? null });
/** EventBridge schedule: import the feed location when it changed (`{"force": true}` re-imports it). */
export const onFeedSchedule = async (event?: { force?: boolean }) => runConfiguredFeedImport(fromEnv(), scanActor(), { force: event?.force === true });
