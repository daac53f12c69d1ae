/** The RegistryStore contract (shared/store/registry.ts). */
import { describe, expect, it } from 'vitest';
import { useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000;
const arn = (name: string) => `arn:aws:iam::123456789012:user/${name}`;

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
  });
}
