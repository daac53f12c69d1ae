/**
 * Benchmark of image scanning (issue: image scanning). Run: `npm run bench:scan` (a few minutes).
 * 1. Index throughput on a gzip layer of BENCH_SCAN_LAYER_MIB MiB (default 500) generated on the fly, in MB/s of
 *    compressed input, next to plain `gunzip` (and Node's zlib alone) on the same file in the same run, best of
 *    three interleaved rounds; the indexer's peak RSS (VmHWM of a process that only indexes).
 * 2. Match time of an image of 400 Debian packages against a feed of 50,000 advisories (import time too).
 * 3. Two images sharing a base layer scanned one after the other: the second reuses the base layer's index.
 */
import { spawn, spawnSync } from 'node:child_process';
import { serviceActor } from '../shared/domain/actor.ts';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { CreateRepositoryCommand, StartImageScanCommand, DescribeImageScanFindingsCommand } from '@aws-sdk/client-ecr';
import { indexLayer } from '../shared/scan/index/layer-indexer.ts';
import { coalesce } from '../shared/scan/index/coalesce.ts';
import { matchInventory } from '../shared/scan/match.ts';
import { FeedReader } from '../shared/scan/feed/shards.ts';
import { runFeedImport } from '../shared/scan/feed/job.ts';
import { dpkgStatus, layerTar, osRelease, osvRecord, pushImageOfLayers, writeOsvFeed } from '../test/helpers/scan-fixtures.ts';
import { startTestRegistry } from '../test/helpers/registry.ts';
import { fmt, peakRssMb } from './lib.ts';

const LAYER_MIB = Number(process.env.BENCH_SCAN_LAYER_MIB ?? 500);
const MB = 1e6;

/** 400 Debian packages; every other one has advisories in the feed. */
const PACKAGES = Array.from({ length: 400 }, (_, i) => ({
  name: `bench-pkg-${i}`,
  version: `1.${i % 7}.${i}-1`,
  source: i % 3 === 0 ? `bench-src-${i}` : undefined,
}));

/** A tar+gzip layer of about `mib` MiB of gzip output: half incompressible, half text; the package database in the middle. */
async function generateLayer(path: string, mib: number) {
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip({ level: 1 }), createWriteStream(path));
  const text = Buffer.from('lorem ipsum dolor sit amet, consectetur adipiscing elit '.repeat(20000)).subarray(0, 1 << 20);
  const entry = (name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry({ name, size: body.length }, body, (e) => (e ? reject(e) : resolve())));
  await entry('etc/os-release', Buffer.from(osRelease('debian', '12')));
  for (let i = 0; i + 1 <= mib; i++) {
    await entry(`usr/share/bench/random-${i}.bin`, randomBytes(1 << 20));
    await entry(`usr/share/bench/text-${i}.txt`, text);
    if (i === Math.floor(mib / 2)) await entry('var/lib/dpkg/status', Buffer.from(dpkgStatus(PACKAGES)));
  }
  pack.finalize();
  await writing;
}

/** Child mode: index the file and print the time; the parent reads this process's VmHWM. */
async function indexOnly(path: string) {
  const baseline = Math.round(process.memoryUsage().rss / 2 ** 20);
  const start = performance.now();
  const index = await indexLayer(createReadStream(path, { highWaterMark: 1 << 20 }), 'sha256:bench');
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    JSON.stringify({ seconds, baseline, packages: index.files.flatMap((f) => f.packages ?? []).length, vmhwm: peakRssMb(process.pid) }) + '\n',
  );
}

/** Node's own zlib inflating the file with nothing else done: the floor under the indexer. */
async function timeNodeInflate(path: string): Promise<{ seconds: number; bytes: number }> {
  const { createGunzip } = await import('node:zlib');
  const start = performance.now();
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 256 * 1024 }))) bytes += (chunk as Buffer).length;
  return { seconds: (performance.now() - start) / 1000, bytes };
}

