/**
 * npm run feed:import [-- <feed dir>] [--force]: imports the OSV exports of the feed location into the local
 * registry's data directory (REGISTRY_DATA_DIR, default .data), makes the new feed the active one and
 * re-matches continuously scanned images. The feed location is the argument, else SCAN_FEED_DIR; with `--s3`
 * it is the prefix SCAN_FEED_S3_PREFIX (default feeds/incoming/) of the registry's bucket. Run it while the
 * registry is stopped (it refuses, naming the registry's PID, while the data directory's lock is held); a
 * running registry imports its feed location by itself on start and every SCAN_FEED_INTERVAL_SECONDS.
 *
 * With `--aws` it imports into the deployed registry instead (TABLE_NAME, BUCKET_NAME, EVENT_BUS_NAME and
 * AWS_REGION from the stack's outputs, AWS credentials from the environment), from that bucket's feed prefix:
 * for feeds too large for the scheduled Lambda's 15 minutes.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { serviceActor } from '../shared/domain/actor.ts';
import { createDeps } from '../shared/deps.ts';
import { runFeedImport, type FeedImportResult } from '../shared/scan/feed/job.ts';
import { s3Feed } from '../shared/scan/feed/source.ts';
import type { Config } from '../shared/config.ts';
import type { EmbeddedStack } from '../infra/local/stack.ts';
import { commandConfig, inAws, openDataDir } from './cli.ts';
import { countsOf, recordJob } from '../shared/observe/requests.ts';

const DEFAULT_S3_PREFIX = 'feeds/incoming/';
const args = process.argv.slice(2);
const force = args.includes('--force');
const aws = args.includes('--aws');
const fromS3 = aws || args.includes('--s3');
// In AWS the Lambdas' configuration; locally the local host's, which names the data directory.
const { base, dataDir } = commandConfig('feed:import', aws);
const dir = args.find((a) => !a.startsWith('--')) ?? base.scanFeedDir;
if (!fromS3 && !dir) {
  console.error(
    'Usage: npm run feed:import -- <feed dir> [--force]   (or set SCAN_FEED_DIR)\n       npm run feed:import -- --s3|--aws [--force]   (reads SCAN_FEED_S3_PREFIX, default feeds/incoming/, of the bucket)',
  );
  process.exit(2);
}
const prefix = base.scanFeedS3Prefix ?? DEFAULT_S3_PREFIX;

async function run(config: Config, local?: EmbeddedStack): Promise<FeedImportResult> {
  const deps = createDeps(config, undefined, undefined, local?.parts(config));
  const executionArn = `feed-import:${process.pid}:${Date.now()}`;
  const start = performance.now();
  recordJob({ phase: 'start', machine: 'feed-import', executionArn });
  try {
    const result = await runFeedImport(deps, serviceActor(config, 'feed-import', randomUUID()), {
      location: fromS3 ? s3Feed(deps.blobs, prefix) : resolve(dir!),
      force,
    });
    recordJob({
      phase: 'end',
      machine: 'feed-import',
      executionArn,
      outcome: 'SUCCEEDED',
      durationMs: Math.round(performance.now() - start),
      counts: countsOf(result),
    });
    return result;
  } catch (e) {
    recordJob({
      phase: 'end',
      machine: 'feed-import',
      executionArn,
      outcome: 'FAILED',
      durationMs: Math.round(performance.now() - start),
      error: String((e as Error)?.message ?? e),
    });
    throw e;
  }
}

let stack: EmbeddedStack | undefined;
let result: FeedImportResult;
try {
  if (aws) {
    result = await run(inAws(base));
  } else {
    const busy = 'A running registry imports its feed location (SCAN_FEED_DIR or SCAN_FEED_S3_PREFIX) by itself on start and every SCAN_FEED_INTERVAL_SECONDS.';
    try {
      ({ stack } = await openDataDir(dataDir, base, 'npm run feed:import', busy));
    } catch (e) {
      console.error(
        `Cannot open the registry data in ${dataDir} (${(e as Error).message}). Is the registry running? Stop it first, or let it import its feed location itself.`,
      );
      process.exit(1);
    }
    result = await run(base, stack);
  }
  console.log(
    result.imported
      ? `Imported feed ${result.feedId}: ${result.advisories} advisories (${Object.entries(result.ecosystems)
          .map(([e, n]) => `${e} ${n}`)
          .join(', ')}); ${result.rematched} continuously scanned images re-matched.`
      : `Nothing imported: ${result.reason}. The active feed is ${result.feedId || 'none'}${result.reason?.includes('not changed') ? ' (use --force to re-import)' : ''}.`,
  );
} finally {
  await stack?.close();
}
