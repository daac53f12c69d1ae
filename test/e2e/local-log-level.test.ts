/**
 * LOG_LEVEL given to an in-process registry (`startLocalRegistry({ env })`, as the tests and embedders start one)
 * sets the process's logger, as LOG_LEVEL in the environment does at start-up; an unknown value is info.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalRegistry } from '../../infra/local/registry.ts';
import { logger } from '../../shared/observe/logger.ts';

const dirs: string[] = [];
const initial = logger.level;
afterEach(() => {
  logger.level = initial;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function levelAfterStart(env: NodeJS.ProcessEnv): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'secr-log-level-'));
  dirs.push(dataDir);
  const registry = await startLocalRegistry({ dataDir, port: 0, hostname: '127.0.0.1', env });
  await registry.stop();
  return logger.level;
}

describe('LOG_LEVEL of an in-process registry', () => {
  it('sets the level of the process logger', async () => {
    expect(await levelAfterStart({ LOG_LEVEL: 'silent' })).toBe('silent');
    expect(await levelAfterStart({ LOG_LEVEL: 'ERROR' })).toBe('error');
  });

  it('falls back to info for a value it does not know, and leaves the level alone without one', async () => {
    expect(await levelAfterStart({ LOG_LEVEL: 'loud' })).toBe('info');
    logger.level = 'warn';
    expect(await levelAfterStart({})).toBe('warn');
  });
});
