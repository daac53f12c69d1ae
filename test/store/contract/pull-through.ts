/** The PullThroughStore contract (shared/store/pull-through.ts). */
import { describe, expect, it } from 'vitest';
import type { PullThroughRuleRecord } from '../../../shared/store/pull-through.ts';
import { useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000;

function rule(prefix: string, extra: Partial<PullThroughRuleRecord> = {}): PullThroughRuleRecord {
  return { ecrRepositoryPrefix: prefix, upstreamRegistryUrl: 'quay.io', upstreamRepositoryPrefix: 'ROOT', createdAt: T, updatedAt: T, version: 1, ...extra };
}

export function pullThroughContract(factory: StoresFactory) {
  describe('PullThroughStore', () => {
    const stores = useStores(factory);

    it('creates a rule once per prefix (RULE_IS_NEW), a trailing / naming the same prefix', async () => {
      const { pullThrough } = stores();
      const r = rule('hub', {
        upstreamRegistry: 'docker-hub',
        upstreamRegistryUrl: 'registry-1.docker.io',
        credentialArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecr-pullthroughcache/hub',
      });

      expect(await pullThrough.create(r)).toBe(true);
      expect(await pullThrough.create(rule('hub/'))).toBe(false);

      expect(await pullThrough.get('hub/')).toEqual(r);
      expect(await pullThrough.get('hu')).toBeUndefined();
      expect((await pullThrough.getMany(['hub', 'hub/x', 'ROOT'])).map((x) => x.ecrRepositoryPrefix)).toEqual(['hub']);
    });

    it('replaces only the version read (RULE_UNCHANGED_SINCE_READ), lists in prefix order, counts and deletes', async () => {
      const { pullThrough } = stores();
      for (const p of ['b', 'a', 'c']) await pullThrough.create(rule(p));

      expect(await pullThrough.replace(rule('a', { credentialArn: 'x' }), 1)).toBe(true);
      expect(await pullThrough.replace(rule('a', { credentialArn: 'stale' }), 1)).toBe(false);
      expect(await pullThrough.replace(rule('z'), 1)).toBe(false);
      expect(await pullThrough.get('a')).toMatchObject({ credentialArn: 'x', version: 2 });

      const first = await pullThrough.list(2);
      const second = await pullThrough.list(2, first.cursor);
      expect([...first.items, ...second.items].map((x) => x.ecrRepositoryPrefix)).toEqual(['a', 'b', 'c']);
      expect(await pullThrough.count()).toBe(3);

      expect((await pullThrough.delete('b'))?.ecrRepositoryPrefix).toBe('b');
      expect(await pullThrough.delete('b')).toBeUndefined();
      expect(await pullThrough.count()).toBe(2);
    });

    it('remembers the last upstream answer of a tag, last writer winning', async () => {
      const { pullThrough } = stores();

      expect(await pullThrough.getTagCheck('u1', 'latest')).toBeUndefined();
      await pullThrough.putTagCheck('u1', { tag: 'latest', digest: 'sha256:a', checkedAt: T });
      await pullThrough.putTagCheck('u1', { tag: 'latest', digest: 'sha256:b', checkedAt: T + 1 });

      expect(await pullThrough.getTagCheck('u1', 'latest')).toEqual({ tag: 'latest', digest: 'sha256:b', checkedAt: T + 1 });
      expect(await pullThrough.getTagCheck('u2', 'latest')).toBeUndefined();
    });

    it('gives an import lease to one owner until it expires or is released (LEASE_IS_FREE)', async () => {
      const { pullThrough } = stores();

      expect(await pullThrough.claimImport('u1', 'tag:1', 'one', T, T + 1000)).toBe(true);
      expect(await pullThrough.claimImport('u1', 'tag:1', 'two', T + 999, T + 2000)).toBe(false);
      expect(await pullThrough.claimImport('u1', 'tag:2', 'two', T, T + 1000)).toBe(true);
      await pullThrough.releaseImport('u1', 'tag:1', 'two');
      expect(await pullThrough.claimImport('u1', 'tag:1', 'two', T + 1, T + 2000)).toBe(false);
      expect(await pullThrough.claimImport('u1', 'tag:1', 'two', T + 1000, T + 2000)).toBe(true);
      await pullThrough.releaseImport('u1', 'tag:1', 'two');
      expect(await pullThrough.claimImport('u1', 'tag:1', 'three', T + 1001, T + 3000)).toBe(true);
    });
  });
}
