/** The LifecycleStore and ImageStateStore contracts (shared/store/lifecycle.ts). */
import { describe, expect, it } from 'vitest';
import type { AuditRecord, PreviewRecord, RunLease, RunOutcome } from '../../../shared/store/lifecycle.ts';
import { digest, digests, image, readAll, uid, useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000;
const HOUR = 3_600_000;

const lease = (id: string, expiresAt = T + HOUR): RunLease => ({ id, trigger: 'schedule', startedAt: T, expiresAt });
const outcome = (id: string): RunOutcome => ({
  id,
  trigger: 'schedule',
  status: 'SUCCEEDED',
  startedAt: T,
  finishedAt: T + 10,
  expired: 2,
  transitioned: 1,
  skipped: 0,
});
const preview = (runId: string, extra: Partial<PreviewRecord> = {}): PreviewRecord => ({
  runId,
  status: 'IN_PROGRESS',
  policyText: '{"rules":[]}',
  startedAt: T,
  expiresAt: T + HOUR,
  ...extra,
});
const audit = (runId: string, runStartedAt: number, d: string, at = runStartedAt): AuditRecord => ({
  at,
  runStartedAt,
  runId,
  digest: d,
  tags: ['t'],
  action: 'EXPIRE',
  rulePriority: 1,
  trigger: 'schedule',
});

export function lifecycleContract(factory: StoresFactory) {
  describe('LifecycleStore', () => {
    const stores = useStores(factory);

    it('puts a new policy version each time, keeping the run state', async () => {
      const { lifecycle } = stores();
      const repo = uid();

      const first = await lifecycle.putPolicy(repo, 'app', 'one', T);
      await lifecycle.claimRun(repo, lease('r1'), T);
      const second = await lifecycle.putPolicy(repo, 'app', 'two', T + 1);

      expect(first).toEqual({ repositoryName: 'app', policyText: 'one', version: 1, updatedAt: T });
      expect(second).toEqual({ repositoryName: 'app', policyText: 'two', version: 2, updatedAt: T + 1, run: lease('r1') });
      expect(await lifecycle.getPolicy(repo)).toEqual(second);
      expect(await lifecycle.getPolicy(uid())).toBeUndefined();
    });

    it('deletes a policy, returning what it removed', async () => {
      const { lifecycle } = stores();
      const repo = uid();
      const put = await lifecycle.putPolicy(repo, 'app', 'one', T);

      expect(await lifecycle.deletePolicy(repo)).toEqual(put);
      expect(await lifecycle.deletePolicy(repo)).toBeUndefined();
      expect(await lifecycle.getPolicy(repo)).toBeUndefined();
    });

    it('lists the repositories that have a policy in name order, a page at a time', async () => {
      const { lifecycle } = stores();
      const repos = ['d', 'a', 'c', 'e', 'b'].map((name) => ({ repositoryName: name, uid: uid() }));
      for (const r of repos) await lifecycle.putPolicy(r.uid, r.repositoryName, 'p', T);
      await lifecycle.deletePolicy(repos[3].uid);

      const { items, pages } = await readAll(2, (cursor) => lifecycle.listPolicies(2, cursor));

      expect(items).toEqual(repos.filter((r) => r.repositoryName !== 'e').sort((x, y) => x.repositoryName.localeCompare(y.repositoryName)));
      expect(pages).toBeGreaterThanOrEqual(2);
    });

    it('gives the run lease only when no unexpired run holds it, and queues a rerun meanwhile (NO_RUN_IN_PROGRESS)', async () => {
      const { lifecycle } = stores();
      const repo = uid();

      expect(await lifecycle.claimRun(repo, lease('r0'), T)).toBe('none');
      await lifecycle.putPolicy(repo, 'app', 'p', T);
      expect(await lifecycle.claimRun(repo, lease('r1', T + HOUR), T)).toBe('started');
      expect(await lifecycle.claimRun(repo, lease('r2'), T + 1)).toBe('queued');
      expect(await lifecycle.getPolicy(repo)).toMatchObject({ run: lease('r1', T + HOUR), rerunRequested: true });

      expect(await lifecycle.claimRun(repo, lease('r3', T + 3 * HOUR), T + HOUR + 1)).toBe('started');
      const policy = await lifecycle.getPolicy(repo);
      expect(policy?.run).toEqual(lease('r3', T + 3 * HOUR));
      expect(policy?.rerunRequested).toBeUndefined();
    });

    it('lets only the run holding the lease release it, telling it whether a rerun was requested (RUN_IS_CURRENT)', async () => {
      const { lifecycle } = stores();
      const repo = uid();
      await lifecycle.putPolicy(repo, 'app', 'p', T);
      await lifecycle.claimRun(repo, lease('r1'), T);
      await lifecycle.claimRun(repo, lease('r2'), T);

      expect(await lifecycle.finishRun(repo, outcome('r2'), T + 5)).toEqual({ released: false, rerun: false });
      expect(await lifecycle.finishRun(repo, outcome('r1'), T + 5)).toEqual({ released: true, rerun: true });
      expect(await lifecycle.finishRun(repo, outcome('r1'))).toEqual({ released: false, rerun: false });
      expect(await lifecycle.finishRun(uid(), outcome('r1'))).toEqual({ released: false, rerun: false });

      expect(await lifecycle.getPolicy(repo)).toEqual({
        repositoryName: 'app',
        policyText: 'p',
        version: 1,
        updatedAt: T,
        lastEvaluatedAt: T + 5,
        lastRun: outcome('r1'),
      });
      expect(await lifecycle.claimRun(repo, lease('r3'), T)).toBe('started');
      expect(await lifecycle.finishRun(repo, outcome('r3'))).toEqual({ released: true, rerun: false });
      expect((await lifecycle.getPolicy(repo))?.lastEvaluatedAt).toBe(T + 5);
    });

    it('starts a preview unless an unexpired one is in progress, returning the one it replaces (NO_PREVIEW_IN_PROGRESS)', async () => {
      const { lifecycle } = stores();
      const repo = uid();
      expect(await lifecycle.getPreview(repo)).toBeUndefined();

      expect(await lifecycle.startPreview(repo, preview('p1'), T)).toEqual({ started: true });
      expect(await lifecycle.startPreview(repo, preview('p2'), T + 1)).toEqual({ started: false, previous: preview('p1') });
      expect(await lifecycle.getPreview(repo)).toEqual(preview('p1'));

      expect(await lifecycle.startPreview(repo, preview('p3', { startedAt: T + 2 * HOUR, expiresAt: T + 3 * HOUR }), T + HOUR + 1)).toEqual({
        started: true,
        previous: preview('p1'),
      });
      await lifecycle.finishPreview(repo, 'p3', { status: 'COMPLETE', finishedAt: T + 2 * HOUR });
      const finished = preview('p3', { startedAt: T + 2 * HOUR, expiresAt: T + 3 * HOUR, status: 'COMPLETE', finishedAt: T + 2 * HOUR });
      expect(await lifecycle.startPreview(repo, preview('p4'), T)).toEqual({ started: true, previous: finished });
    });

    it('finishes a preview only while it is the current one (PREVIEW_RUN_IS_CURRENT)', async () => {
      const { lifecycle } = stores();
      const repo = uid();
      await lifecycle.startPreview(repo, preview('p1'), T);
      const result = {
        status: 'COMPLETE' as const,
        finishedAt: T + 9,
        chunkCount: 2,
        resultCount: 250,
        summary: { expiring: 3, transitioning: 1, hasTransitionRule: true },
      };

      expect(await lifecycle.finishPreview(repo, 'p0', { status: 'FAILED', finishedAt: T, error: 'late' })).toBe(false);
      expect(await lifecycle.finishPreview(uid(), 'p1', result)).toBe(false);
      expect(await lifecycle.finishPreview(repo, 'p1', result)).toBe(true);

      expect(await lifecycle.getPreview(repo)).toEqual({ ...preview('p1'), ...result });
    });

    it('stores, reads and deletes chunks by kind, run and index', async () => {
      const { lifecycle } = stores();
      const repo = uid();
      await lifecycle.putChunk(repo, 'preview', 'run', 0, [{ d: 1 }, { d: 2 }]);
      await lifecycle.putChunk(repo, 'preview', 'run', 1, [{ d: 3 }], T + HOUR);
      await lifecycle.putChunk(repo, 'plan', 'run', 0, ['x']);

      expect(await lifecycle.getChunk(repo, 'preview', 'run', 0)).toEqual([{ d: 1 }, { d: 2 }]);
      expect(await lifecycle.getChunk(repo, 'preview', 'run', 1)).toEqual([{ d: 3 }]);
      expect(await lifecycle.getChunk(repo, 'preview', 'other', 0)).toBeUndefined();

      await lifecycle.deleteChunks(repo, 'preview', 'run', 2);

      expect(await lifecycle.getChunk(repo, 'preview', 'run', 0)).toBeUndefined();
      expect(await lifecycle.getChunk(repo, 'preview', 'run', 1)).toBeUndefined();
      expect(await lifecycle.getChunk(repo, 'plan', 'run', 0)).toEqual(['x']);
    });

    it('lists audit records oldest run first, once per run and image, leaving out expired ones', async () => {
      const { lifecycle } = stores();
      const repo = uid();
      const [a, b, c] = digests(3);
      const retention = 10 * HOUR;
      const records = [audit('late', T + 2 * HOUR, a), audit('early', T, b), audit('early', T, a), audit('mid', T + HOUR, c), audit('late', T + 2 * HOUR, b)];
      await lifecycle.putAudit(repo, records, retention);
      await lifecycle.putAudit(repo, [audit('early', T, a)], retention);

      const { items, pages } = await readAll(2, (cursor) => lifecycle.listAudit(repo, 2, T, cursor));

      expect(items.map((r) => `${r.runId} ${r.digest}`)).toEqual([`early ${a}`, `early ${b}`, `mid ${c}`, `late ${a}`, `late ${b}`]);
      expect(items[0]).toEqual(audit('early', T, a));
      expect(pages).toBeGreaterThanOrEqual(3);

      const later = await readAll(2, (cursor) => lifecycle.listAudit(repo, 2, T + retention + HOUR, cursor));
      expect(later.items.map((r) => r.runId)).toEqual(['late', 'late']);
    });
  });

  describe('ImageStateStore', () => {
    const stores = useStores(factory);

    it('summarises images without their manifests, in digest order, a page at a time', async () => {
      const { images, imageStates } = stores();
      const repo = uid();
      const all = digests(5);
      for (const d of all) await images.create(repo, image(d, { pushedAt: T, children: d === all[1] ? [digest()] : undefined }));
      await images.recordPull(repo, all[0], T + 1);

      const { items, pages } = await readAll(2, (cursor) => imageStates.imageSummaries(repo, 2, cursor));

      expect(items.map((i) => i.digest)).toEqual(all);
      expect(items[0]).toEqual({ digest: all[0], pushedAt: T, lastPulledAt: T + 1, archived: false });
      expect(items[1].children).toHaveLength(1);
      expect(items[1]).not.toHaveProperty('manifest');
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('moves an image to the archive and back only from the class the caller read (STORAGE_CLASS_UNCHANGED_SINCE_READ)', async () => {
      const { images, imageStates } = stores();
      const repo = uid();
      const d = digest();
      await images.create(repo, image(d));
      expect(await imageStates.hasArchived(repo)).toBe(false);

      expect(await imageStates.setStorageClass(repo, d, false, T)).toBe(false);
      expect(await imageStates.setStorageClass(repo, d, true, T)).toBe(true);
      expect(await imageStates.setStorageClass(repo, d, true, T + 1)).toBe(false);
      expect(await images.get(repo, d)).toEqual({ ...image(d), archived: true, lastArchivedAt: T });
      expect(await imageStates.hasArchived(repo)).toBe(true);

      expect(await imageStates.setStorageClass(repo, d, false, T + 2)).toBe(true);
      expect(await imageStates.setStorageClass(repo, d, false, T + 3)).toBe(false);
      expect(await images.get(repo, d)).toEqual({ ...image(d), lastArchivedAt: T, lastActivatedAt: T + 2 });
      expect((await imageStates.imageSummaries(repo, 10)).items[0]).toMatchObject({ archived: false, lastArchivedAt: T, lastActivatedAt: T + 2 });
      expect(await imageStates.hasArchived(repo)).toBe(true);
    });

    it('archives no image that does not exist', async () => {
      const { images, imageStates } = stores();
      const repo = uid();
      const d = digest();

      expect(await imageStates.setStorageClass(repo, d, true, T)).toBe(false);

      expect(await images.get(repo, d)).toBeUndefined();
    });
  });
}
