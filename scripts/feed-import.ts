/**
 * npm run feed:import [-- <feed dir>] [--force]: imports the OSV exports of the feed location into the local
 * registry's data directory (REGISTRY_DATA_DIR, default .data), makes the new feed the active one and
 * re-matches continuously scanned images. The feed location is the argument, else SCAN_FEED_DIR; with `--s3`
 * it is the prefix SCAN_FEED_S3_PREFIX (default feeds/incoming/) of the registry's bucket. Run it while the
 * registry is stopped; a running registry imports its feed location by itself on start and every
 * SCAN_FEED_INTERVAL_SECONDS.
 *
 * With `--aws` it imports into the deployed registry instead (TABLE_NAME, BUCKET_NAME, EVENT_BUS_NAME and
 * AWS_REGION from the stack's outputs, AWS credentials from the environment), from that bucket's feed prefix:
 * for feeds too large for the scheduled Lambda's 15 minutes.
 */
import { resolve } from 'node:path';
import { ConfigError, configFromEnv, localConfigFromEnv, type Config } from '../shared/config.ts';
import { createDeps } from '../shared/deps.ts';
import { startEmbeddedStack, type EmbeddedStack } from '../infra/local/stack.ts';
import { runFeedImport, type FeedImportResult } from '../shared/scan/feed/job.ts';
import { s3Feed } from '../shared/scan/feed/source.ts';

const DEFAULT_S3_PREFIX = 'feeds/incoming/';
const args = process.argv.slice(2);
const force = args.includes('--force');
const aws = args.includes('--aws');
const fromS3 = aws || args.includes('--s3');
let base: Config;
let dataDir: string;
try {
  // In AWS the Lambdas' configuration; locally the local host's, which names the data directory.
  if (aws) [base, dataDir] = [configFromEnv(), ''];
  else ({ config: base, host: { dataDir } } = localConfigFromEnv());
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`feed:import: ${e.message}`);
  process.exit(1);
}
const dir = args.find((a) => !a.startsWith('--')) ?? base.scanFeedDir;
if (!fromS3 && !dir) {
  console.error('Usage: npm run feed:import -- <feed dir> [--force]   (or set SCAN_FEED_DIR)\n       npm run feed:import -- --s3|--aws [--force]   (reads SCAN_FEED_S3_PREFIX, default feeds/incoming/, of the bucket)');
  process.exit(2);
}
const prefix = base.scanFeedS3Prefix ?? DEFAULT_S3_PREFIX;

async function run(config: Config): Promise<FeedImportResult> {
  const deps = createDeps(config);
  return runFeedImport(deps, fromS3 ? s3Feed(deps.blobs, prefix) : resolve(dir!), { force });
}

let stack: EmbeddedStack | undefined;
let result: FeedImportResult;
try {
  if (aws) {
    result = await run({ ...base, dynamodbEndpoint: undefined, s3Endpoint: undefined });
  } else {
    try {
      stack = await startEmbeddedStack({ dataDir, tableName: base.tableName, bucketName: base.bucketName, region: base.region });
    } catch (e) {
      console.error(`Cannot open the registry data in ${dataDir} (${(e as Error).message}). Is the registry running? Stop it first, or let it import its feed location itself.`);
      process.exit(1);
    }
    result = await run({ ...base, dynamodbEndpoint: stack.dynamodbEndpoint, s3Endpoint: stack.s3Endpoint });
  }
  console.log(result.imported
    ? `Imported feed ${result.feedId}: ${result.advisories} advisories (${Object.entries(result.ecosystems).map(([e, n]) => `${e} ${n}`).join(', ')}); ${result.rematched} continuously scanned images re-matched.`
    : `Nothing imported: ${result.reason}. The active feed is ${result.feedId || 'none'}${result.reason?.includes('not changed') ? ' (use --force to re-import)' : ''}.`);
} finally {
  await stack?.close();
}
