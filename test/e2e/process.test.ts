/**
 * `npm start` as the user runs it, in real processes: stopping by signal to either process, refusals before
 * anything starts (a second instance, a taken port, feed:import while it runs), --help, and its own pages.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, spawnNpm, startNpm, type Started } from '../helpers/process.ts';

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'secr-proc-'));
  dirs.push(d);
  return d;
};
const running: Started[] = [];
afterAll(async () => {
  for (const r of running)
    if (r.child.exitCode === null) {
      r.child.kill('SIGKILL');
      process.kill(r.serverPid, 'SIGKILL');
    }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const lines = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l));
/** The messages of the JSON log lines of a run. */
const messages = (text: string, pattern: RegExp) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l).msg as string)
    .filter((m) => pattern.test(m));
/** Lines of a stack trace, or of Node's own error report. */
const STACK = /^\s+at |^Node\.js v|Error:/;

/** A POST whose body arrives in two halves, the second after `between` ran: resolves with the status. */
function slowRequest(endpoint: string, between: () => Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': '4' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write('{}');
    req.flushHeaders();
    setTimeout(() => between().then(() => req.end('  '), reject), 300);
  });
}

describe('npm start', () => {
  it("answers GET / as ECR's endpoint does (MissingAuthenticationTokenException), a browser's GET / with a short index, and GET and HEAD /health with 200", async () => {
    const registry = await startNpm(['--port', '0', '--data-dir', dataDir()]);
    running.push(registry);
    const index = await fetch(`${registry.endpoint}/`);
    expect(index.status).toBe(400);
    expect(((await index.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    const page = await fetch(`${registry.endpoint}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain(`aws --endpoint-url ${registry.endpoint} ecr describe-repositories`);
    expect((await fetch(`${registry.endpoint}/health`)).status).toBe(200);
    expect((await fetch(`${registry.endpoint}/health`, { method: 'HEAD' })).status).toBe(200);
    registry.child.kill('SIGTERM');
    expect(await registry.exited).toEqual({ code: 0, signal: null });
  });

  it('stops on SIGTERM to the npm process: the request in flight finishes, one "stopped" line, exit 0, no process left', async () => {
    const dir = dataDir();
    const registry = await startNpm(['--port', '0', '--data-dir', dir]);
    running.push(registry);
    const status = await slowRequest(registry.endpoint, async () => {
      registry.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
    });
    // The request reached the ECR boundary and got its answer (400, no signature), not a cut connection.
    expect(status).toBe(400);
    expect(await registry.exited).toEqual({ code: 0, signal: null });
    expect(messages(registry.output(), /stopped/)).toEqual(['serverless-ecr stopped (SIGTERM)']);
    expect(alive(registry.serverPid)).toBe(false);
    expect(existsSync(join(dir, 'registry.lock'))).toBe(false);
  });

  it("stops on SIGINT to the registry's own node process, and npm exits 0 with it", async () => {
    const registry = await startNpm(['--port', '0', '--data-dir', dataDir()]);
    running.push(registry);
    expect(registry.serverPid).not.toBe(registry.child.pid);
    process.kill(registry.serverPid, 'SIGINT');
    expect(await registry.exited).toEqual({ code: 0, signal: null });
    expect(messages(registry.output(), /stopped/)).toEqual(['serverless-ecr stopped (SIGINT)']);
    expect(alive(registry.serverPid)).toBe(false);
  });

  it('refuses a second instance, and feed:import, on a data directory in use, naming the PID that holds it', async () => {
    const dir = dataDir();
    const registry = await startNpm(['--port', '0', '--data-dir', dir]);
    running.push(registry);
    const second = spawnNpm(['--port', '0', '--data-dir', dir]);
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toContain(`is in use by the registry (npm start) (PID ${registry.serverPid})`);
    expect(lines(second.output(), STACK)).toEqual([]);
    const feedDir = dataDir();
    const feed = spawnNpm([feedDir], { REGISTRY_DATA_DIR: dir }, 'feed:import');
    expect((await feed.exited).code).toBe(1);
    expect(feed.output()).toContain(`(PID ${registry.serverPid})`);
    expect(lines(feed.output(), STACK)).toEqual([]);
    // The first one still serves.
    expect((await fetch(`${registry.endpoint}/health`)).status).toBe(200);
    registry.child.kill('SIGTERM');
    expect((await registry.exited).code).toBe(0);
  });

  it('takes over the lock a crashed instance left behind', async () => {
    const dir = dataDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'registry.lock'), JSON.stringify({ pid: Number(dead.stdout), holder: 'the registry (npm start)' }));
    const registry = await startNpm(['--port', '0', '--data-dir', dir]);
    running.push(registry);
    expect((await fetch(`${registry.endpoint}/health`)).status).toBe(200);
    registry.child.kill('SIGTERM');
    expect((await registry.exited).code).toBe(0);
  });

  it('says in one line that the port is taken and exits 1 before starting anything', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dir = dataDir();
    try {
      const started = spawnNpm(['--port', String(port), '--data-dir', dir]);
      expect((await started.exited).code).toBe(1);
      expect(lines(started.output(), new RegExp(`Port ${port} `))).toEqual([
        `Port ${port} on 127.0.0.1 is already in use: stop what listens there, or choose another with --port or PORT.`,
      ]);
      expect(lines(started.output(), STACK)).toEqual([]);
      expect(existsSync(join(dir, 'dynamodb'))).toBe(false);
      expect(existsSync(join(dir, 'registry.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it.each([
    [{ REGISTRY_ACCESS_KEY_ID: 'AKIAOWN0000000000001', REGISTRY_SECRET_ACCESS_KEY: '' }, 'with an empty secret access key: set REGISTRY_SECRET_ACCESS_KEY.'],
    [{ REGISTRY_ACCESS_KEY_ID: '', REGISTRY_SECRET_ACCESS_KEY: '' }, 'with an empty secret access key: set REGISTRY_SECRET_ACCESS_KEY.'],
    [
      { REGISTRY_ACCESS_KEY_ID: 'test', REGISTRY_SECRET_ACCESS_KEY: 'test' },
      'with the default access keys: set REGISTRY_ACCESS_KEY_ID and REGISTRY_SECRET_ACCESS_KEY.',
    ],
  ])('refuses HOST=0.0.0.0 with %j in one line and exits 1 before listening', async (keys, refusal) => {
    const started = spawnNpm(['--port', '0', '--data-dir', dataDir()], { HOST: '0.0.0.0', ...keys });
    const { code } = await started.exited;
    expect(code).toBe(1);
    expect(lines(started.output(), /Refusing to listen/)).toEqual([`serverless-ecr could not start: Refusing to listen on 0.0.0.0 ${refusal}`]);
    expect(lines(started.output(), STACK)).toEqual([]);
    expect(started.output()).not.toMatch(/listening on/);
  });

  it('prints its options for --help and exits 0 without starting', async () => {
    const dir = join(dataDir(), 'never');
    const help = spawnNpm(['--help', '--data-dir', dir]);
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.output()).toMatch(/^Usage: npm start -- \[options\]/m);
    for (const option of ['--port', '--host', '--data-dir', '--help', 'LOG_LEVEL']) expect(help.output()).toContain(option);
    expect(existsSync(dir)).toBe(false);
  });
});
