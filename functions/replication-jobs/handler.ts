/**
 * Lambda of the replication jobs: the Task states of infra/replicate.asl.json and infra/replication-backfill.asl.json, keyed by state name (the local
 * registry runs the same tasks). Every task enters the domain as the `replication` service actor. The EventBridge
 * entry point (replication on push) has a module of its own: on-push.ts.
 */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { REPLICATION_TASKS } from '../../shared/replication/job.ts';
import { BACKFILL_TASKS } from '../../shared/replication/backfill-job.ts';

/** The clients the tasks build: stores (images, statuses), blobs (the layers sent). The destinations are reached through their own API. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs };
const fromEnv = lambdaDeps(parts);

/**
 * The tasks of both machines keyed by state name: replicate's take the state's `copy` (one image, one destination),
 * replication-backfill's its `backfill` (id, destination, cursor).
 */
export function createTasks(deps: () => Deps): Tasks {
  return {
    ...bindTasks('replication', REPLICATION_TASKS, deps, (input) => input.copy ?? input),
    ...bindTasks('replication', BACKFILL_TASKS, deps, (input) => input.backfill ?? input),
  };
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(fromEnv));
