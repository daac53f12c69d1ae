/**
 * Where a feed's OSV exports come from, with one layout: `<Ecosystem>/all.zip` (or `<name>.zip`) under
 * either a directory (SCAN_FEED_DIR, the local registry) or a key prefix of the registry's bucket
 * (SCAN_FEED_S3_PREFIX, filled with `aws s3 cp`; a Lambda keeps no directory). Reading a zip needs random
 * access, so each S3 export is streamed to a temporary file under os.tmpdir() and deleted once imported.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../../store/blobs.ts';
import type { Config } from '../../config.ts';

/** A feed location, read by the import job. */
export interface FeedSource {
  /** Names the location in messages. */
  readonly description: string;
  /** Identifies the location's current content without reading it: an equal fingerprint means nothing changed. */
  fingerprint(): Promise<string>;
  /** How many exports the location holds, as of the last fingerprint. */
  count(): number;
  /** True when an empty location must not replace the active feed (an S3 prefix nobody has filled yet). */
  readonly keepFeedWhenEmpty: boolean;
  /** Calls `read` with a local path of each export in turn; a temporary copy is deleted once `read` settles. */
  eachFile(read: (file: string) => Promise<void>): Promise<void>;
}

/** The zip files of a feed directory, in name order. */
export function feedFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const inner of readdirSync(path).sort()) if (inner.endsWith('.zip')) files.push(join(path, inner));
    } else if (name.endsWith('.zip')) {
      files.push(path);
    }
  }
  return files;
}

/** Names the temporary directories an S3 feed import copies its exports into. */
export const FEED_TEMP_PREFIX = 'secr-feed-import-';

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** A feed directory; its fingerprint is each zip's path, size and modification time. */
export function directoryFeed(dir: string): FeedSource {
  let files: string[] = [];
  return {
    description: dir,
    keepFeedWhenEmpty: false,
    async fingerprint() {
      files = feedFiles(dir);
      return sha256(
        files.map((f) => {
          const s = statSync(f);
          return [f, s.size, s.mtimeMs];
        }),
      );
    },
    count: () => files.length,
    async eachFile(read) {
      for (const file of files) await read(file);
    },
  };
}

/** The keys of an S3 prefix laid out like a feed directory (`<Ecosystem>/all.zip` or `<name>.zip`), in key order. */
export function feedKeys(prefix: string, keys: string[]): string[] {
  return keys.filter((key) => {
    if (!key.startsWith(prefix) || !key.endsWith('.zip')) return false;
    return key.slice(prefix.length).split('/').length <= 2;
  });
}

/** A key prefix of the blob store; its fingerprint is each export's key, size and ETag (no byte is read). */
export function s3Feed(blobs: BlobStore, prefix: string): FeedSource {
  let exports: { key: string; size: number; etag: string }[] = [];
  return {
    description: `s3 prefix ${prefix}`,
    keepFeedWhenEmpty: true,
    async fingerprint() {
      const listed = await blobs.list(prefix);
      const keys = new Set(
        feedKeys(
          prefix,
          listed.map((o) => o.key),
        ),
      );
      exports = listed.filter((o) => keys.has(o.key));
      return sha256(['s3', ...exports.map((o) => [o.key, o.size, o.etag])]);
    },
    count: () => exports.length,
    async eachFile(read) {
      // One export on disk at a time: ephemeral storage needs to hold the largest, not their sum.
      const dir = mkdtempSync(join(tmpdir(), FEED_TEMP_PREFIX));
      try {
        for (const o of exports) {
          const file = join(dir, 'all.zip');
          await pipeline(await blobs.getStream(o.key), createWriteStream(file));
          try {
            await read(file);
          } finally {
            rmSync(file, { force: true });
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The feed location the configuration names (SCAN_FEED_DIR first, else SCAN_FEED_S3_PREFIX), or undefined. */
export function feedSourceOf(config: Pick<Config, 'scanFeedDir' | 'scanFeedS3Prefix'>, blobs: BlobStore): FeedSource | undefined {
  if (config.scanFeedDir) return directoryFeed(config.scanFeedDir);
  if (config.scanFeedS3Prefix) return s3Feed(blobs, config.scanFeedS3Prefix);
  return undefined;
}
