/**
 * The one-time move of blobs an older version kept in s3rver's directory layout (`<dataDir>/s3/<bucket>/<key
 * path>._S3rver_object`, beside `._S3rver_metadata.json` and `._S3rver_content.md5` files) into the filesystem blob
 * store. Each object is moved by one rename (same filesystem: no copy, no window where it is missing from both),
 * so an interrupted migration resumes where it stopped on the next start. Object keys are unchanged, so every
 * blob and manifest record in the table still names its object. Once every object has moved, `<dataDir>/s3` (left
 * with s3rver's metadata and its unfinished multipart uploads, which cannot resume) is removed.
 */
import { chmod, readdir, rename, rm, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FsBlobStore } from '../../shared/store/fs/fs-blob-store.ts';
import { logger } from '../../shared/observe/logger.ts';

const OBJECT_SUFFIX = '._S3rver_object';

/** Moves every object of `bucket` under `s3Dir` into `blobs`; returns how many moved (0 when there was nothing to do). */
export async function migrateS3rverData(s3Dir: string, bucket: string, blobs: FsBlobStore): Promise<number> {
  const bucketDir = join(s3Dir, bucket);
  if (!(await stat(bucketDir).catch(() => undefined))?.isDirectory()) return 0;
  let moved = 0;
  const walk = async (dir: string, keyPrefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        // s3rver's unfinished multipart uploads: their upload records cannot resume on another store.
        if (entry.name === '._S3rver_uploads') continue;
        await walk(join(dir, entry.name), `${keyPrefix}${entry.name}/`);
      } else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) {
        const target = blobs.fileOf(`${keyPrefix}${entry.name.slice(0, -OBJECT_SUFFIX.length)}`);
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        await rename(join(dir, entry.name), target);
        await chmod(target, 0o600);
        moved++;
      }
    }
  };
  await walk(bucketDir, '');
  await rm(s3Dir, { recursive: true, force: true });
  logger.info({ moved, from: s3Dir }, `moved ${moved} blobs from the embedded S3 server's directory (s3rver) into the blob store`);
  return moved;
}
