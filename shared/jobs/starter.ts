/**
 * Background jobs as Step Functions state machines, started through one interface: `JobStarter.start(machine,
 * input)`. In AWS it is Step Functions itself (shared/jobs/sfn.ts); locally aws-local-stepfunctions runs the
 * very same definitions inside the registry process (shared/jobs/local.ts), calling the same task handlers the
 * Lambdas run.
 *
 * How to add a state machine (say `scan-image`):
 *  1. Write `infra/scan-image.asl.json` in JSONPath (the local interpreter ignores JSONata). Every Task state has
 *     `"Resource": "${<Name>JobsFunctionArn}"` (a DefinitionSubstitutions placeholder the deployment fills in
 *     with the task Lambda's ARN) and `"Parameters": { "task": "<the state's own name>", ... }`; give it a
 *     `TimeoutSeconds` (the local interpreter's default is 60 s), Retry and Catch as the job needs.
 *  2. In `functions/<group>-jobs/handler.ts` export `createTasks(deps)`: the task functions keyed by state name
 *     (each receives the state's effective input and returns its result), and `handler`, the Lambda entry point,
 *     built with `taskHandler(createTasks(lambdaDeps(parts)))` (shared/deps/lambda.ts), `parts` naming the clients it uses.
 *  3. Register the machine and its tasks in `infra/local/jobs.ts` so the local registry can run it.
 *  4. Start it from the domain with `deps.jobs.start('scan-image', input)`. In AWS the machine's ARN is
 *     `STATE_MACHINE_ARN_PREFIX` + `scan-image` (the deployment names machines that way).
 * test/unit/state-machines.test.ts validates every infra/*.asl.json with asl-validator and checks that each Task
 * state names a task its handler module serves.
 */

import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { serviceActor, type Actor } from '../domain/actor.ts';
import { logger } from '../observe/logger.ts';
import { countsOf, recordJob } from '../observe/requests.ts';

/** Starts executions of the registry's state machines. */
export interface JobStarter {
  /** Starts an execution of `machine` (the name of infra/<machine>.asl.json); resolves once it is started, not finished. */
  start(machine: string, input: Record<string, unknown>): Promise<{ executionArn: string }>;
}

/** A Step Functions task: the state's effective input in, the state's result out. */
export type Task = (input: TaskInput) => Promise<unknown>;
/** What a Task state passes: its Parameters (`task` names the task), JSON. */
export type TaskInput = { task?: string } & Record<string, any>;
export type Tasks = Record<string, Task>;

/** The domain's side of a task: entered like every domain call, with deps, the job's service actor and the state's input. */
export type JobTask<D> = (deps: D, actor: Actor, input: never) => Promise<unknown>;

/**
 * The tasks of a job, each called with the deps and a service actor named `service` (one per task run; the request id
 * is the execution's run or scan id when the state carries one).
 */
export function bindTasks<D extends { config: Config }>(
  service: string,
  tasks: Record<string, JobTask<D>>,
  deps: () => D,
  inputOf: (input: TaskInput) => TaskInput = (input) => input,
): Tasks {
  return Object.fromEntries(
    Object.entries(tasks).map(([name, task]) => [
      name,
      (input: TaskInput) => {
        const d = deps();
        const state = inputOf(input);
        const requestId = String(state?.runId ?? state?.scanId ?? state?.run?.runId ?? state?.preview?.runId ?? randomUUID());
        return task(d, serviceActor(d.config, service, requestId), state as never);
      },
    ]),
  );
}

/**
 * What a run-ending Task state passes besides its own Parameters (`"job": {"machine": ..., "execution.$":
 * "$$.Execution.Id", "startedAt.$": "$$.Execution.StartTime", "outcome": ...}`): in AWS the run's end line is
 * logged by the task that ends it, since Step Functions itself writes no line of ours.
 */
export type RunEnd = { machine: string; execution: string; startedAt: string; outcome: 'SUCCEEDED' | 'FAILED' };

/**
 * The Lambda entry point serving several Task states: dispatches on the `task` member the state passes; logs a
 * line per task, and the run's end line when the state ends the run (`job`, above).
 */
export function taskHandler(tasks: Tasks) {
  return async (event: { task?: string; job?: RunEnd }) => {
    const task = event?.task !== undefined && Object.hasOwn(tasks, event.task) ? tasks[event.task] : undefined;
    if (!task) throw new Error(`Unknown task '${event?.task}'`);
    const start = performance.now();
    try {
      const output = await task(event);
      logger.info({ task: event.task, outcome: 'SUCCEEDED', durationMs: Math.round(performance.now() - start), counts: countsOf(output) }, 'task finished');
      if (event.job) {
        const { machine, execution, startedAt, outcome } = event.job;
        const durationMs = Date.now() - Date.parse(startedAt);
        recordJob({
          phase: 'end',
          machine,
          executionArn: execution,
          outcome,
          durationMs: Number.isFinite(durationMs) ? durationMs : undefined,
          counts: countsOf(output),
        });
      }
      return output;
    } catch (e) {
      logger.error(
        { task: event.task, outcome: 'FAILED', durationMs: Math.round(performance.now() - start), error: `${(e as Error)?.name}: ${(e as Error)?.message}` },
        'task finished',
      );
      throw e;
    }
  };
}

/** Where no state machines are configured: every start fails, saying what to set. */
export class UnconfiguredJobStarter implements JobStarter {
  async start(machine: string): Promise<never> {
    throw new Error(`Cannot start the ${machine} state machine: STATE_MACHINE_ARN_PREFIX is not set.`);
  }
}
