/**
 * Lambda of the scanning jobs: the Task states of infra/scan.asl.json (keyed by state name; the local registry
 * runs the same tasks), plus the two EventBridge entry points: image pushes (rule on "ECR Image Action", for
 * scan on push) and the hourly feed import schedule (reads the OSV exports under SCAN_FEED_S3_PREFIX in the
 * registry's bucket, then re-matches continuous scans). Every task enters the domain as the `scan` service actor.
 */
import { randomUUID } from 'node:crypto';
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { SCAN_TASKS } from '../../shared/scan/job.ts';
import { scanOnPush } from '../../shared/scan/start.ts';
import { runConfiguredFeedImport } from '../../shared/scan/feed/job.ts';

/** The scan tasks keyed by state name; each takes the state's Parameters (`scan`, or `digest` for IndexLayer). */
export function createTasks(deps: () => Deps): Tasks {
  return bindTasks('scan', SCAN_TASKS, deps, (input) => input.scan ?? input);
}

const scanActor = () => serviceActor(depsFromEnv().config, 'scan', randomUUID());

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(depsFromEnv));
/** EventBridge rule on "ECR Image Action" PUSH events: scan on push where the rules say so. */
export const onImageAction = async (event: RegistryEvent) => ({ scan: (await scanOnPush(depsFromEnv(), scanActor(), event)) ?? null });
/** EventBridge schedule: import the feed location when it changed (`{"force": true}` re-imports it). */
export const onFeedSchedule = async (event?: { force?: boolean }) => runConfiguredFeedImport(depsFromEnv(), scanActor(), { force: event?.force === true });
