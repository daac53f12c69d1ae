/**
 * Lambda of the scanning jobs: the Task states of infra/scan.asl.json (keyed by state name; the local registry
 * runs the same tasks), plus the two EventBridge entry points: image pushes (rule on "ECR Image Action", for
 * scan on push) and the hourly feed import schedule (reads the OSV exports under SCAN_FEED_S3_PREFIX in the
 * registry's bucket, then re-matches continuous scans).
 */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { SCAN_TASKS } from '../../shared/scan/job.ts';
import { scanOnPush } from '../../shared/scan/start.ts';
import { runConfiguredFeedImport } from '../../shared/scan/feed/job.ts';

/** The state machines these tasks serve. */
export const machines = ['scan'];

/** The scan tasks keyed by state name; each takes the state's Parameters (`scan`, or `digest` for IndexLayer). */
export function createTasks(deps: () => Deps): Tasks {
  return Object.fromEntries(Object.entries(SCAN_TASKS).map(([name, task]) => [name, (input: any) => (task as (i: any, d: Deps) => Promise<unknown>)(input.scan ?? input, deps())]));
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(depsFromEnv));
/** EventBridge rule on "ECR Image Action" PUSH events: scan on push where the rules say so. */
export const onImageAction = async (event: RegistryEvent) => ({ scan: (await scanOnPush(depsFromEnv(), event)) ?? null });
/** EventBridge schedule: import the feed location when it changed (`{"force": true}` re-imports it). */
export const onFeedSchedule = async (event?: { force?: boolean }) => runConfiguredFeedImport(depsFromEnv(), { force: event?.force === true });
