/**
 * The single flight of pull through cache imports (shared/pull-through/cache.ts `importOnce`) on in-memory stores:
 * pulls in one process join the import under way; a pull finding another process's import lease waits for the
 * lease to end, then finds the work done; a lease its holder never gave back frees the reference once expired.
 */
import { describe, expect, it } from 'vitest';
import { importOnce, IMPORT_LEASE_MS } from '../../shared/pull-through/cache.ts';
import type { RepositoryRecord } from '../../shared/store/types.ts';
import { memoryRegistry } from '../helpers/domain.ts';

const repoOf = async (registry: ReturnType<typeof memoryRegistry>, name: string): Promise<RepositoryRecord> => {
  await registry.repository(name);
  return (await registry.deps.repositories.get(name))!;
};

describe('importOnce', () => {
  it('runs the work once for pulls of one reference arriving together in one process', async () => {
    const registry = memoryRegistry();
    const repo = await repoOf(registry, 'cache/app');
    let runs = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const work = async () => {
      runs++;
      await gate;
    };

    const pulls = Array.from({ length: 5 }, () => importOnce(registry.deps, repo, 'tag:v1', work));
    open();
    await Promise.all(pulls);

    expect(runs).toBe(1);
  });

  it("waits while another process holds the reference's lease, then runs its work, which finds the import done", async () => {
    const registry = memoryRegistry();
    const repo = await repoOf(registry, 'cache/app');
    const now = registry.deps.now().getTime();
    expect(await registry.deps.pullThrough.claimImport(repo.uid, 'tag:v1', 'other-process', now, now + IMPORT_LEASE_MS)).toBe(true);
    const order: string[] = [];
    let imported = false;

    const pull = importOnce(registry.deps, repo, 'tag:v1', async () => {
      order.push(imported ? 'found it done' : 'imported again');
    });
    await new Promise((r) => setTimeout(r, 250));
    order.push('other process finished');
    imported = true;
    await registry.deps.pullThrough.releaseImport(repo.uid, 'tag:v1', 'other-process');
    await pull;

    expect(order).toEqual(['other process finished', 'found it done']);
    expect(await registry.deps.pullThrough.claimImport(repo.uid, 'tag:v1', 'next', now, now + 1)).toBe(true);
  });

  it('takes over a lease whose holder died once it has expired', async () => {
    let clock = Date.now();
    const registry = memoryRegistry({ now: () => new Date(clock) });
    const repo = await repoOf(registry, 'cache/app');
    await registry.deps.pullThrough.claimImport(repo.uid, 'sha256:dead', 'dead-process', clock, clock + IMPORT_LEASE_MS);
    let ran = false;

    const pull = importOnce(registry.deps, repo, 'sha256:dead', async () => {
      ran = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    const before = ran;
    clock += IMPORT_LEASE_MS;
    await pull;

    expect(before).toBe(false);
    expect(ran).toBe(true);
  });
});
