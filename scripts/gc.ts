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
import { createDeps } from '../shared/deps.ts';
import { runGc } from '../shared/gc/run.ts';
import { gcActor } from '../shared/gc/triggers.ts';
import { commandConfig, inAws, openDataDir } from './cli.ts';

const args = process.argv.slice(2);
const aws = args.includes('--aws');
const mode = args.includes('--marks') ? 'marks' : 'sweep';
const { base, dataDir } = commandConfig('gc', aws);
const stack = aws
  ? undefined
  : (await openDataDir(dataDir, base, 'npm run gc', 'A running registry collects garbage by itself (README, "Garbage collection").')).stack;
const config = aws ? inAws(base) : base;
const deps = createDeps(config, undefined, undefined, stack?.parts(config));
try {
  const run = await runGc(deps, gcActor(deps, `gc-cli-${process.pid}`), mode);
  console.log(JSON.stringify({ runId: run.runId, mode: run.mode, durationMs: deps.now().getTime() - run.startedAt, ...run.counts }));
} finally {
  await stack?.close();
}
