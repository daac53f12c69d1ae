/**
 * Benchmark of the OCI API (issue: docker-style push and pull). Run: `npm run bench:oci` (a few minutes).
 * skopeo pushes and pulls the same images to serverless-ecr (its own process, `npm start`'s entry point) and
 * to CNCF distribution (Debian `docker-registry`, filesystem storage), one after the other on loopback:
 *   (a) ten layers of 100 MiB, (b) 200 layers of 64 KiB; with BENCH_BIG=1 also (c) one 2 GiB layer.
 * Reported: seconds, MB/s, the ratio to distribution, and each registry's peak RSS.
 * Layers are gzip streams of random bytes at level 0 (stored), so skopeo copies them as they are.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { cpuSeconds, fmt, peakRssMb, startRegistryProcess } from './lib.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

type Layout = { dir: string; bytes: number };

/** Writes an OCI layout of one image with `count` layers of `size` random bytes (gzip level 0). */
async function makeLayout(root: string, name: string, count: number, size: number): Promise<Layout> {
  const dir = join(root, name);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer | string) => {
    const digest = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', digest), bytes);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(bytes) };
  };
  const layers = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const tmp = join(dir, 'layer.tmp');
    const hash = createHash('sha256');
    let length = 0;
    const gzip = createGzip({ level: 0 });
    gzip.on('data', (c: Buffer) => {
      hash.update(c);
      length += c.length;
    });
    const out = createWriteStream(tmp);
    gzip.pipe(out);
    for (let written = 0; written < size; written += 4 * MiB) gzip.write(randomBytes(Math.min(4 * MiB, size - written)));
    gzip.end();
    await new Promise<void>((r) => out.on('close', () => r()));
    const digest = hash.digest('hex');
    (await import('node:fs')).renameSync(tmp, join(dir, 'blobs', 'sha256', digest));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${digest}`, size: length });
    total += length;
  }
  const config = put(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers,
  });
  const m = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
  return { dir, bytes: total };
}

/** CNCF distribution on a loopback port with filesystem storage. */
async function startDistribution(root: string, port: number) {
  const config = join(root, 'distribution.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'distribution-data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    host: `127.0.0.1:${port}`,
    stop: () => {
      child.kill();
    },
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 << 20 });

async function main() {
  for (const tool of ['skopeo', 'docker-registry']) {
    if (
      !(await run('sh', ['-c', `command -v ${tool}`]).then(
        () => true,
        () => false,
      ))
    ) {
      console.error(`bench:oci needs ${tool}: apt-get install -y ${tool} (Debian packages; npm test installs skopeo, not docker-registry)`);
      process.exit(2);
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'oci-bench-'));
  const cases: [string, number, number][] = [
    ['(a) 10 x 100 MiB', 10, 100 * MiB],
    ['(b) 200 x 64 KiB', 200, 64 * 1024],
  ];
  if (process.env.BENCH_BIG) cases.push(['(c) 1 x 2 GiB', 1, 2048 * MiB]);
  const only = process.env.BENCH_ONLY;
  if (only) cases.splice(0, cases.length, ...cases.filter(([label]) => label.startsWith(`(${only})`)));
  const ours = await startRegistryProcess(Number(process.env.BENCH_PORT ?? 5056));
  const theirs = await startDistribution(root, Number(process.env.BENCH_PEER_PORT ?? 5057));
  const ecr = new ECRClient({ endpoint: ours.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const token = Buffer.from((await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!, 'base64')
    .toString()
    .slice(4);
  const ourHost = new URL(ours.endpoint).host;
  const rows: string[] = [];
  try {
    for (const [label, count, size] of cases) {
      const layout = await makeLayout(root, `layout-${count}`, count, size);
      const repo = `bench/img${count}`;
      await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
      const mb = layout.bytes / 1e6;
      const result: Record<string, { push: number; pull: number; pushCpu: number; pullCpu: number }> = {};
      for (const [who, host, creds, pid] of [
        ['distribution', theirs.host, [], theirs.child.pid!],
        ['serverless-ecr', ourHost, ['--dest-creds', `AWS:${token}`], ours.child.pid!],
      ] as const) {
        let cpu = cpuSeconds(pid);
        const push = await timed(() => skopeo(['copy', '--dest-tls-verify=false', ...creds, `oci:${layout.dir}:v1`, `docker://${host}/${repo}:v1`]));
        const pushCpu = cpuSeconds(pid) - cpu;
        const pullDir = join(root, `pull-${who}-${count}`);
        const srcCreds = creds.length ? ['--src-creds', `AWS:${token}`] : [];
        cpu = cpuSeconds(pid);
        const pull = await timed(() => skopeo(['copy', '--src-tls-verify=false', ...srcCreds, `docker://${host}/${repo}:v1`, `dir:${pullDir}`]));
        const pullCpu = cpuSeconds(pid) - cpu;
        rmSync(pullDir, { recursive: true, force: true });
        result[who] = { push, pull, pushCpu, pullCpu };
      }
      const d = result.distribution;
      const s = result['serverless-ecr'];
      const cell = (t: number, cpu: number) => `${fmt(t, 2)} s, ${fmt(mb / t)} MB/s, ${fmt(cpu, 1)} CPU s`;
      rows.push(`| ${label} push | ${cell(d.push, d.pushCpu)} | ${cell(s.push, s.pushCpu)} | ${fmt(d.push / s.push, 2)}x |`);
      rows.push(`| ${label} pull | ${cell(d.pull, d.pullCpu)} | ${cell(s.pull, s.pullCpu)} | ${fmt(d.pull / s.pull, 2)}x |`);
      rmSync(layout.dir, { recursive: true, force: true });
    }
    rows.push(`| peak RSS | ${peakRssMb(theirs.child.pid!)} MB | ${ours.peakRssMb()} MB | |`);
  } finally {
    ecr.destroy();
    theirs.stop();
    await ours.stop();
    rmSync(root, { recursive: true, force: true });
  }
  console.log('| case | distribution 2.8 | serverless-ecr | throughput ratio (ours / distribution) |');
  console.log('| --- | --- | --- | --- |');
  console.log(rows.join('\n'));
}

await main();
