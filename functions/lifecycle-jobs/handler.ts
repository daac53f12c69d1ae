/**
 * Lambda of the lifecycle jobs: the Task states of infra/lifecycle-preview.asl.json and
 * infra/lifecycle-apply.asl.json (keyed by state name; the local registry runs the same tasks), plus the two
 * EventBridge entry points: image pushes (rule on "ECR Image Action") and the daily schedule.
 */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { evaluatePreview, markPreviewFailed } from '../../shared/lifecycle/preview.ts';
import { applyBatch, evaluateApply, finishRun, markRunFailed, runScheduledLifecycle } from '../../shared/lifecycle/runs.ts';
import { onRegistryEvent } from '../../shared/lifecycle/triggers.ts';

/** The state machines these tasks serve. */
export const machines = ['lifecycle-preview', 'lifecycle-apply'];

/** The tasks, keyed by the name of the Task state that runs them. */
export function createTasks(deps: () => Deps): Tasks {
  return {
    EvaluatePreview: async (input) => evaluatePreview(deps(), input.preview),
    MarkPreviewFailed: async (input) => markPreviewFailed(deps(), input.state),
    EvaluateApply: async (input) => evaluateApply(deps(), input.run),
    ApplyBatch: async (input) => applyBatch(deps(), input.run, input.policyVersion, input.batch),
    FinishRun: async (input) => finishRun(deps(), input.run, input.plan, input.results),
    MarkRunFailed: async (input) => markRunFailed(deps(), input.state),
  };
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(depsFromEnv));
/** EventBridge rule on "ECR Image Action" PUSH events: a run for the pushed repository. */
export const onImageAction = async (event: RegistryEvent) => ({ run: await onRegistryEvent(depsFromEnv(), event) });
/** EventBridge daily schedule: a run for every repository with a lifecycle policy. */
export const onSchedule = async () => ({ requested: await runScheduledLifecycle(depsFromEnv()) });
