/** Runs `npm run package` into a directory of its own and reads what it produced: the template and the function zips. */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

export type Template = {
  Resources: Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;
  Outputs?: Record<string, any>;
  Conditions?: Record<string, any>;
};
export type Packaged = { dir: string; template: Template; zips: string[]; output: string };

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * One packaging at a time on the machine: serverless and its plugins keep state outside the output folder, and two
 * packagings at once (two test files, or two checkouts) have been seen to lose each other's zips. A directory is the
 * lock (mkdir is atomic); one older than five minutes is a crashed holder's and is taken over.
 */
async function packagingLock(): Promise<() => void> {
  const lock = join(tmpdir(), 'secr-packaging.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - statSync(lock).mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** `npm run package` with throwaway credentials and no network needs; params as `name=value`. */
export async function runPackage(params: string[] = []): Promise<Packaged> {
  const release = await packagingLock();
  try {
    return await packageOnce(params);
  } finally {
    release();
  }
}

async function packageOnce(params: string[]): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), 'secr-package-'));
  const args = ['run', 'package', '--', '--package', dir, ...params.map((p) => `--param=${p}`)];
  const { stdout, stderr } = await promisify(execFile)('npm', args, {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      ESBUILD_WORK_FOLDER: `.esbuild-${process.pid}`,
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  return {
    dir,
    template,
    zips: readdirSync(dir)
      .filter((f) => f.endsWith('.zip'))
      .map((f) => join(dir, f)),
    output: stdout + stderr,
  };
}

/** Extracts a zip into `dest`; returns the paths of the files, relative to `dest`. */
export async function unzip(zip: string, dest: string): Promise<string[]> {
  const files: string[] = [];
  const archive = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(zip, { lazyEntries: true });
  await new Promise<void>((resolve, reject) => {
    archive.on('error', reject);
    archive.on('end', resolve);
    archive.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) return archive.readEntry();
      const target = join(dest, entry.fileName);
      if (!target.startsWith(dest)) return reject(new Error(`unsafe path in zip: ${entry.fileName}`));
      mkdirSync(dirname(target), { recursive: true });
      archive.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        pipeline(stream, createWriteStream(target)).then(() => {
          files.push(entry.fileName);
          archive.readEntry();
        }, reject);
      });
    });
    archive.readEntry();
  });
  return files;
}

/** A fresh directory for extracted bundles. */
export const extractDir = () => mkdtempSync(join(tmpdir(), 'secr-bundle-'));
