/** The RegistryStore contract (shared/store/registry.ts). */
import { describe, expect, it } from 'vitest';
import { useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000;
const arn = (name: string) => `arn:aws:iam::123456789012:user/${name}`;
const profile = (name: string) => `arn:aws:signer:us-east-1:123456789012:/signing-profiles/${name}`;

export function registryContract(factory: StoresFactory) {
  describe('RegistryStore', () => {
    const stores = useStores(factory);

    it('keeps the registry policy text exactly as put, replaces it, and deletes it once, returning what it was', async () => {
      const { registry } = stores();
      const text = '{ "Version": "2012-10-17",\n  "Statement": [] }';

      expect(await registry.getPolicy()).toBeUndefined();
      await registry.putPolicy('{"first":1}');
      await registry.putPolicy(text);
      expect(await registry.getPolicy()).toBe(text);
      expect(await registry.deletePolicy()).toBe(text);
      expect(await registry.deletePolicy()).toBeUndefined();
      expect(await registry.getPolicy()).toBeUndefined();
    });

    it('adds an exclusion once (EXCLUSION_IS_NEW) and lists them in principal order with their creation times', async () => {
      const { registry } = stores();

      expect(await registry.addExclusion({ principalArn: arn('b'), createdAt: T }, 100)).toBe('added');
      expect(await registry.addExclusion({ principalArn: arn('a'), createdAt: T + 1 }, 100)).toBe('added');
      expect(await registry.addExclusion({ principalArn: arn('b'), createdAt: T + 2 }, 100)).toBe('exists');

      expect(await registry.exclusions()).toEqual([
        { principalArn: arn('a'), createdAt: T + 1 },
        { principalArn: arn('b'), createdAt: T },
      ]);
    });

    it('refuses an exclusion beyond the limit (EXCLUSIONS_BELOW_LIMIT), and takes one again after a removal', async () => {
      const { registry } = stores();
      for (const name of ['a', 'b', 'c']) expect(await registry.addExclusion({ principalArn: arn(name), createdAt: T }, 3)).toBe('added');

      expect(await registry.addExclusion({ principalArn: arn('d'), createdAt: T }, 3)).toBe('limit');
      expect(await registry.addExclusion({ principalArn: arn('a'), createdAt: T }, 3)).toBe('exists');
      expect(await registry.removeExclusion(arn('b'))).toBe(true);
      expect(await registry.removeExclusion(arn('b'))).toBe(false);
      expect(await registry.addExclusion({ principalArn: arn('d'), createdAt: T }, 3)).toBe('added');

      expect((await registry.exclusions()).map((e) => e.principalArn)).toEqual([arn('a'), arn('c'), arn('d')]);
    });

    it('lets concurrent additions all land, none lost, none beyond the limit (EXCLUSIONS_UNCHANGED_SINCE_READ)', async () => {
      const { registry } = stores();
      const names = Array.from({ length: 8 }, (_, i) => `user${i}`);

      const results = await Promise.all(names.map((n) => registry.addExclusion({ principalArn: arn(n), createdAt: T }, 6)));

      expect(results.filter((r) => r === 'added')).toHaveLength(6);
      expect(results.filter((r) => r === 'limit')).toHaveLength(2);
      expect(await registry.exclusions()).toHaveLength(6);
    });

    it('keeps the replication configuration as put and replaces it whole', async () => {
      const { registry } = stores();
      const first = {
        rules: [{ destinations: [{ region: 'eu-west-1', registryId: '210987654321' }], repositoryFilters: [{ filter: 'team-a', filterType: 'PREFIX_MATCH' }] }],
      };
      const second = { rules: [{ destinations: [{ region: 'us-west-2', registryId: '123456789012' }] }] };

      expect(await registry.getReplicationConfiguration()).toBeUndefined();
      await registry.putReplicationConfiguration(first);
      expect(await registry.getReplicationConfiguration()).toEqual(first);
      await registry.putReplicationConfiguration(second);
      expect(await registry.getReplicationConfiguration()).toEqual(second);
    });

    it('keeps one replication status per image and destination, the last one put, listed by region then registry id', async () => {
      const { registry } = stores();
      const digest = `sha256:${'a'.repeat(64)}`;
      const other = `sha256:${'b'.repeat(64)}`;

      await registry.putReplicationStatus('uid1', digest, { region: 'us-west-2', registryId: '123456789012', status: 'IN_PROGRESS', updatedAt: T });
      await registry.putReplicationStatus('uid1', digest, { region: 'eu-west-1', registryId: '210987654321', status: 'IN_PROGRESS', updatedAt: T });
      await registry.putReplicationStatus('uid1', digest, {
        region: 'us-west-2',
        registryId: '123456789012',
        status: 'FAILED',
        failureCode: 'DESTINATION_UNREACHABLE',
        updatedAt: T + 1,
      });
      await registry.putReplicationStatus('uid1', other, { region: 'eu-west-1', registryId: '210987654321', status: 'COMPLETE', updatedAt: T });
      await registry.putReplicationStatus('uid2', digest, { region: 'eu-west-1', registryId: '210987654321', status: 'COMPLETE', updatedAt: T });

      expect(await registry.replicationStatuses('uid1', digest)).toEqual([
        { region: 'eu-west-1', registryId: '210987654321', status: 'IN_PROGRESS', updatedAt: T },
        { region: 'us-west-2', registryId: '123456789012', status: 'FAILED', failureCode: 'DESTINATION_UNREACHABLE', updatedAt: T + 1 },
      ]);
      expect(await registry.replicationStatuses('uid3', digest)).toEqual([]);
    });

    it('keeps the signing configuration as put, replaces it whole, and deletes it once, returning what it was', async () => {
      const { registry } = stores();
      const first = {
        rules: [{ signingProfileArn: profile('a'), repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] }],
      };
      const second = { rules: [{ signingProfileArn: profile('b') }] };

      expect(await registry.getSigningConfiguration()).toBeUndefined();
      await registry.putSigningConfiguration(first);
      expect(await registry.getSigningConfiguration()).toEqual(first);
      await registry.putSigningConfiguration(second);
      expect(await registry.getSigningConfiguration()).toEqual(second);
      expect(await registry.deleteSigningConfiguration()).toEqual(second);
      expect(await registry.deleteSigningConfiguration()).toBeUndefined();
      expect(await registry.getSigningConfiguration()).toBeUndefined();
    });

    it('lets one job claim the signing of an image per profile (SIGNING_NOT_CLAIMED), and only that job finish it (SIGNING_CLAIMED_BY_JOB)', async () => {
      const { registry } = stores();
      const digest = `sha256:${'c'.repeat(64)}`;
      const claim = (jobId: string, at: number) => ({ signingProfileArn: profile('a'), status: 'IN_PROGRESS' as const, jobId, updatedAt: at });

      expect(await registry.claimSigning('uid1', digest, claim('job1', T), T - 1000)).toBe(true);
      expect(await registry.claimSigning('uid1', digest, claim('job2', T + 1), T - 1000)).toBe(false);
      expect(await registry.claimSigning('uid1', digest, { ...claim('job3', T), signingProfileArn: profile('b') }, T - 1000)).toBe(true);
      expect(await registry.finishSigning('uid1', digest, { ...claim('job2', T + 2), status: 'COMPLETE' })).toBe(false);
      expect(await registry.finishSigning('uid1', digest, { ...claim('job1', T + 2), status: 'COMPLETE', signatureDigest: `sha256:${'d'.repeat(64)}` })).toBe(
        true,
      );
      expect(await registry.claimSigning('uid1', digest, claim('job4', T + 3), T + 3)).toBe(false);

      expect(await registry.signingStatuses('uid1', digest)).toEqual([
        { signingProfileArn: profile('a'), status: 'COMPLETE', signatureDigest: `sha256:${'d'.repeat(64)}`, jobId: 'job1', updatedAt: T + 2 },
        { signingProfileArn: profile('b'), status: 'IN_PROGRESS', jobId: 'job3', updatedAt: T },
      ]);
      expect(await registry.signingStatuses('uid2', digest)).toEqual([]);
    });

    it('lets a job claim again a signing that FAILED or whose IN_PROGRESS went stale, but not one still fresh', async () => {
      const { registry } = stores();
      const digest = `sha256:${'e'.repeat(64)}`;
      const claim = (jobId: string, at: number) => ({ signingProfileArn: profile('a'), status: 'IN_PROGRESS' as const, jobId, updatedAt: at });
      await registry.claimSigning('uid1', digest, claim('job1', T), 0);
      await registry.finishSigning('uid1', digest, {
        ...claim('job1', T + 1),
        status: 'FAILED',
        failureCode: 'SIGNING_KEY_NOT_FOUND',
        failureReason: 'no keys',
      });

      expect(await registry.claimSigning('uid1', digest, claim('job2', T + 2), 0)).toBe(true);
      expect(await registry.claimSigning('uid1', digest, claim('job3', T + 3), T + 2)).toBe(false);
      expect(await registry.claimSigning('uid1', digest, claim('job3', T + 3), T + 3)).toBe(true);
      expect(await registry.finishSigning('uid1', digest, { ...claim('job2', T + 4), status: 'COMPLETE' })).toBe(false);

      expect(await registry.signingStatuses('uid1', digest)).toEqual([claim('job3', T + 3)]);
    });

    it('lets exactly one of concurrent claims of the same image and profile win', async () => {
      const { registry } = stores();
      const digest = `sha256:${'f'.repeat(64)}`;

      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          registry.claimSigning('uid1', digest, { signingProfileArn: profile('a'), status: 'IN_PROGRESS', jobId: `job${i}`, updatedAt: T }, 0),
        ),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
    });

    const backfill = (id: string, region: string, at = T) => ({
      backfillId: id,
      destination: { region, registryId: '210987654321' },
      status: 'PREPARING' as const,
      total: 0,
      completed: 0,
      failed: 0,
      failureCodes: [],
      startedAt: at,
    });

    it('starts one backfill per destination region at a time (BACKFILL_REGION_IS_FREE) and at most the limit not ended (BACKFILLS_BELOW_LIMIT)', async () => {
      const { registry } = stores();

      expect(await registry.createBackfill(backfill('a', 'eu-west-1'), 2, 1000)).toBe('created');
      expect(await registry.createBackfill(backfill('b', 'eu-west-1'), 2, 1000)).toBe('in-progress');
      expect(await registry.createBackfill(backfill('c', 'us-west-2', T + 1), 2, 1000)).toBe('created');
      expect(await registry.createBackfill(backfill('d', 'ap-south-1'), 2, 1000)).toBe('limit');
      await registry.changeBackfill('a', (b) => ({ ...b, status: 'COMPLETE', endedAt: T + 2 }));
      expect(await registry.createBackfill(backfill('e', 'eu-west-1', T + 3), 2, 1000)).toBe('created');

      expect((await registry.backfills()).map((b) => b.backfillId)).toEqual(['e', 'c', 'a']);
    });

    it('drops backfills that ended longer ago than kept, and changes a backfill only through its edit', async () => {
      const { registry } = stores();
      await registry.createBackfill(backfill('old', 'eu-west-1'), 10, 1000);
      await registry.changeBackfill('old', (b) => ({ ...b, status: 'STOPPED', endedAt: T }));

      expect(await registry.changeBackfill('old', () => undefined)).toMatchObject({ status: 'STOPPED' });
      expect(await registry.changeBackfill('missing', (b) => b)).toBeUndefined();
      await registry.createBackfill(backfill('new', 'eu-west-1', T + 5000), 10, 1000);
      expect((await registry.backfills()).map((b) => b.backfillId)).toEqual(['new']);
    });

    it('lets concurrent backfill starts to different regions all land, none beyond the limit (BACKFILLS_UNCHANGED_SINCE_READ)', async () => {
      const { registry } = stores();
      const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'us-west-1', 'us-west-2', 'us-east-2'];

      const results = await Promise.all(regions.map((r, i) => registry.createBackfill(backfill(`b${i}`, r), 4, 1000)));

      expect(results.filter((r) => r === 'created')).toHaveLength(4);
      expect(results.filter((r) => r === 'limit')).toHaveLength(2);
    });

    it("pages a backfill's results in status, repository and digest order, and filters them by status", async () => {
      const { registry } = stores();
      const digest = (c: string) => `sha256:${c.repeat(64)}`;
      await registry.putBackfillResults(
        'x',
        [
          { repositoryName: 'b', imageDigest: digest('1'), imageTag: 'v1', status: 'COMPLETE' },
          { repositoryName: 'a', imageDigest: digest('2'), status: 'FAILED', failureCode: 'ACCESS_DENIED' },
          { repositoryName: 'a', imageDigest: digest('3'), status: 'COMPLETE' },
        ],
        2_000_000_000,
      );

      const first = await registry.backfillResults('x', undefined, 2);
      const second = await registry.backfillResults('x', undefined, 2, first.cursor);
      const failed = await registry.backfillResults('x', 'FAILED', 10);

      expect([...first.items, ...second.items].map((r) => r.imageDigest)).toEqual([digest('3'), digest('1'), digest('2')]);
      expect(first.items[1]).toEqual({ repositoryName: 'b', imageDigest: digest('1'), imageTag: 'v1', status: 'COMPLETE' });
      expect(failed.items).toEqual([{ repositoryName: 'a', imageDigest: digest('2'), status: 'FAILED', failureCode: 'ACCESS_DENIED' }]);
      expect((await registry.backfillResults('other', undefined, 10)).items).toEqual([]);
    });
  });
}
