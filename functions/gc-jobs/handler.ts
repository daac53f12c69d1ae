/**
 * Lambda of garbage collection: the Task states of infra/gc.asl.json (keyed by state name; the local registry runs
 * the same tasks), plus the EventBridge schedule that starts a run when marks are due or the sweep is (`onTick`,
 * every minute). Every task enters the domain as the `gc` service actor.
 */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { failGc, finishGc, gcStep, type GcRunState } from '../../shared/gc/run.ts';
import { gcActor, gcTick } from '../../shared/gc/triggers.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs, events, jobs. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

type StateInput = { state: GcRunState };

/** The tasks, keyed by the name of the Task state that runs them. */
export function createTasks(deps: () => Deps): Tasks {
  return bindTasks(
    'gc',
    {
      GcStep: (d, actor, input: StateInput) => gcStep(d, actor, input.state),
      FinishGc: (d, actor, input: StateInput) => finishGc(d, actor, input.state),
      FailGc: (d, actor, input: { state?: GcRunState; error?: unknown }) => failGc(d, actor, input),
    },
    deps,
    (input) => ({ ...input, runId: input.state?.runId }),
  );
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(fromEnv));
/** EventBridge schedule (every minute): starts the run that is due, if any. */
export const onTick = async () => ({ started: (await gcTick(fromEnv(), gcActor(fromEnv()))) ?? null });
