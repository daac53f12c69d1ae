/**
 * The feed import job: reads the OSV exports dropped in the feed location (`<Ecosystem>/all.zip` or
 * `<name>.zip` under a directory or an S3 prefix, see source.ts), streams every record out of each zip,
 * writes a new feed's shards, then makes it the active feed with one conditional write. The feed that was active before the previous one is then
 * deleted (the previous stays, for scans still reading it). An unchanged feed location is not re-imported.
 */
import { randomBytes } from 'node:crypto';
import yauzl from 'yauzl';
import type { BlobStore } from '../../store/blobs.ts';
import type { ScanStore } from '../../store/scans.ts';
import { feedManifestObject, feedShardObject } from '../../store/keys.ts';
import { mapLimit } from '../../util/map-limit.ts';
import { advisoriesOf, bucketOf } from './osv.ts';
import { FEED_BUCKETS, feedObjects, type FeedManifest, type Shard } from './shards.ts';
import { directoryFeed, type FeedSource } from './source.ts';

export type FeedDeps = { blobs: BlobStore; scans: ScanStore; now: () => Date };
export type ImportResult = { imported: boolean; feedId: string; importedAt: number; advisories: number; ecosystems: Record<string, number>; reason?: string };

export { feedFiles } from './source.ts';

/** Imports the feed location (a directory, or any FeedSource); `force` re-imports an unchanged one. */
export async function importFeed(deps: FeedDeps, location: string | FeedSource, options: { force?: boolean } = {}): Promise<ImportResult> {
  const source = typeof location === 'string' ? directoryFeed(location) : location;
  const fingerprint = await source.fingerprint();
  const active = await deps.scans.activeFeed();
  if (active && active.fingerprint === fingerprint && !options.force) {
    return {
      imported: false,
      feedId: active.feedId,
      importedAt: active.importedAt,
      advisories: active.advisories,
      ecosystems: {},
      reason: 'the feed location has not changed since the last import',
    };
  }
  if (source.keepFeedWhenEmpty && source.count() === 0) {
    const reason = `the feed location (${source.description}) holds no OSV export (<Ecosystem>/all.zip)`;
    return { imported: false, feedId: active?.feedId ?? '', importedAt: active?.importedAt ?? 0, advisories: active?.advisories ?? 0, ecosystems: {}, reason };
  }
  const importedAt = deps.now().getTime();
  const feedId = `${String(importedAt).padStart(15, '0')}-${randomBytes(4).toString('hex')}`;
  const shards = new Map<string, { ecosystem: string; bucket: number; shard: Shard }>();
  const counts: Record<string, number> = {};
  let advisories = 0;
  await source.eachFile((file) =>
    eachJsonEntry(file, (record) => {
      for (const { ecosystem, name, advisory } of advisoriesOf(record)) {
        const bucket = bucketOf(name, FEED_BUCKETS);
        const key = `${ecosystem}\u0000${bucket}`;
        let entry = shards.get(key);
        if (!entry) {
          entry = { ecosystem, bucket, shard: {} };
          shards.set(key, entry);
        }
        (entry.shard[name] ??= []).push(advisory);
        counts[ecosystem] = (counts[ecosystem] ?? 0) + 1;
        advisories++;
      }
    }),
  );
  const manifest: FeedManifest = { feedId, importedAt, advisories, ecosystems: {} };
  for (const { ecosystem, bucket } of shards.values()) {
    const e = (manifest.ecosystems[ecosystem] ??= { advisories: counts[ecosystem], buckets: [] });
    e.buckets.push(bucket);
  }
  await mapLimit([...shards.values()], 8, ({ ecosystem, bucket, shard }) =>
    deps.blobs.put(feedShardObject(feedId, ecosystem, bucket), Buffer.from(JSON.stringify(shard))),
  );
  await deps.blobs.put(feedManifestObject(feedId), Buffer.from(JSON.stringify(manifest)));

  // Swap the pointer; a concurrent import that swapped first and is newer wins.
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await deps.scans.activeFeed();
    if (current && current.importedAt > importedAt) {
      await deps.blobs.delete(await feedObjects(deps.blobs, feedId));
      return {
        imported: false,
        feedId: current.feedId,
        importedAt: current.importedAt,
        advisories: current.advisories,
        ecosystems: {},
        reason: 'a newer import finished first',
      };
    }
    const next = { feedId, importedAt, fingerprint, advisories, ...(current ? { previousFeedId: current.feedId } : {}) };
    if (await deps.scans.swapFeed(next, current?.feedId)) {
      if (current?.previousFeedId) await deps.blobs.delete(await feedObjects(deps.blobs, current.previousFeedId).catch(() => []));
      return { imported: true, feedId, importedAt, advisories, ecosystems: counts };
    }
  }
  throw new Error('the active feed kept changing during the import');
}

/** Streams each `.json` entry of a zip file, parsed, to `onRecord` (one entry in memory at a time). */
function eachJsonEntry(file: string, onRecord: (record: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${file}`));
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('.json')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error(`cannot read ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            try {
              onRecord(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch {
              // A malformed record is skipped; the rest of the feed still imports.
            }
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
