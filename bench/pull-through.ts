/**
 * Benchmark of the pull through cache (issue 15). Run: `npm run bench:pull-through` (about a minute).
 * One image of 10 layers of 10 MiB (gzip level 0 of random bytes) is pushed to CNCF distribution (Debian
 * `docker-registry`, anonymous, filesystem storage); serverless-ecr (its own process) has a rule whose upstream is
 * that distribution. skopeo then pulls, in one run: directly from distribution, through the cache cold (the
 * repository created, the image imported), through the cache again (served from the cache), and directly once more.
 * Reported: seconds, MB/s, and the ratio of each pull to the first direct one.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CreatePullThroughCacheRuleCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { fmt, startRegistryProcess } from './lib.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_LAYERS ?? 10);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 10);

/** An OCI layout of one image of LAYERS layers; returns its directory and its byte count. */
function makeLayout(dir: string): number {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer | string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };
  const layers = Array.from({ length: LAYERS }, () => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    ...put(gzipSync(randomBytes(LAYER_MIB * MiB), { level: 0 })),
  }));
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
  return layers.reduce((n, l) => n + l.size, 0);
}

async function startDistribution(root: string, port: number) {
  const config = join(root, 'distribution.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'distribution-data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 << 20 });
const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'ptc-bench-'));
  const bytes = makeLayout(join(root, 'layout'));
  const upstream = await startDistribution(root, Number(process.env.BENCH_PEER_PORT ?? 5059));
  const ours = await startRegistryProcess(Number(process.env.BENCH_PORT ?? 5058));
  try {
    await skopeo(['copy', ...tls, `oci:${join(root, 'layout')}:v1`, `docker://${upstream.host}/bench/app:v1`]);
    const ecr = new ECRClient({ endpoint: ours.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'cache', upstreamRegistryUrl: upstream.url }));
    const token = Buffer.from((await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!, 'base64').toString();
    const host = new URL(ours.endpoint).host;
    const pull = (from: string, to: string, creds?: string) =>
      timed(() => skopeo(['copy', ...tls, ...(creds ? ['--src-creds', creds] : []), `docker://${from}`, `oci:${join(root, to)}:v1`]));
    const rows: [string, number][] = [
      ['direct from distribution', await pull(`${upstream.host}/bench/app:v1`, 'direct1')],
      ['through the cache, cold (created + imported)', await pull(`${host}/cache/bench/app:v1`, 'cold', token)],
      ['through the cache, cached', await pull(`${host}/cache/bench/app:v1`, 'cached', token)],
      ['direct from distribution, again', await pull(`${upstream.host}/bench/app:v1`, 'direct2')],
    ];
    const mb = bytes / 1e6;
    console.log(`\n${LAYERS} x ${LAYER_MIB} MiB (${fmt(mb)} MB), skopeo copy to an OCI layout\n`);
    console.log('| pull | seconds | MB/s | ratio to the first direct pull |');
    console.log('| --- | --- | --- | --- |');
    for (const [label, s] of rows) console.log(`| ${label} | ${fmt(s, 2)} | ${fmt(mb / s)} | ${fmt(s / rows[0][1], 2)}x |`);
    console.log(`\nregistry peak RSS: ${fmt(ours.peakRssMb(), 0)} MB`);
    ecr.destroy();
  } finally {
    await ours.stop();
    upstream.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
