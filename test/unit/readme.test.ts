/**
 * The README tells the truth: its operation table (the model's operations, their routes, and which have handlers),
 * and the sample lifecycle policy and OSV record it gives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GROUPS, ROUTES, type Group } from '../../infra/routing.ts';
import { groupHandlers } from '../../infra/local/handlers.ts';
import { parsePolicy } from '../../shared/lifecycle/policy.ts';
import { advisoriesOf, affects } from '../../shared/scan/feed/osv.ts';
import { comparatorFor } from '../../shared/scan/versions/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const model = JSON.parse(readFileSync(join(root, 'shared', 'model', 'ecr-model.json'), 'utf8')) as { operations: Record<string, unknown> };
const SUPPORTED = 'supported';
const NOT_YET = 'not yet (answers UnknownOperationException)';

type Row = { operation: string; group: string; status: string };

/** The rows of the table under "## Operations": | `Operation` | group | status |. */
function readmeRows(): Row[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Operations\n');
  expect(start, 'README.md has an "## Operations" section').toBeGreaterThan(-1);
  const section = readme.slice(start + 1).split(/\n## /)[0];
  return [...section.matchAll(/^\| `(\w+)` \| (\w[\w-]*) \| ([^|]+?) \|$/gm)].map(([, operation, group, status]) => ({ operation, group, status }));
}

/** The `operations` map of each group's Lambda module that exists (functions/<group>/handler.ts). */
async function groupOperations(): Promise<Partial<Record<Group, Record<string, unknown>>>> {
  const found: Partial<Record<Group, Record<string, unknown>>> = {};
  for (const group of GROUPS) {
    const file = join(root, 'functions', group, 'handler.ts');
    if (!existsSync(file)) continue;
    const module = await import(pathToFileURL(file).href);
    found[group] = module.operations ?? {};
  }
  return found;
}

describe('the README operation table', () => {
  const rows = readmeRows();

  it('lists each of the 62 operations of the model exactly once', () => {
    const names = rows.map((r) => r.operation);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(model.operations).sort());
    expect(names).toHaveLength(62);
  });

  it('lists exactly the operations of the routing table, each under its group', () => {
    expect([...rows.map((r) => r.operation)].sort()).toEqual(Object.keys(ROUTES).sort());
    for (const row of rows) expect(row.group, row.operation).toBe(ROUTES[row.operation]);
  });

  it('gives every operation one of the two statuses', () => {
    for (const row of rows) expect([SUPPORTED, NOT_YET], row.operation).toContain(row.status);
  });

  it('marks supported exactly the operations a group handler serves', async () => {
    const operations = await groupOperations();
    const handlers = groupHandlers(() => {
      throw new Error('no deps needed to build the handlers');
    }) as Partial<Record<Group, unknown>>;
    const served = new Set<string>();
    for (const [group, ops] of Object.entries(operations) as [Group, Record<string, unknown>][]) {
      for (const [operation, fn] of Object.entries(ops)) {
        expect(typeof fn, `${group}.${operation}`).toBe('function');
        expect(ROUTES[operation], `${operation} is routed to the group whose handler serves it`).toBe(group);
        served.add(operation);
      }
      if (Object.keys(ops).length) expect(typeof handlers[group], `the local host dispatches the ${group} group`).toBe('function');
    }
    const supported = rows
      .filter((r) => r.status === SUPPORTED)
      .map((r) => r.operation)
      .sort();
    expect(supported).toEqual([...served].sort());
  });
});

describe('the README examples', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('give a sample policy.json that the lifecycle policy validation accepts', () => {
    // Prepare
    const block = /A policy\.json[\s\S]*?```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, 'README.md has a policy.json block under "Lifecycle policies"').toBeDefined();
    // Act
    const policy = parsePolicy(block!);
    // Assess
    expect(policy.rules).toHaveLength(2);
  });

  it('give an OSV record that the feed import reads and that affects the version the recipe installs', () => {
    // Prepare
    const record = /echo '(\{"id":.*\})' > DSA-0001-1\.json/.exec(readme)?.[1];
    expect(record, 'README.md has the minimal OSV record under "Image scanning"').toBeDefined();
    // Act
    const [entry] = advisoriesOf(JSON.parse(record!));
    // Assess
    expect(entry).toMatchObject({ ecosystem: 'Debian:12', name: 'openssl' });
    expect(readme).toContain('`openssl` `3.0.11-1~deb12u1`');
    expect(affects(entry.advisory, '3.0.11-1~deb12u1', comparatorFor('Debian:12')!).affected).toBe(true);
  });
});
