/**
 * npm run gc [-- --marks] [--aws]: one garbage collection run by hand, printing what it looked at and freed (one JSON
 * line). By default a sweep of the whole registry; `--marks` deals only with what deletions marked. Locally it opens
 * the data directory (REGISTRY_DATA_DIR, default .data) with the registry stopped (it refuses, naming the registry's
 * PID, while the lock is held: a running registry collects by itself every minute when marks are due). The grace
 * period is REGISTRY_GC_GRACE_SECONDS as always: nothing touched more recently is freed.
 *
 * With `--aws` it runs against the deployed registry in this process (TABLE_NAME, BUCKET_NAME, EVENT_BUS_NAME and
 * AWS_REGION from the stack's outputs, AWS credentials from the environment); starting the `gc` state machine with
 * `{"state": ...}` is the other way (README, "Garbage collection").
 */
import { mkdirSync } from 'node:fs';
import { ConfigError, configFromEnv, localConfigFromEnv, type Config } from '../shared/config.ts';
import { createDeps } from '../shared/deps.ts';
import { runGc } from '../shared/gc/run.ts';
import { gcActor } from '../shared/gc/triggers.ts';
import { startEmbeddedStack, type EmbeddedStack } from '../infra/local/stack.ts';
import { DataDirLockedError, lockDataDir, type Lock } from '../infra/local/lock.ts';

const args = process.argv.slice(2);
const aws = args.includes('--aws');
const mode = args.includes('--marks') ? 'marks' : 'sweep';
let base: Config;
let dataDir = '';
try {
  if (aws) base = configFromEnv();
  else
    ({
      config: base,
      host: { dataDir },
    } = localConfigFromEnv());
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`gc: ${e.message}`);
  process.exit(1);
}

let stack: EmbeddedStack | undefined;
let lock: Lock | undefined;
process.on('exit', () => lock?.release());
if (!aws) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    lock = lockDataDir(dataDir, 'npm run gc');
  } catch (e) {
    if (!(e instanceof DataDirLockedError)) throw e;
    console.error(`${e.message} A running registry collects garbage by itself (README, "Garbage collection").`);
    process.exit(1);
  }
  stack = await startEmbeddedStack({
    dataDir,
    tableName: base.tableName,
    region: base.region,
    signingKey: base.signingKey,
    scheme: 'http',
    legacyBucket: base.bucketName,
  });
}
const config = aws ? { ...base, dynamodbEndpoint: undefined, s3Endpoint: undefined } : base;
const deps = createDeps(config, undefined, undefined, stack?.parts(config));
try {
  const run = await runGc(deps, gcActor(deps, `gc-cli-${process.pid}`), mode);
  console.log(JSON.stringify({ runId: run.runId, mode: run.mode, durationMs: deps.now().getTime() - run.startedAt, ...run.counts }));
} finally {
  await stack?.close();
}
