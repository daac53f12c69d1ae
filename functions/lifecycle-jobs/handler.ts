/**
 * Lambda of the lifecycle jobs: the Task states of infra/lifecycle-preview.asl.json and
 * infra/lifecycle-apply.asl.json (keyed by state name; the local registry runs the same tasks), plus the two
 * EventBridge entry points: image pushes (rule on "ECR Image Action") and the daily schedule. Every task enters
 * the domain as the `lifecycle` service actor.
 */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { evaluatePreview, markPreviewFailed } from '../../shared/lifecycle/preview.ts';
import { applyBatch, evaluateApply, finishRun, markRunFailed, runScheduledLifecycle } from '../../shared/lifecycle/runs.ts';
import { lifecycleActor, onRegistryEvent } from '../../shared/lifecycle/triggers.ts';

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs, events, jobs. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

/** The tasks, keyed by the name of the Task state that runs them (the catch states get the caught `state`). */
export function createTasks(deps: () => Deps): Tasks {
  return bindTasks(
    'lifecycle',
    {
      EvaluatePreview: evaluatePreview,
      MarkPreviewFailed: (d, actor, input: { state: Parameters<typeof markPreviewFailed>[2] }) => markPreviewFailed(d, actor, input.state),
      EvaluateApply: evaluateApply,
      ApplyBatch: applyBatch,
      FinishRun: finishRun,
      MarkRunFailed: (d, actor, input: { state: Parameters<typeof markRunFailed>[2] }) => markRunFailed(d, actor, input.state),
    },
    deps,
  );
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(fromEnv));
/** EventBridge rule on "ECR Image Action" PUSH events: a run for the pushed repository. */
export const onImageAction = async (event: RegistryEvent) => ({ run: await onRegistryEvent(fromEnv(), lifecycleActor(fromEnv()), event) });
/** EventBridge daily schedule: a run for every repository with a lifecycle policy. */
export const onSchedule = async () => ({ requested: await runScheduledLifecycle(fromEnv(), lifecycleActor(fromEnv())) });
