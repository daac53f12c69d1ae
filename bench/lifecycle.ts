/**
 * Benchmark of lifecycle evaluation (issue 4). Run: `npm run bench:lifecycle` (about 5 minutes; BENCH_LIFECYCLE_SIZES
 * changes the repository sizes, default 10000,100000).
 * The embedded DynamoDB runs in this process and is seeded directly through the store (not a test: no API calls).
 * Each evaluation runs in a child process — the EvaluateApply task itself: read the repository in pages, evaluate
 * a three-rule policy, store the plan — so the child's peak RSS (VmHWM) is the evaluation's alone.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, createHash } from 'node:crypto';
import { startAwsServers } from '../test/helpers/aws-servers.ts';
import { configFromEnv } from '../shared/config.ts';
import { createDeps, type Deps } from '../shared/deps.ts';
import { mapLimit } from '../shared/util/map-limit.ts';
import { serviceActor } from '../shared/domain/actor.ts';
import { evaluateApply, type RunInput } from '../shared/lifecycle/runs.ts';
import { peakRssMb } from './lib.ts';

const DAY = 24 * 3600_000;
const OLD_SPACE_CAP_MB = Number(process.env.BENCH_OLD_SPACE_MB ?? 128);
const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep the 5000 newest releases',
      selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 5000 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'untagged images go after 30 days',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 3,
      description: 'archive what nobody pulled for 90 days',
      selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    },
  ],
});

/** Child mode: one evaluation against the running embedded stack, printed as JSON. */
async function evaluateInChild(repositoryName: string) {
  const deps = createDeps(configFromEnv());
  const repo = (await deps.repositories.get(repositoryName))!;
  const now = Date.now();
  const run: RunInput = { repositoryName, repositoryUid: repo.uid, runId: randomUUID(), trigger: 'SCHEDULE', startedAt: now };
  if ((await deps.lifecycle.claimRun(repo.uid, { id: run.runId, trigger: 'SCHEDULE', startedAt: now, expiresAt: now + 3600_000 }, now)) !== 'started')
    throw new Error('run lease not free');
  const baseline = peakRssMb(process.pid);
  const t = performance.now();
  const plan = await evaluateApply(deps, serviceActor(deps.config, 'lifecycle', run.runId), { run });
  const seconds = (performance.now() - t) / 1000;
  const peakMb = peakRssMb(process.pid);
  // Leave the repository as found for the next evaluation: lease released, plan removed.
  await deps.lifecycle.finishRun(repo.uid, {
    id: run.runId,
    trigger: 'SCHEDULE',
    status: 'SUCCEEDED',
    startedAt: now,
    finishedAt: Date.now(),
    expired: 0,
    transitioned: 0,
    skipped: 0,
  });
  await deps.lifecycle.deleteChunks(repo.uid, 'plan', run.runId, plan.batches.length);
  console.log(JSON.stringify({ seconds, planned: plan.planned, batches: plan.batches.length, baselineMb: baseline, peakMb }));
}

/** Seeds `count` images (70% tagged v<n>, 30% untagged, pushed over 200 days, a third pulled recently). */
async function seed(deps: Deps, repositoryName: string, count: number) {
  const uid = randomUUID();
  const now = Date.now();
  await deps.repositories.create({
    name: repositoryName,
    uid,
    createdAt: now,
    imageTagMutability: 'MUTABLE',
    scanOnPush: false,
    encryptionType: 'AES256',
    tags: [],
  });
  await deps.lifecycle.putPolicy(uid, repositoryName, POLICY, now);
  const filler = 'x'.repeat(400);
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    32,
    async (i) => {
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { digest: `sha256:${i}` },
        layers: [],
        annotations: { filler },
      });
      const digest = 'sha256:' + createHash('sha256').update(manifest).digest('hex');
      const pushedAt = now - Math.floor((i / count) * 200 * DAY);
      await deps.images.create(uid, {
        digest,
        manifest,
        manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        sizeInBytes: 1000,
        pushedAt,
        ...(i % 3 === 0 ? { lastPulledAt: now - DAY } : {}),
      });
      if (i % 10 < 7) await deps.images.moveTag(uid, `v${i}`, digest, null, pushedAt);
    },
  );
}

function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`evaluation exited with ${code}`))));
  });
}

async function main() {
  const sizes = (process.env.BENCH_LIFECYCLE_SIZES ?? '10000,100000').split(',').map(Number);
  const dataDir = mkdtempSync(join(tmpdir(), 'secr-bench-lc-'));
  const base = configFromEnv({});
  const stack = await startAwsServers({ dataDir, tableName: base.tableName, bucketName: base.bucketName, region: base.region });
  const env = { ...process.env, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, S3_ENDPOINT: stack.s3Endpoint };
  const deps = createDeps({ ...base, dynamodbEndpoint: stack.dynamodbEndpoint, s3Endpoint: stack.s3Endpoint });
  const rows: string[] = [];
  try {
    for (const size of sizes) {
      const name = `bench/lc-${size}`;
      const t = performance.now();
      await seed(deps, name, size);
      const seeded = (performance.now() - t) / 1000;
      // The child is a fresh Node process: its peak RSS is the evaluation's (plus Node's and tsx's baseline).
      // Asynchronous: the embedded DynamoDB it reads lives in this process's event loop.
      const evaluate = async (flags: string[]) =>
        JSON.parse((await runChild([...flags, '--import', 'tsx', 'bench/lifecycle.ts', '--evaluate', name], env)).trim().split('\n').at(-1)!);
      const r = await evaluate([]);
      // Again with V8's old space capped: the evaluation's live data fits, the rest of the first peak is garbage.
      const capped = await evaluate([`--max-old-space-size=${OLD_SPACE_CAP_MB}`]);
      rows.push(
        `| ${size.toLocaleString('en')} | ${r.seconds.toFixed(2)} s | ${Math.round(size / r.seconds).toLocaleString('en')} images/s | ${r.planned.toLocaleString('en')} (${r.batches} batches) | ${r.peakMb} MB (baseline ${r.baselineMb} MB) | ${capped.seconds.toFixed(2)} s, ${capped.peakMb} MB | ${seeded.toFixed(0)} s |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const cpu = execFileSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim().split('\n');
  console.log(`\nNode ${process.version}, ${cpu[0]} cores,${cpu[1] ?? ''}`);
  console.log(
    `| images | EvaluateApply | rate | planned actions | peak RSS (before evaluating) | old space capped at ${OLD_SPACE_CAP_MB} MB: time, peak RSS | seeding |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

// The SDK clients keep their sockets open: exit explicitly once done.
if (process.argv[2] === '--evaluate') await evaluateInChild(process.argv[3]);
else await main();
process.exit(0);
