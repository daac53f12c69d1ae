/**
 * JobStarter in the registry process: aws-local-stepfunctions interprets infra/<machine>.asl.json and runs each
 * Task state with the task of that name (the same functions the task Lambdas serve). Executions run in the
 * background; `idle()` waits for them, `stop()` lets them finish (or aborts them after a grace period).
 */
import './polyfill.ts';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JobStarter, TaskInput, Tasks } from './starter.ts';

/** A Task state's handler as the interpreter calls it: JSON in, JSON out. */
type LocalHandler = (input: JSONValue) => Promise<JSONValue>;
type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
import { countsOf, recordJob } from '../observe/requests.ts';

type StateDefinition = { Type: string; Retry?: unknown[]; ItemProcessor?: MachineDefinition; Iterator?: MachineDefinition; Branches?: MachineDefinition[] };
type MachineDefinition = { StartAt: string; States: Record<string, StateDefinition> };

/** How an execution ended, for logs and tests. */
export type ExecutionRecord = {
  executionArn: string;
  machine: string;
  input: Record<string, unknown>;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
};

export type LocalJobOptions = {
  /** Region and account in the execution ARNs. */
  region: string;
  accountId: string;
  /** Pause before each retry in milliseconds instead of the definitions' IntervalSeconds (tests). */
  retryIntervalMs?: number;
  /** Called when an execution ends. */
  onFinished?: (record: ExecutionRecord) => void;
  /** Runs each task of `machine` (tests: to attribute its AWS calls to the task's function); the task alone by default. */
  aroundTask?: (machine: string, task: () => Promise<unknown>) => Promise<unknown>;
};

const INFRA = new URL('../../infra/', import.meta.url);

/** The definition of infra/<machine>.asl.json. */
export function loadDefinition(machine: string): MachineDefinition {
  if (!/^[a-z0-9-]+$/.test(machine)) throw new Error(`Invalid state machine name '${machine}'`);
  return JSON.parse(readFileSync(new URL(`${machine}.asl.json`, INFRA), 'utf8')) as MachineDefinition;
}

/** Every state of a definition, nested Map and Parallel states included, with its name. */
export function allStates(definition: MachineDefinition): [string, StateDefinition][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, StateDefinition],
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].flatMap((inner) => (inner ? allStates(inner) : [])),
  ]);
}

export class LocalJobStarter implements JobStarter {
  private readonly running = new Map<string, { abort: () => void; done: Promise<void>; start: number }>();
  private readonly machines = new Map<string, { machine: StateMachine; handlers: Record<string, LocalHandler>; retries: Record<string, number> }>();
  private stopped = false;
  /** The most recent finished executions, oldest first (at most 1000). */
  readonly history: ExecutionRecord[] = [];

  constructor(
    private readonly tasks: Record<string, Tasks>,
    private readonly options: LocalJobOptions,
  ) {}

  async start(machine: string, input: Record<string, unknown>) {
    if (this.stopped) throw new Error('The local job runner is stopped.');
    const prepared = this.prepare(machine);
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${machine}:${randomUUID()}`;
    const plain = JSON.parse(JSON.stringify(input));
    const execution = prepared.machine.run(plain, {
      // The Context Object as Step Functions gives it: the run-ending tasks pass `$$.Execution.Id` and its StartTime.
      context: { Execution: { Id: executionArn, Name: executionArn.split(':').pop(), Input: plain, StartTime: new Date().toISOString() } },
      overrides: {
        taskResourceLocalHandlers: prepared.handlers,
        ...(this.options.retryIntervalMs !== undefined ? { retryIntervalOverrides: prepared.retries } : {}),
      },
      noThrowOnAbort: true,
    });
    const start = performance.now();
    recordJob({ phase: 'start', machine, executionArn });
    const done = execution.result.then(
      (output) => this.finished({ executionArn, machine, input, status: 'SUCCEEDED', output }),
      (error: Error) => {
        // The interpreter wraps the failure (a Fail state's Error and Cause, or a task's error) in an ExecutionError.
        const cause = (error?.cause ?? error) as Error;
        this.finished({ executionArn, machine, input, status: 'FAILED', error: `${cause?.name}: ${cause?.message}` });
      },
    );
    this.running.set(executionArn, { abort: execution.abort, done, start });
    return { executionArn };
  }

  /** Resolves once no execution is running (executions started meanwhile included). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()].map((e) => e.done));
  }

  /** Refuses new executions, waits up to `graceMs` for running ones, then aborts those left. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const execution of this.running.values()) execution.abort();
    await Promise.all([...this.running.values()].map((e) => e.done));
  }

  private finished(record: ExecutionRecord) {
    const start = this.running.get(record.executionArn)?.start;
    this.running.delete(record.executionArn);
    recordJob({
      phase: 'end',
      machine: record.machine,
      executionArn: record.executionArn,
      outcome: record.status,
      durationMs: start === undefined ? undefined : Math.round(performance.now() - start),
      counts: countsOf(record.output),
      error: record.error,
    });
    this.history.push(record);
    if (this.history.length > 1000) this.history.shift();
    this.options.onFinished?.(record);
  }

  /** The interpreter for a machine, with its Task states bound to the tasks of the same name. */
  private prepare(name: string) {
    const cached = this.machines.get(name);
    if (cached) return cached;
    const tasks = this.tasks[name];
    if (!tasks) throw new Error(`No tasks are registered for the state machine '${name}' (infra/local/jobs.ts)`);
    const definition = loadDefinition(name);
    const handlers: Record<string, LocalHandler> = {};
    const retries: Record<string, number> = {};
    for (const [stateName, state] of allStates(definition)) {
      if (state.Retry) retries[stateName] = this.options.retryIntervalMs ?? 0;
      if (state.Type !== 'Task') continue;
      if (!Object.hasOwn(tasks, stateName)) throw new Error(`The Task state '${stateName}' of ${name} has no task of that name`);
      // Data crosses the interpreter as JSON, as it crosses Step Functions: nothing but plain values survives.
      const run = (input: TaskInput) => (this.options.aroundTask ? this.options.aroundTask(name, () => tasks[stateName](input)) : tasks[stateName](input));
      handlers[stateName] = async (input) => JSON.parse(JSON.stringify((await run(input as TaskInput)) ?? null));
    }
    const prepared = { machine: new StateMachine(definition as any), handlers, retries };
    this.machines.set(name, prepared);
    return prepared;
  }
}
