/** Replication's starts on the in-memory stores: which events start the replicate machine, and with what. */
import { describe, expect, it } from 'vitest';
import { createMemoryDeps } from '../../shared/store/memory/deps.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import { ecrEvent } from '../../shared/events/publisher.ts';
import { replicateOnDelete } from '../../shared/replication/job.ts';

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
