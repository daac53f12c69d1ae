/** `npm start` as a real child process: its output, the PID of the registry's own node process, its endpoint. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export type Spawned = { child: ChildProcess; output(): string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };
export type Started = Spawned & { endpoint: string; serverPid: number };

/** Runs `npm start --silent -- <args>` in the project (or `npm run <script>` with `script`). */
export function spawnNpm(args: string[], env: NodeJS.ProcessEnv = {}, script = 'start'): Spawned {
  const child = spawn('npm', [...(script === 'start' ? ['start'] : ['run', script]), '--silent', '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d) => {
    text += d;
  });
  child.stderr!.on('data', (d) => {
    text += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => text, exited };
}

/** Starts a registry with `npm start` and waits for its "listening" line. */
export async function startNpm(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 45_000): Promise<Started> {
  const spawned = spawnNpm(args, env);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The closing parenthesis: output arrives in chunks, and a PID cut short by one would name another process.
    const m = /listening on (https?:\/\/\S+) .*PID (\d+)\)/.exec(spawned.output());
    if (m) return { ...spawned, endpoint: m[1], serverPid: Number(m[2]) };
    if (spawned.child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not start:\n${spawned.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
