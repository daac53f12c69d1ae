/**
 * A feed's storage layout in the blob store: per-ecosystem shards (advisories grouped by package name,
 * FEED_BUCKETS shards per ecosystem and release) and one manifest listing them. Shards are written once
 * and never changed, so a scan that read the active feed pointer sees one consistent feed throughout.
 */
import type { BlobStore } from '../../store/blobs.ts';
import { feedManifestObject, feedShardObject } from '../../store/keys.ts';
import type { AdvisorySource } from '../match.ts';
import { bucketOf, type Advisory } from './osv.ts';

export const FEED_BUCKETS = 32;

export type FeedManifest = { feedId: string; importedAt: number; advisories: number; ecosystems: Record<string, { advisories: number; buckets: number[] }> };
export type Shard = Record<string, Advisory[]>;

/** Advisories of one imported feed, read shard by shard from the blob store and kept for the reader's life. */
export class FeedReader implements AdvisorySource {
  private manifest?: Promise<FeedManifest>;
  private readonly shards = new Map<string, Promise<Shard>>();
  constructor(
    private readonly blobs: BlobStore,
    readonly feedId: string,
  ) {}

  /** The feed's manifest. */
  getManifest(): Promise<FeedManifest> {
    this.manifest ??= this.blobs.getBytes(feedManifestObject(this.feedId)).then((b) => JSON.parse(b.toString('utf8')));
    return this.manifest;
  }

  async advisoriesFor(ecosystem: string, names: string[]): Promise<Map<string, Advisory[]>> {
    const manifest = await this.getManifest();
    const present = new Set(manifest.ecosystems[ecosystem]?.buckets ?? []);
    const wanted = [...new Set(names.map((n) => bucketOf(n, FEED_BUCKETS)))].filter((b) => present.has(b));
    const shards = await Promise.all(wanted.map((b) => this.shard(ecosystem, b)));
    const out = new Map<string, Advisory[]>();
    const byName = new Set(names);
    for (const shard of shards) for (const [name, advisories] of Object.entries(shard)) if (byName.has(name)) out.set(name, advisories);
    return out;
  }

  private shard(ecosystem: string, bucket: number): Promise<Shard> {
    const key = feedShardObject(this.feedId, ecosystem, bucket);
    let shard = this.shards.get(key);
    if (!shard) {
      shard = this.blobs.getBytes(key).then((b) => JSON.parse(b.toString('utf8')));
      this.shards.set(key, shard);
    }
    return shard;
  }
}

/** Every blob key of a feed (its shards and manifest), for deleting a retired feed. */
export async function feedObjects(blobs: BlobStore, feedId: string): Promise<string[]> {
  const manifest = await new FeedReader(blobs, feedId).getManifest();
  const shards = Object.entries(manifest.ecosystems).flatMap(([ecosystem, e]) => e.buckets.map((b) => feedShardObject(feedId, ecosystem, b)));
  return [...shards, feedManifestObject(feedId)];
}
