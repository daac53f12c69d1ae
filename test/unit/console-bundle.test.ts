/**
 * The web console's committed bundle (console/dist, what `npm start` serves with no build step) is exactly what a
 * fresh build of console/src gives, and stays under 200 KB gzipped.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST, readConsole } from '../../infra/local/console.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const fresh = mkdtempSync(join(tmpdir(), 'secr-console-build-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

/** Every file under `dir`, by its path relative to it, with its bytes. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path).toString('base64');
    }
  };
  walk(dir);
  return out;
}

describe('the web console bundle', () => {
  it('is what a fresh build of console/src gives, byte for byte (run `npm run build:console` after changing the console)', async () => {
    // As `npm run build:console` runs it: vitest's NODE_ENV=test would make a development build.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !k.startsWith('VITE')));
    await run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', join(root, 'console'), '--outDir', fresh, '--emptyOutDir'], {
      cwd: root,
      env,
    });
    expect(Object.keys(files(fresh)).sort()).toEqual(Object.keys(files(CONSOLE_DIST)).sort());
    expect(files(fresh)).toEqual(files(CONSOLE_DIST));
  }, 120_000);

  it('weighs under 200 KB gzipped, page, scripts and styles together', () => {
    const console = readConsole()!;
    const gzipped = [Buffer.from(console.index), ...[...console.assets.values()].map((a) => Buffer.from(a.base64, 'base64'))].reduce(
      (n, bytes) => n + gzipSync(bytes, { level: 9 }).length,
      0,
    );
    expect(console.assets.size).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(200_000);
  });
});
