/**
 * The feed import job as the registry runs it: import the feed location, then re-match continuously
 * scanned images against the new feed. Scheduled in AWS (an EventBridge schedule invokes the scanning
 * jobs Lambda with task `ImportFeed`) and locally (on start and every SCAN_FEED_INTERVAL_SECONDS), and
 * run by hand with `npm run feed:import`.
 */
import type { ScanDeps } from '../job.ts';
import { rematchContinuous } from '../continuous.ts';
import { importFeed, type ImportResult } from './import.ts';

/** Imports `dir` (when it changed, or always with `force`) and re-matches continuous scans after a new feed. */
export async function runFeedImport(deps: ScanDeps, dir: string, options: { force?: boolean } = {}): Promise<ImportResult & { rematched: number }> {
  const result = await importFeed(deps, dir, options);
  const rematched = result.imported ? await rematchContinuous(deps) : 0;
  return { ...result, rematched };
}
