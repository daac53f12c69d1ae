/**
 * Benchmark of a garbage collection sweep (issue 16). Run: `npm run bench:gc` (BENCH_GC_BLOBS, default 100000; half of
 * them garbage). The embedded DynamoDB (dynalite) and S3 (s3rver) run in this process on loopback ports and are seeded
 * directly through the table (not a test: no API calls): one repository whose 1 image in 100 names 100 layers, each
 * linked; as many blobs again that lost their last reference more than a grace period ago. Blob objects are not
 * written: deleting an absent S3 key costs the same request. The sweep runs in a child process (`runGc`, the steps
 * the state machine runs, in one loop), so its peak RSS (VmHWM) is its own; it counts every DynamoDB and S3 request.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { configFromEnv } from '../shared/config.ts';
import { createDeps } from '../shared/deps.ts';
import { runGc } from '../shared/gc/run.ts';
import { gcActor } from '../shared/gc/triggers.ts';
import { LOCAL_CREDENTIALS } from '../shared/deps/local.ts';
import { Table } from '../shared/store/dynamo/table.ts';
import { blobIndex, blobKey, imageKey, layerKey, repositoryIndex, repositoryKey } from '../shared/store/keys.ts';
import { mapLimit } from '../shared/util/map-limit.ts';
import { startAwsServers } from '../test/helpers/aws-servers.ts';
import { peakRssMb } from './lib.ts';

const HOUR = 3600_000;
const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** Child mode: one sweep against the running servers, its requests counted, printed as JSON. */
async function sweepInChild() {
  const requests: Record<string, number> = {};
  for (const proto of [DynamoDBDocumentClient.prototype, S3Client.prototype] as { send: (...a: any[]) => Promise<unknown> }[]) {
    const send = proto.send;
    proto.send = function (this: unknown, command: { constructor: { name: string } }, ...rest: unknown[]) {
      const name = command.constructor.name.replace(/Command$/, '');
      requests[name] = (requests[name] ?? 0) + 1;
      return send.call(this, command, ...rest);
    };
  }
  const deps = createDeps(configFromEnv());
  const baseline = peakRssMb(process.pid);
  const t = performance.now();
  const run = await runGc(deps, gcActor(deps, 'bench'), 'sweep');
  const seconds = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ seconds, counts: run.counts, requests, baselineMb: baseline, peakMb: peakRssMb(process.pid) }));
}

/** Seeds `blobs` blob records: half linked and named by images of one repository, half unreferenced and old. */
async function seed(table: Table, registryId: string, blobs: number) {
  const uid = randomUUID();
  const old = Date.now() - 48 * HOUR;
  await table.put({
    Item: {
      ...repositoryKey(registryId, 'bench/gc'),
      ...repositoryIndex(registryId, 'bench/gc'),
      type: 'repository',
      name: 'bench/gc',
      uid,
      createdAt: old,
      imageTagMutability: 'MUTABLE',
      scanOnPush: false,
      encryptionType: 'AES256',
      tags: [],
    },
  });
  const live = Array.from({ length: blobs / 2 }, (_, i) => digestOf(`live-${i}`));
  const garbage = Array.from({ length: blobs / 2 }, (_, i) => digestOf(`garbage-${i}`));
  const blob = (digest: string, linkedBy?: string) => ({
    ...blobKey(digest),
    ...blobIndex(digest),
    type: 'blob',
    digest,
    size: 1_000_000,
    object: `uploads/${randomUUID()}/data`,
    createdAt: old,
    touchedAt: old,
    ...(linkedBy ? { linkedBy: new Set([linkedBy]) } : {}),
  });
  const items: Record<string, any>[] = [
    ...live.map((d) => blob(d, uid)),
    ...garbage.map((d) => blob(d)),
    ...live.map((d) => ({ ...layerKey(uid, d), type: 'layer', digest: d, size: 1_000_000, touchedAt: old })),
  ];
  for (let i = 0; i < live.length; i += 100) {
    const layers = live.slice(i, i + 100).map((digest) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 1_000_000 }));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: layers[0].digest, size: 1 },
      layers,
    });
    const digest = digestOf(manifest);
    items.push({
      ...imageKey(uid, digest),
      type: 'image',
      digest,
      manifest,
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      sizeInBytes: 1,
      pushedAt: old,
    });
  }
  const chunks = Array.from({ length: Math.ceil(items.length / 500) }, (_, i) => items.slice(i * 500, i * 500 + 500));
  await mapLimit(chunks, 4, (chunk) => table.batchPut(chunk));
}

function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`sweep exited with ${code}`))));
  });
}

async function main() {
  const blobs = Number(process.env.BENCH_GC_BLOBS ?? 100_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'secr-bench-gc-'));
  const base = configFromEnv({});
  const stack = await startAwsServers({ dataDir, tableName: base.tableName, bucketName: base.bucketName, region: base.region });
  const dynamo = new DynamoDBClient({ region: base.region, endpoint: stack.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  try {
    const t = performance.now();
    await seed(new Table(dynamo, base.tableName), base.registryId, blobs);
    const seeded = (performance.now() - t) / 1000;
    const env = {
      ...process.env,
      DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
      S3_ENDPOINT: stack.s3Endpoint,
      REGISTRY_GC_GRACE_SECONDS: '3600',
      LOG_LEVEL: 'warn',
    };
    const r = JSON.parse((await runChild(['--import', 'tsx', 'bench/gc.ts', '--sweep'], env)).trim().split('\n').at(-1)!);
    const freed = r.counts.blobs;
    const dynamoCalls = Object.entries(r.requests as Record<string, number>).filter(([n]) => !/Object/.test(n));
    const s3Calls = Object.entries(r.requests as Record<string, number>).filter(([n]) => /Object/.test(n));
    const sum = (e: [string, number][]) => e.reduce((n, [, c]) => n + c, 0);
    const cpu = execFileSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; uptime"], { encoding: 'utf8' }).trim().split('\n');
    console.log(`\nNode ${process.version}, ${cpu[0]} cores,${cpu[1] ?? ''}; ${cpu[2]?.trim()}`);
    console.log(`seeded ${blobs} blob records (${blobs / 2} garbage) in ${seeded.toFixed(0)} s`);
    console.log('| blobs | garbage freed | sweep time | rate | peak RSS (baseline) | DynamoDB requests | per blob freed | S3 requests | per blob freed |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    console.log(
      `| ${blobs.toLocaleString('en')} | ${freed.toLocaleString('en')} | ${r.seconds.toFixed(1)} s | ${Math.round(blobs / r.seconds).toLocaleString('en')} blobs/s | ${r.peakMb} MB (${r.baselineMb} MB) | ${sum(dynamoCalls).toLocaleString('en')} | ${(sum(dynamoCalls) / freed).toFixed(2)} | ${sum(s3Calls).toLocaleString('en')} | ${(sum(s3Calls) / freed).toFixed(2)} |`,
    );
    console.log(`requests by kind: ${JSON.stringify(r.requests)}; counts: ${JSON.stringify(r.counts)}`);
  } finally {
    dynamo.destroy();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The SDK clients keep their sockets open: exit explicitly once done.
if (process.argv[2] === '--sweep') await sweepInChild();
else await main();
process.exit(0);
