/** The task Lambdas' entry point: a line per task, and the run's end line from the Task state that ends the run. */
import { afterEach, describe, expect, it } from 'vitest';
import { taskHandler } from '../../shared/jobs/starter.ts';
import { observe } from '../../shared/observe/requests.ts';
import type { JobRecord } from '../../shared/observe/requests.ts';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function jobRecords(): JobRecord[] {
  const records: JobRecord[] = [];
  stops.push(observe({ job: (r) => records.push(r) }));
  return records;
}

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:serverless-ecr-dev-lifecycle-apply:run-1';

describe('the task handler', () => {
  it('records the end of the run, with its outcome, duration and counts, when the state ending the run passes its job', async () => {
    // Prepare
    const records = jobRecords();
    const handler = taskHandler({ FinishRun: async () => ({ expired: 3, archived: 1, skipped: [] }) });
    const startedAt = new Date(Date.now() - 1500).toISOString();
    // Act
    const output = await handler({ task: 'FinishRun', job: { machine: 'lifecycle-apply', execution: EXECUTION, startedAt, outcome: 'SUCCEEDED' } });
    // Assess
    expect(output).toEqual({ expired: 3, archived: 1, skipped: [] });
    expect(records).toEqual([
      {
        phase: 'end',
        machine: 'lifecycle-apply',
        executionArn: EXECUTION,
        outcome: 'SUCCEEDED',
        durationMs: expect.any(Number),
        counts: { expired: 3, archived: 1, skipped: 0 },
      },
    ]);
    expect(records[0].durationMs).toBeGreaterThanOrEqual(1500);
  });

  it('records a FAILED end from the state that marks the run failed', async () => {
    const records = jobRecords();
    const handler = taskHandler({ MarkRunFailed: async () => null });
    await handler({ task: 'MarkRunFailed', job: { machine: 'lifecycle-apply', execution: EXECUTION, startedAt: new Date().toISOString(), outcome: 'FAILED' } });
    expect(records.map((r) => [r.phase, r.outcome])).toEqual([['end', 'FAILED']]);
  });

  it('records no end for the states in the middle of a run, nor for a run-ending task that throws', async () => {
    const records = jobRecords();
    const handler = taskHandler({
      Plan: async () => ({ images: 2 }),
      FinishRun: async () => {
        throw new Error('table unavailable');
      },
    });
    await handler({ task: 'Plan' });
    const job = { machine: 'lifecycle-apply', execution: EXECUTION, startedAt: new Date().toISOString(), outcome: 'SUCCEEDED' as const };
    await expect(handler({ task: 'FinishRun', job })).rejects.toThrow('table unavailable');
    expect(records).toEqual([]);
  });

  it('refuses a task it does not serve, naming it', async () => {
    await expect(taskHandler({})({ task: 'NoSuchTask' })).rejects.toThrow("Unknown task 'NoSuchTask'");
  });
});
