/** Benchmark plumbing: a registry in its own process (so its RSS can be read), timers and percentiles. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RegistryProcess = { endpoint: string; child: ChildProcess; peakRssMb(): number; stop(): Promise<void> };

/** Starts `npm start`'s entry point in a child process on a free port with a fresh data directory. */
export async function startRegistryProcess(port: number, env: Record<string, string> = {}): Promise<RegistryProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'secr-bench-'));
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'infra/local/start.ts'], {
    env: { ...process.env, PORT: String(port), REGISTRY_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Drain its log: a pipe nobody reads fills up and stalls the registry mid-benchmark.
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('registry did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    child,
    peakRssMb: () => peakRssMb(child.pid!),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** VmHWM of a process: its peak resident set, in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export type LoadResult = { requests: number; seconds: number; rps: number; p50: number; p99: number };

/** Runs `call` from `clients` concurrent loops for `seconds`, measuring each call's latency in ms. */
export async function load(clients: number, seconds: number, call: () => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds: elapsed, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);
