import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildGroupModels,
  buildModel,
  buildTypes,
  GROUPS_DIR,
  groupTarget,
  modelJson,
  readSmithy,
  REFERENCE_DIR,
  SOURCE_DIR,
  SOURCE_FILES,
  TARGET,
  TYPES_TARGET,
} from '../../scripts/gen-model.ts';
import { GROUPS, ROUTES, groupForTarget } from '../../infra/routing.ts';

const committed = JSON.parse(readFileSync(TARGET, 'utf8'));
const NEW_2026 = ['StartReplicationBackfill', 'StopReplicationBackfill', 'DescribeReplicationBackfillResults', 'ListReplicationBackfills'];

describe('the generated model and the routing table', () => {
  it('the model sources are in the repository', () => {
    for (const file of SOURCE_FILES) expect(existsSync(join(SOURCE_DIR, file)), file).toBe(true);
  });

  it('the committed model is what the generator makes from the in-repository Smithy model (base + 2026 additions)', () => {
    expect(buildModel(readSmithy())).toEqual(committed);
  });

  it("the committed per-group slices are what the generator makes (each group's operations, the shapes their inputs reach)", () => {
    const slices = buildGroupModels(committed);
    expect(readdirSync(GROUPS_DIR).sort()).toEqual(GROUPS.map((g) => `${g}.json`).sort());
    for (const group of GROUPS) {
      expect(readFileSync(groupTarget(group), 'utf8'), group).toBe(modelJson(slices[group]));
      expect(Object.keys(slices[group].operations).sort(), group).toEqual(
        Object.keys(ROUTES)
          .filter((op) => ROUTES[op] === group)
          .sort(),
      );
      // Closed: every shape a slice names (inputs and members) that the whole model defines is in the slice, alike.
      const { operations, shapes } = slices[group];
      const named = [
        ...Object.values<any>(operations).map((op) => op.input),
        ...Object.values<any>(shapes).flatMap((s) => [...Object.values<any>(s.m ?? {}).map((m) => m.s), s.s, s.k, s.v]),
      ].filter((n) => n !== undefined && committed.shapes[n]);
      for (const name of named) expect(shapes[name], `${group}: ${name}`).toEqual(committed.shapes[name]);
    }
  });

  it('the committed TypeScript types are what the generator makes from the same model', () => {
    expect(readFileSync(TYPES_TARGET, 'utf8')).toBe(buildTypes(readSmithy()));
  });

  it.runIf(existsSync(REFERENCE_DIR))('the in-repository sources are byte-identical to ../shared/reference (else: npm run gen:model -- --refresh)', () => {
    for (const file of SOURCE_FILES) {
      expect(readFileSync(join(SOURCE_DIR, file)).equals(readFileSync(join(REFERENCE_DIR, file))), file).toBe(true);
    }
  });

  it('the model has the 62 operations of the ECR API, the 2026 additions included', () => {
    expect(Object.keys(committed.operations)).toHaveLength(62);
    for (const operation of NEW_2026) expect(committed.operations, operation).toHaveProperty(operation);
  });

  it('the additions replace whole shapes of the base (ReplicationRuleList max 10 -> 25)', () => {
    expect(committed.shapes.ReplicationRuleList.max).toBe(25);
  });

  it("the types name every operation's input and output and map them by operation name", () => {
    const types = readFileSync(TYPES_TARGET, 'utf8');
    for (const operation of Object.keys(committed.operations)) {
      expect(types).toContain(`export type ${operation}Input = `);
      expect(types).toContain(`export type ${operation}Output = `);
      expect(types).toContain(`  ${operation}: ${operation}Input;`);
      expect(types).toContain(`  ${operation}: ${operation}Output;`);
    }
    expect(types).toContain('export type OperationInputs = {');
    expect(types).toContain('export type OperationOutputs = {');
    // types only: every top-level statement is a type alias
    const code = types
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('//') && !/^\s/.test(l) && !/^[};]/.test(l));
    for (const line of code) expect(line).toMatch(/^export type \w+ =/);
  });

  it('routes exactly the operations of the model, each to one group', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(Object.keys(committed.operations).sort());
  });

  it('reads the group from an X-Amz-Target header and refuses unknown targets', () => {
    expect(groupForTarget('AmazonEC2ContainerRegistry_V20150921.PutImage')).toEqual({ operation: 'PutImage', group: 'images' });
    expect(groupForTarget('AmazonEC2ContainerRegistry_V20150921.toString')).toBeUndefined();
    expect(groupForTarget('Other.PutImage')).toBeUndefined();
  });
});
