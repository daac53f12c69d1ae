/**
 * Lambda of the scanning jobs: the Task states of infra/scan.asl.json, keyed by state name (the local registry
 * runs the same tasks). Every task enters the domain as the `scan` service actor. The two EventBridge entry
 * points have modules of their own, so each bundle carries only what it runs: on-push.ts (scan on push) and
 * feed-import.ts (the hourly feed import).
 */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { SCAN_TASKS } from '../../shared/scan/job.ts';

/** The clients the tasks build: stores, blobs (layers, plans, findings), events (scan results). */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents };
const fromEnv = lambdaDeps(parts);

/** The scan tasks keyed by state name; each takes the state's Parameters (`scan`, or `digest` for IndexLayer). */
export function createTasks(deps: () => Deps): Tasks {
  return bindTasks('scan', SCAN_TASKS, deps, (input) => input.scan ?? input);
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(fromEnv));
