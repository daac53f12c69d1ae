/**
 * Each Lambda builds only the SDK clients its group uses (shared/deps/parts.ts), so its bundle carries no
 * others: the parts a folder's entry modules name are, together, exactly what its row in
 * infra/deploy/permissions.ts grants (the folder's role, shared by its entry points).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployedFunctions } from '../../infra/deploy/functions.ts';
import { PERMISSIONS } from '../../infra/deploy/permissions.ts';
import { configFromEnv } from '../../shared/config.ts';
import { assembleDeps } from '../../shared/deps/parts.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const functions = deployedFunctions(ROOT);
const folders = [...new Set(functions.map((f) => f.folder))];

describe('the deps each function builds', () => {
  it.each(folders)('%s names the parts its IAM row grants, and no other', async (folder) => {
    // Prepare
    const access = PERMISSIONS[folder];
    const entries = [...new Set(functions.filter((f) => f.folder === folder).map((f) => f.entry))];
    // Act
    const named = new Set<string>();
    for (const entry of entries) for (const part of Object.keys((await import(join(ROOT, `${entry}.ts`))).parts)) named.add(part);
    // Assess
    expect([...named].sort(), folder).toEqual(
      [
        access.table && 'stores',
        access.bucket && 'blobs',
        access.publishEvents && 'events',
        access.startStateMachines && 'jobs',
        access.signPayload && 'signer',
      ]
        .filter(Boolean)
        .sort(),
    );
  });

  it('refuse a call on a part the function was built without, naming the part', async () => {
    // Prepare
    const deps = assembleDeps(configFromEnv({}), {});
    // Act and assess
    await expect(async () => deps.blobs.size('sha256:0')).rejects.toThrow(/without the blobs part/);
    expect(() => deps.events.publish([] as any)).toThrow(/without the events part/);
  });
});
