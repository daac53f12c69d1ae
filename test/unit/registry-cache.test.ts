/** withReadCache (shared/store/registry.ts): reads answered from what was read moments ago, own writes seen at once. */
import { describe, expect, it } from 'vitest';
import { withReadCache } from '../../shared/store/registry.ts';
import { createMemoryStores } from '../../shared/store/memory/index.ts';

function counted() {
  const { registry } = createMemoryStores();
  const reads = { policy: 0, exclusions: 0 };
  const getPolicy = registry.getPolicy.bind(registry);
  const exclusions = registry.exclusions.bind(registry);
  registry.getPolicy = () => {
    reads.policy++;
    return getPolicy();
  };
  registry.exclusions = () => {
    reads.exclusions++;
    return exclusions();
  };
  return { store: registry, reads };
}

describe('the registry read cache', () => {
  it('reads the policy and the exclusions once within its time, and again after it', async () => {
    // Prepare
    const { store, reads } = counted();
    await store.putPolicy('{"a":1}');
    let now = 1000;
    const cached = withReadCache(store, 5000, () => now);

    // Act
    const first = [await cached.getPolicy(), await cached.getPolicy(), await cached.exclusions(), await cached.exclusions()];
    await store.putPolicy('{"b":2}');
    const meanwhile = await cached.getPolicy();
    now += 5000;
    const later = await cached.getPolicy();

    // Assess
    expect(first).toEqual(['{"a":1}', '{"a":1}', [], []]);
    expect(meanwhile).toBe('{"a":1}');
    expect(later).toBe('{"b":2}');
    expect(reads).toEqual({ policy: 2, exclusions: 1 });
  });

  it('sees its own writes at once', async () => {
    const { store } = counted();
    const cached = withReadCache(store, 60_000, () => 0);
    expect(await cached.getPolicy()).toBeUndefined();
    expect(await cached.exclusions()).toEqual([]);

    await cached.putPolicy('{"c":3}');
    await cached.addExclusion({ principalArn: 'arn:aws:iam::123456789012:user/a', createdAt: 1 }, 100);

    expect(await cached.getPolicy()).toBe('{"c":3}');
    expect(await cached.exclusions()).toEqual([{ principalArn: 'arn:aws:iam::123456789012:user/a', createdAt: 1 }]);
    expect(await cached.deletePolicy()).toBe('{"c":3}');
    expect(await cached.getPolicy()).toBeUndefined();
    expect(await cached.removeExclusion('arn:aws:iam::123456789012:user/a')).toBe(true);
    expect(await cached.exclusions()).toEqual([]);
  });
});
