/**
 * npm run feed:import [-- <feed dir>] [--force]: imports the OSV exports of the feed location (SCAN_FEED_DIR,
 * or the argument) into the local registry's data directory (REGISTRY_DATA_DIR, default .data), makes the new
 * feed the active one and re-matches continuously scanned images. Run it while the registry is stopped; a
 * running registry imports SCAN_FEED_DIR by itself on start and every SCAN_FEED_INTERVAL_SECONDS.
 */
import { resolve } from 'node:path';
import { configFromEnv } from '../shared/config.ts';
import { createDeps } from '../shared/deps.ts';
import { startEmbeddedStack } from '../infra/local/stack.ts';
import { runFeedImport } from '../shared/scan/feed/job.ts';

const args = process.argv.slice(2);
const force = args.includes('--force');
const dir = args.find((a) => !a.startsWith('--')) ?? process.env.SCAN_FEED_DIR;
if (!dir) {
  console.error('Usage: npm run feed:import -- <feed dir> [--force]   (or set SCAN_FEED_DIR)');
  process.exit(2);
}
const dataDir = resolve(process.env.REGISTRY_DATA_DIR ?? '.data');
const base = configFromEnv();
let stack;
try {
  stack = await startEmbeddedStack({ dataDir, tableName: base.tableName, bucketName: base.bucketName, region: base.region });
} catch (e) {
  console.error(`Cannot open the registry data in ${dataDir} (${(e as Error).message}). Is the registry running? Stop it first, or let it import SCAN_FEED_DIR itself.`);
  process.exit(1);
}
try {
  const deps = createDeps({ ...base, dynamodbEndpoint: stack.dynamodbEndpoint, s3Endpoint: stack.s3Endpoint });
  const result = await runFeedImport(deps, resolve(dir), { force });
  console.log(result.imported
    ? `Imported feed ${result.feedId}: ${result.advisories} advisories (${Object.entries(result.ecosystems).map(([e, n]) => `${e} ${n}`).join(', ')}); ${result.rematched} continuously scanned images re-matched.`
    : `Nothing imported: ${result.reason}. The active feed is ${result.feedId} (use --force to re-import).`);
} finally {
  await stack.close();
}
