/** The ScanStore contract (shared/store/scans.ts). */
import { describe, expect, it } from 'vitest';
import type { FeedPointer, ScanRecord } from '../../../shared/store/scans.ts';
import { digest, digests, readAll, uid, useStores, type StoresFactory } from './stores.ts';

const DAY = 24 * 3600 * 1000;
const T = 1_800_000_000_000;

const scan = (d: string, extra: Partial<ScanRecord> = {}): ScanRecord => ({
  digest: d,
  scanId: uid(),
  status: 'IN_PROGRESS',
  scanType: 'BASIC',
  startedAt: T,
  ...extra,
});
const feed = (feedId: string, extra: Partial<FeedPointer> = {}): FeedPointer => ({
  feedId,
  importedAt: T,
  fingerprint: `fp-${feedId}`,
  advisories: 12,
  ...extra,
});

export function scanContract(factory: StoresFactory) {
  describe('ScanStore', () => {
    const stores = useStores(factory);

    it('starts a scan unless one of the image started since the limit, and a refusal carries that scan (SCAN_NOT_STARTED_SINCE)', async () => {
      const { scans } = stores();
      const repo = uid();
      const d = digest();
      const first = scan(d, { startedAt: T });

      expect(await scans.start(repo, first, T - DAY)).toEqual({ started: true });
      expect(await scans.start(repo, scan(d, { startedAt: T + 1000 }), T + 1000 - DAY)).toEqual({ started: false, existing: first });
      expect(await scans.get(repo, d)).toEqual(first);

      const later = scan(d, { startedAt: T + DAY });
      expect(await scans.start(repo, later, T)).toEqual({ started: true });
      expect(await scans.get(repo, d)).toEqual(later);
      expect(await scans.get(repo, digest())).toBeUndefined();
    });

    it("records a result only for the image's current scan (SCAN_IS_CURRENT)", async () => {
      const { scans } = stores();
      const repo = uid();
      const d = digest();
      const old = scan(d, { startedAt: T });
      const current = scan(d, { startedAt: T + DAY });
      await scans.start(repo, old, T - DAY);
      await scans.start(repo, current, T);
      const result = {
        status: 'COMPLETE' as const,
        completedAt: T + DAY + 5,
        findingCount: 3,
        findingSeverityCounts: { HIGH: 2, LOW: 1 },
        inventories: ['scan/inventory/v1/x'],
      };

      expect(await scans.update(repo, d, old.scanId, { status: 'FAILED', description: 'late' })).toBe(false);
      expect(await scans.update(repo, d, current.scanId, result)).toBe(true);
      expect(await scans.update(repo, digest(), current.scanId, result)).toBe(false);

      expect(await scans.get(repo, d)).toEqual({ ...current, ...result });
    });

    it('reads the scans of many images at once, leaving out images without one', async () => {
      const { scans } = stores();
      const repo = uid();
      const [a, b, none] = digests(3);
      const sa = scan(a);
      const sb = scan(b, { status: 'UNSUPPORTED_IMAGE', description: 'no' });
      await scans.start(repo, sa, 0);
      await scans.start(repo, sb, 0);

      expect(await scans.getMany(repo, [a, b, none, a])).toEqual(
        new Map([
          [a, sa],
          [b, sb],
        ]),
      );
      expect((await scans.getMany(repo, [])).size).toBe(0);
    });

    it("lists a repository's scans, a page at a time", async () => {
      const { scans } = stores();
      const repo = uid();
      const all = digests(5);
      for (const d of all) await scans.start(repo, scan(d), 0);
      await scans.start(uid(), scan(digest()), 0);

      const { items, pages } = await readAll(2, (cursor) => scans.list(repo, 2, cursor));

      expect(items.map((s) => s.digest).sort()).toEqual(all);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it("replaces the registry's scanning configuration and account settings with each put", async () => {
      const { scans } = stores();
      expect(await scans.getConfiguration()).toBeUndefined();
      expect(await scans.getSetting('BASIC_SCAN_TYPE_VERSION')).toBeUndefined();

      await scans.putConfiguration({
        scanType: 'BASIC',
        rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
      });
      await scans.putConfiguration({ scanType: 'ENHANCED', rules: [] });
      await scans.putSetting('BASIC_SCAN_TYPE_VERSION', 'CLAIR');
      await scans.putSetting('BASIC_SCAN_TYPE_VERSION', 'AWS_NATIVE');

      expect(await scans.getConfiguration()).toEqual({ scanType: 'ENHANCED', rules: [] });
      expect(await scans.getSetting('BASIC_SCAN_TYPE_VERSION')).toBe('AWS_NATIVE');
      expect(await scans.getSetting('OTHER')).toBeUndefined();
    });

    it('swaps the active feed only if it is still the one the importer read (ACTIVE_FEED_UNCHANGED)', async () => {
      const { scans } = stores();
      expect(await scans.activeFeed()).toBeUndefined();

      expect(await scans.swapFeed(feed('f1'), undefined)).toBe(true);
      expect(await scans.swapFeed(feed('f2'), undefined)).toBe(false);
      expect(await scans.swapFeed(feed('f2'), 'f0')).toBe(false);
      expect(await scans.activeFeed()).toEqual(feed('f1'));

      expect(await scans.swapFeed(feed('f2', { previousFeedId: 'f1' }), 'f1')).toBe(true);
      expect(await scans.activeFeed()).toEqual(feed('f2', { previousFeedId: 'f1' }));
    });
  });
}
