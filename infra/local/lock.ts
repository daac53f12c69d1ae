/**
 * The data directory's lock: one process at a time owns `<dataDir>/registry.lock` (the registry, or
 * `npm run feed:import`), because dynalite's LevelDB and the blob store's files cannot be shared between processes.
 * The file holds the owner's PID; a lock whose PID is no longer alive (a crash, kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'registry.lock';

export type Lock = { file: string; release(): void };

/** Thrown when a live process holds the lock; `pid` is that process. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    super(`The data directory ${dataDir} is in use by ${holder} (PID ${pid}); stop it first (its lock is ${join(dataDir, LOCK_FILE)}).`);
    this.name = 'DataDirLockedError';
  }
}

/** Takes the lock of `dataDir` for this process as `holder`; throws DataDirLockedError when a live process has it. */
export function lockDataDir(dataDir: string, holder: string): Lock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(file);
      if (owner && isAlive(owner.pid)) throw new DataDirLockedError(dataDir, owner.pid, owner.holder);
      // The owner died without releasing it: take it over.
      try {
        unlinkSync(file);
      } catch {
        /* another process took it over first; the next open says so */
      }
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, holder, startedAt: new Date().toISOString() }) + '\n');
    closeSync(fd);
    return {
      file,
      release() {
        // Only our own lock: a process that took over after us keeps its lock.
        if (readOwner(file)?.pid === process.pid)
          try {
            unlinkSync(file);
          } catch {
            /* already gone */
          }
      },
    };
  }
  throw new Error(`Could not take the lock ${file}: another process keeps taking it.`);
}

function readOwner(file: string): { pid: number; holder: string } | undefined {
  try {
    const { pid, holder } = JSON.parse(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? { pid, holder: String(holder ?? 'another process') } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
