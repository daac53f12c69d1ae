/**
 * Continuous scanning (ENHANCED with CONTINUOUS_SCAN rules): when a new feed is imported, every completed
 * scan of a repository the rules put on CONTINUOUS_SCAN is re-matched from its stored inventories,
 * without reading any layer again, and announced with an "ECR Image Scan" event.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from './index/coalesce.ts';
import { FeedReader } from './feed/shards.ts';
import { DEFAULT_CONFIGURATION, effectiveScanning } from './rules.ts';
import { imageScanEvent, matchAndStore } from './results.ts';
import { imageContext, type ScanDeps } from './job.ts';

/** Re-matches the continuously scanned images against the active feed; returns how many were re-matched. */
export async function rematchContinuous(deps: ScanDeps): Promise<number> {
  const configuration = (await deps.scans.getConfiguration()) ?? DEFAULT_CONFIGURATION;
  if (configuration.scanType !== 'ENHANCED' || !configuration.rules.some((r) => r.scanFrequency === 'CONTINUOUS_SCAN')) return 0;
  const feed = await deps.scans.activeFeed();
  if (!feed) return 0;
  const reader = new FeedReader(deps.blobs, feed.feedId);
  let count = 0;
  let repoCursor: Record<string, any> | undefined;
  do {
    const repos = await deps.repositories.list(100, repoCursor);
    for (const repo of repos.items) {
      if (effectiveScanning(configuration, repo).scanFrequency !== 'CONTINUOUS_SCAN') continue;
      let cursor: Record<string, any> | undefined;
      do {
        const scans = await deps.scans.list(repo.uid, 100, cursor);
        for (const scan of scans.items) {
          if (scan.status !== 'COMPLETE' || !scan.inventories?.length || scan.feedId === feed.feedId) continue;
          const image = await deps.images.get(repo.uid, scan.digest);
          if (!image) continue;
          const tags = await deps.images.tagsOf(repo.uid, scan.digest);
          const now = deps.now();
          const inputs = await Promise.all(
            scan.inventories.map(async (key) => ({
              inventory: JSON.parse((await deps.blobs.getBytes(key)).toString('utf8')) as Inventory,
              image: imageContext(deps, { repositoryName: repo.name, imageDigest: scan.digest }, tags, image.pushedAt, now),
            })),
          );
          const outcome = await matchAndStore(deps.blobs, reader, 'ENHANCED', inputs, {
            uid: repo.uid,
            digest: scan.digest,
            runId: `${scan.scanId}-${randomUUID()}`,
          });
          const changes = { ...outcome, scanType: 'ENHANCED' as const, completedAt: now.getTime(), feedId: feed.feedId, feedImportedAt: feed.importedAt };
          if (!(await deps.scans.update(repo.uid, scan.digest, scan.scanId, changes))) continue;
          if (scan.findingsObject) await deps.blobs.delete([scan.findingsObject]);
          await deps.events.publish([imageScanEvent(deps.config, repo.name, { ...scan, ...changes }, tags, now)]);
          count++;
        }
        cursor = scans.cursor;
      } while (cursor);
    }
    repoCursor = repos.cursor;
  } while (repoCursor);
  return count;
}
