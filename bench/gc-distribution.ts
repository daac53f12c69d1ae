/**
 * The peer for bench/gc.ts: CNCF distribution's own garbage collector (`docker-registry garbage-collect`, 2.8, the
 * Debian package), which runs with the registry stopped or read-only. Run: `npm run bench:gc-distribution`
 * (BENCH_GC_BLOBS, default 100000). Seeds its filesystem storage layout directly, as bench/gc.ts seeds the table:
 * one repository whose 1 manifest in 100 names 100 layers, and as many unreferenced blobs again; then times the
 * collection and reads its peak RSS (GNU time), and counts the blobs left.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const blobs = Number(process.env.BENCH_GC_BLOBS ?? 100_000);
const root = mkdtempSync(join(tmpdir(), 'secr-bench-gc-dist-'));
const v2 = join(root, 'docker', 'registry', 'v2');
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

function putBlob(content: string): string {
  const h = hex(content);
  const dir = join(v2, 'blobs', 'sha256', h.slice(0, 2), h);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'data'), content);
  return h;
}
function link(path: string, h: string) {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'link'), `sha256:${h}`);
}

const t0 = performance.now();
const repo = join(v2, 'repositories', 'bench', 'gc');
const live = Array.from({ length: blobs / 2 }, (_, i) => putBlob(`live-${i}`));
for (const h of live) link(join(repo, '_layers', 'sha256', h), h);
for (let i = 0; i < live.length; i += 100) {
  const layers = live.slice(i, i + 100).map((h) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: `sha256:${h}`, size: 6 }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: layers[0].digest, size: 6 },
    layers,
  });
  const h = putBlob(manifest);
  link(join(repo, '_manifests', 'revisions', 'sha256', h), h);
  link(join(repo, '_manifests', 'tags', `t${i}`, 'current'), h);
  link(join(repo, '_manifests', 'tags', `t${i}`, 'index', 'sha256', h), h);
}
for (let i = 0; i < blobs / 2; i++) putBlob(`garbage-${i}`);
const seeded = (performance.now() - t0) / 1000;
const count = () => readdirSync(join(v2, 'blobs', 'sha256')).reduce((n, d) => n + readdirSync(join(v2, 'blobs', 'sha256', d)).length, 0);
const before = count();

writeFileSync(join(root, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}\n`);
const t = performance.now();
const run = spawnSync('/usr/bin/time', ['-f', '%M', '/usr/bin/docker-registry', 'garbage-collect', join(root, 'config.yml')], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
const seconds = (performance.now() - t) / 1000;
if (run.status !== 0) throw new Error(`garbage-collect failed: ${run.stderr.slice(-2000)}`);
const peakMb = Math.round(Number(run.stderr.trim().split('\n').at(-1)) / 1024);
const after = count();
const cpu = execFileSync('sh', ['-c', 'nproc; uptime'], { encoding: 'utf8' }).trim().split('\n');
console.log(`seeded ${before} blobs (${blobs / 2} garbage, plus ${before - blobs} manifests) in ${seeded.toFixed(0)} s; ${cpu[0]} cores; ${cpu[1].trim()}`);
console.log('| blobs | garbage freed | garbage-collect time | rate | peak RSS |');
console.log('| --- | --- | --- | --- | --- |');
console.log(
  `| ${before.toLocaleString('en')} | ${(before - after).toLocaleString('en')} | ${seconds.toFixed(1)} s | ${Math.round(before / seconds).toLocaleString('en')} blobs/s | ${peakMb} MB |`,
);
rmSync(root, { recursive: true, force: true });
