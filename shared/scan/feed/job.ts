/**
 * The feed import job as the registry runs it: import the feed location, then re-match continuously
 * scanned images against the new feed. Scheduled in AWS (an hourly EventBridge schedule invokes the
 * scanning jobs' onFeedSchedule, reading SCAN_FEED_S3_PREFIX) and locally (on start and every
 * SCAN_FEED_INTERVAL_SECONDS), and run by hand with `npm run feed:import`.
 */
import type { Actor } from '../../domain/actor.ts';
import type { ScanDeps } from '../job.ts';
import { rematchContinuous } from '../continuous.ts';
import { importFeed, type ImportResult } from './import.ts';
import { feedSourceOf, type FeedSource } from './source.ts';

export type FeedImportResult = ImportResult & { rematched: number };

/** Imports `location` (when it changed, or always with `force`) and re-matches continuous scans after a new feed. */
export async function runFeedImport(
  deps: ScanDeps,
  _actor: Actor,
  { location, force }: { location: string | FeedSource; force?: boolean },
): Promise<FeedImportResult> {
  const result = await importFeed(deps, location, { force });
  const rematched = result.imported ? await rematchContinuous(deps) : 0;
  return { ...result, rematched };
}

/** Imports the feed location the configuration names (SCAN_FEED_DIR, else SCAN_FEED_S3_PREFIX); throws when it names none. */
export function runConfiguredFeedImport(deps: ScanDeps, actor: Actor, { force }: { force?: boolean } = {}): Promise<FeedImportResult> {
  const source = feedSourceOf(deps.config, deps.blobs);
  if (!source) throw new Error('Neither SCAN_FEED_DIR nor SCAN_FEED_S3_PREFIX is set: there is no feed location to import.');
  return runFeedImport(deps, actor, { location: source, force });
}
