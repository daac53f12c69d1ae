/** The state machines in infra/*.asl.json are valid Amazon States Language and every Task state has its task. */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { allStates, loadDefinition } from '../../shared/jobs/local.ts';
import { localMachines } from '../../infra/local/jobs.ts';

const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errors: unknown[] };
const machineNames = readdirSync(new URL('../../infra/', import.meta.url))
  .filter((f) => f.endsWith('.asl.json'))
  .map((f) => f.slice(0, -'.asl.json'.length));
const registered = localMachines(() => {
  throw new Error('no deps needed to list the tasks');
}) as Record<string, Record<string, unknown>>;

describe('the state machine definitions', () => {
  it('include the lifecycle preview and apply machines, registered for the local registry', () => {
    expect(machineNames).toEqual(expect.arrayContaining(['lifecycle-preview', 'lifecycle-apply']));
    expect(Object.keys(registered)).toEqual(expect.arrayContaining(['lifecycle-preview', 'lifecycle-apply']));
  });

  for (const name of machineNames) {
    it(`${name}: passes asl-validator`, () => {
      const result = validate(loadDefinition(name));
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    });

    it(`${name}: uses JSONPath only (the local interpreter ignores JSONata)`, () => {
      const definition = loadDefinition(name) as unknown as Record<string, unknown>;
      expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      for (const [, state] of allStates(loadDefinition(name))) expect((state as Record<string, unknown>).QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    });
  }

  for (const [name, tasks] of Object.entries(registered)) {
    it(`${name}: names in each Task state the task of the state's own name, which its handler serves`, () => {
      const taskStates = allStates(loadDefinition(name)).filter(([, state]) => state.Type === 'Task');
      expect(taskStates.length).toBeGreaterThan(0);
      for (const [stateName, state] of taskStates) {
        expect((state as unknown as { Parameters?: { task?: string } }).Parameters?.task, stateName).toBe(stateName);
        expect(Object.keys(tasks), stateName).toContain(stateName);
        expect((state as unknown as { TimeoutSeconds?: number }).TimeoutSeconds, `${stateName} sets TimeoutSeconds`).toBeGreaterThan(0);
      }
    });
  }

  for (const name of machineNames) {
    it(`${name}: passes the run's id, start time and outcome to every top-level task that ends the run, so its end line is logged`, () => {
      const states = loadDefinition(name).States as Record<string, any>;
      const ending = Object.entries(states).filter(([, s]) => s.Type === 'Task' && (s.End === true || states[s.Next]?.Type === 'Fail'));
      expect(ending.length).toBeGreaterThan(0);
      for (const [stateName, state] of ending) {
        expect(state.Parameters.job, stateName).toEqual({
          machine: name,
          'execution.$': '$$.Execution.Id',
          'startedAt.$': '$$.Execution.StartTime',
          outcome: state.End === true ? 'SUCCEEDED' : 'FAILED',
        });
      }
      for (const [stateName, state] of allStates(loadDefinition(name)).filter(([n]) => !ending.some(([e]) => e === n))) {
        expect((state as any).Parameters?.job, stateName).toBeUndefined();
      }
    });
  }

  it('apply: retries a failing batch and catches every failure into MarkRunFailed', () => {
    const states = Object.fromEntries(allStates(loadDefinition('lifecycle-apply'))) as Record<string, any>;
    expect(states.ApplyBatch.Retry[0]).toMatchObject({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 });
    for (const name of ['EvaluateApply', 'ApplyBatches', 'FinishRun'])
      expect(states[name].Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'MarkRunFailed' });
    expect(states.MarkRunFailed.Next).toBe('RunFailed');
    expect(states.RunFailed.Type).toBe('Fail');
  });
});
