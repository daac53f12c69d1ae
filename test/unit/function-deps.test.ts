/**
 * Each Lambda builds only the SDK clients its group uses (shared/deps/parts.ts), so its bundle carries no
 * others: the parts a handler names are exactly what its row in infra/deploy/permissions.ts grants.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../infra/deploy/permissions.ts';
import { configFromEnv } from '../../shared/config.ts';
import { assembleDeps } from '../../shared/deps/parts.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const folders = readdirSync(join(ROOT, 'functions')).filter((d) => existsSync(join(ROOT, 'functions', d, 'handler.ts')));

describe('the deps each function builds', () => {
  it.each(folders)('%s names the parts its IAM row grants, and no other', async (folder) => {
    // Prepare
    const access = PERMISSIONS[folder];
    // Act
    const { parts } = await import(`../../functions/${folder}/handler.ts`);
    // Assess
    expect(Object.keys(parts).sort(), folder).toEqual(
      [access.table && 'stores', access.bucket && 'blobs', access.publishEvents && 'events', access.startStateMachines && 'jobs'].filter(Boolean).sort(),
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
