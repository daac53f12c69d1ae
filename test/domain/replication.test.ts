/** Replication on the in-memory stores: which events start the replicate machine, and with what; a backfill's early end. */
import { describe, expect, it } from 'vitest';
import { createMemoryDeps } from '../../shared/store/memory/deps.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import { ecrEvent } from '../../shared/events/publisher.ts';
import { replicateOnDelete } from '../../shared/replication/job.ts';
import { BACKFILL_BATCH, copyBackfillBatch, prepareBackfill } from '../../shared/replication/backfill-job.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { startReplicationBackfill } from '../../shared/registry/replication-backfill.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

const DESTINATION = { region: 'eu-west-1', registryId: '210987654321' };

function setup(syncDeletes: boolean) {
  const deps = createMemoryDeps({ config: { replicationSyncDeletes: syncDeletes } });
  const started: Record<string, unknown>[] = [];
  deps.jobs = {
    start: async (_machine, input) => {
      started.push(input);
      return { executionArn: 'arn:test' };
    },
  };
  return { deps, started, actor: serviceActor(deps.config, 'replication', 'r1') };
}

const deletion = (deps: ReturnType<typeof createMemoryDeps>, repositoryName: string, tag?: string) =>
  ecrEvent(
    'ECR Image Action',
    deps.config.registryId,
    deps.config.region,
    {
      result: 'SUCCESS',
      'repository-name': repositoryName,
      'image-digest': `sha256:${'a'.repeat(64)}`,
      'action-type': 'DELETE',
      ...(tag ? { 'image-tag': tag } : {}),
    },
    [],
    new Date(),
  );

describe('replicating deletions', () => {
  it('starts nothing by default: REPLICATION_SYNC_DELETES is off', async () => {
    const { deps, started, actor } = setup(false);
    await deps.registry.putReplicationConfiguration({ rules: [{ destinations: [DESTINATION] }] });

    expect(await replicateOnDelete(deps, actor, deletion(deps, 'app', 'v1'))).toBeNull();
    expect(started).toEqual([]);
  });

  it('with REPLICATION_SYNC_DELETES=1, starts one DELETE item per destination of the rules matching the repository', async () => {
    const { deps, started, actor } = setup(true);
    await deps.registry.putReplicationConfiguration({
      rules: [{ destinations: [DESTINATION], repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }] }],
    });

    expect(await replicateOnDelete(deps, actor, deletion(deps, 'other/app'))).toBeNull();
    await replicateOnDelete(deps, actor, deletion(deps, 'team/app', 'v1'));

    expect(started).toEqual([
      { copies: [{ action: 'DELETE', repositoryName: 'team/app', uid: '', digest: `sha256:${'a'.repeat(64)}`, tag: 'v1', destination: DESTINATION }] },
    ]);
  });
});

describe('a replication backfill that keeps failing', () => {
  it('ends FAILED once at least 100 images were tried and half of them failed, the rest skipped', async () => {
    // Prepare: 130 images, and a destination the (empty) peers document does not name, so every copy fails.
    const reg = memoryRegistry();
    await reg.repository('team/app');
    const blobs = await reg.blobs('team/app', 1);
    for (let i = 0; i < 130; i++) {
      await putImage(reg.deps, reg.actor, {
        repositoryName: 'team/app',
        imageManifest: imageManifest(blobs, undefined, { annotations: { n: String(i) } }),
        imageTag: `v${i}`,
      });
    }
    await reg.deps.registry.putReplicationConfiguration({ rules: [{ destinations: [DESTINATION] }] });
    reg.deps.jobs = { start: async () => ({ executionArn: 'arn:test' }) };
    const { replicationBackfillId: backfillId } = await startReplicationBackfill(reg.deps, reg.actor, { destination: DESTINATION });

    // Act: the state machine's loop, task by task.
    let state = await prepareBackfill(reg.deps, reg.actor, { backfillId: backfillId!, destination: DESTINATION });
    let batches = 0;
    while (!state.done) {
      state = await copyBackfillBatch(reg.deps, reg.actor, state);
      batches++;
    }

    // Assess: four batches of 25 tried, then FAILED with the copies' code; the last 30 images never tried.
    const [backfill] = (await reg.deps.registry.backfills()).filter((b) => b.backfillId === backfillId);
    expect(batches).toBe(100 / BACKFILL_BATCH);
    expect(backfill).toMatchObject({ status: 'FAILED', total: 130, completed: 0, failed: 100, failureCode: 'DESTINATION_NOT_CONFIGURED' });
  });
});