function timeGunzip(path: string): number {
  const start = performance.now();
  const r = spawnSync('gunzip', ['-c', path], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('gunzip failed');
  return (performance.now() - start) / 1000;
}

/** Runs this script in a fresh process in one of its child modes and returns what it printed. */
async function childRun<T>(mode: string, path: string): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/scan.ts', mode, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'secr-bench-scan-'));
  const lines: string[] = [];
  const row = (what: string, time: string, rate: string) => {
    lines.push(`| ${what} | ${time} | ${rate} |`);
    console.log(lines[lines.length - 1]);
  };
  try {
    // 1. Index throughput next to gunzip.
    const layer = join(work, 'layer.tar.gz');
    let t = performance.now();
    await generateLayer(layer, LAYER_MIB);
    const size = statSync(layer).size;
    console.log(`generated ${fmt(size / 2 ** 20)} MiB gzip layer in ${fmt((performance.now() - t) / 1000)} s`);
    // Three interleaved rounds, best of each: the machine is shared, so single runs are noisy.
    let gunzip = Infinity;
    let inflate = { seconds: Infinity, bytes: 0 };
    let indexed = { seconds: Infinity, baseline: 0, packages: 0, vmhwm: 0 };
    for (let round = 0; round < 3; round++) {
      gunzip = Math.min(gunzip, timeGunzip(layer));
      const n = await childRun<{ seconds: number; bytes: number }>('--inflate-only', layer);
      if (n.seconds < inflate.seconds) inflate = n;
      const i = await childRun<typeof indexed>('--index-only', layer);
      if (i.seconds < indexed.seconds) indexed = i;
    }
    row(
      `gunzip -c of the ${fmt(size / 2 ** 20, 0)} MiB layer (${fmt(inflate.bytes / 2 ** 20, 0)} MiB of tar) to /dev/null`,
      `${fmt(gunzip, 2)} s`,
      `${fmt(size / MB / gunzip)} MB/s`,
    );
    row('Node zlib inflate of the same file, nothing else (own process)', `${fmt(inflate.seconds, 2)} s`, `${fmt(size / MB / inflate.seconds)} MB/s`);
    row(
      `layer indexer on the same file, own process (${indexed.packages} packages found)`,
      `${fmt(indexed.seconds, 2)} s`,
      `${fmt(size / MB / indexed.seconds)} MB/s (${fmt(gunzip / indexed.seconds, 2)}x gunzip)`,
    );
    row('indexer process peak RSS (VmHWM), and its RSS before indexing', '', `${indexed.vmhwm} MB (${indexed.baseline} MB before)`);
    rmSync(layer);

    // 2. Match time: 400 packages against 50,000 advisories.
    const feedDir = join(work, 'feed');
    const records = [];
    for (let i = 0; i < 50_000; i++) {
      const installed = i < 2000 ? PACKAGES[(i * 2) % 400] : undefined;
      const name = installed ? (installed.source ?? installed.name) : `other-pkg-${i % 9000}`;
      records.push(
        osvRecord(
          `DEBIAN-CVE-2020-${10000 + i}`,
          'Debian:12',
          name,
          [{ introduced: '0' }, { fixed: `1.${i % 9}.${i % 500}-1` }],
          {},
          { ecosystem_specific: { urgency: ['low', 'medium', 'high'][i % 3] } },
        ),
      );
    }
    writeOsvFeed(feedDir, 'Debian', records);
    const registry = await startTestRegistry(join(work, 'data'));
    try {
      t = performance.now();
      const imported = await runFeedImport(registry.deps, serviceActor(registry.deps.config, 'feed-import', 'bench'), { location: feedDir });
      row(
        `feed import: 50,000 advisories (${fmt(statSync(join(feedDir, 'Debian', 'all.zip')).size / 2 ** 20)} MiB all.zip)`,
        `${fmt((performance.now() - t) / 1000, 2)} s`,
        `${imported.advisories} advisories`,
      );
      const inventory = coalesce([
        await indexLayer(
          (await import('node:stream')).Readable.from([
            await layerTar([
              { path: 'etc/os-release', content: osRelease('debian', '12') },
              { path: 'var/lib/dpkg/status', content: dpkgStatus(PACKAGES) },
            ]),
          ]),
          'sha256:m',
        ),
      ]);
      const reader = new FeedReader(registry.deps.blobs, imported.feedId);
      t = performance.now();
      const cold = await matchInventory(inventory, reader, { languages: false });
      row(`match 400 packages against 50,000 advisories, shards read from S3 (${cold.length} findings)`, `${fmt(performance.now() - t, 0)} ms`, '');
      t = performance.now();
      await matchInventory(inventory, reader, { languages: false });
      row('the same match again, shards already loaded', `${fmt(performance.now() - t, 0)} ms`, '');

      // 3. Two images sharing a base layer.
      const ecr = registry.ecr;
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench/scan' }));
      const base = await (async () => {
        const path = join(work, 'base.tar.gz');
        await generateLayer(path, 64);
        const { readFileSync } = await import('node:fs');
        return readFileSync(path);
      })();
      const app = (n: number) =>
        layerTar([
          { path: `srv/app-${n}/package-lock.json`, content: JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/x': { version: `1.0.${n}` } } }) },
        ]);
      for (const [n, label] of [
        [1, 'first image (base layer indexed)'],
        [2, 'second image sharing the base layer (index cached)'],
      ] as const) {
        const digest = await pushImageOfLayers(ecr, 'bench/scan', [base, await app(n)], `v${n}`);
        t = performance.now();
        await ecr.send(new StartImageScanCommand({ repositoryName: 'bench/scan', imageId: { imageDigest: digest } }));
        await registry.jobs.idle();
        const out = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'bench/scan', imageId: { imageDigest: digest }, maxResults: 1 }));
        row(
          `scan of the ${label}: 64 MiB base + small app layer`,
          `${fmt((performance.now() - t) / 1000, 2)} s`,
          `${out.imageScanStatus?.status}, ${Object.values(out.imageScanFindings?.findingSeverityCounts ?? {}).reduce((a, b) => a + b, 0)} findings`,
        );
      }
    } finally {
      await registry.destroy();
    }
    console.log('\n| measurement | time | rate |\n| --- | --- | --- |\n' + lines.join('\n'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--index-only') await indexOnly(process.argv[3]);
else if (process.argv[2] === '--inflate-only') process.stdout.write(JSON.stringify(await timeNodeInflate(process.argv[3])) + '\n');
else await main();
