/** ImageStore in memory: the DynamoDB adapter's image, tag, index-reference and referrer items (shared/store/dynamo/images.ts). */
import type { ImageStore } from '../metadata.ts';
import type { ImageRecord, Page, ReferrerRecord, TagRecord } from '../types.ts';
import {
  contentsPk,
  digestOfImageSk,
  IMAGE_PREFIX,
  imageKey,
  imageTagsPk,
  referenceKey,
  referencePrefix,
  referrerKey,
  referrerPrefix,
  TAG_PREFIX,
  tagIndex,
  tagKey,
} from '../keys.ts';
import { toImage, toImageSummary, toTag } from '../items.ts';
import { archiveMarkerKey } from '../keys.ts';
import type { ImageStateStore, ImageSummary } from '../lifecycle.ts';
import { step, type Item, type MemoryTable } from './table.ts';

/** Invariant: the image is not stored yet. */
const IMAGE_IS_NEW = (old: Item | undefined) => old === undefined;
/** Invariant: the image still exists. */
const IMAGE_EXISTS = (old: Item | undefined) => old !== undefined;
/** Invariant: the tag still points where the caller saw it point. */
const TAG_UNCHANGED_SINCE_READ = (old: Item | undefined, expected: string) => old !== undefined && old.digest === expected;
/** Invariant: the tag does not exist yet. */
const TAG_IS_NEW = (old: Item | undefined) => old === undefined;

/** Invariant: the image exists and is still in the storage class the caller read. */
const STORAGE_CLASS_UNCHANGED_SINCE_READ = (old: Item | undefined, archive: boolean) =>
  old !== undefined && (archive ? old.archived !== true : old.archived === true);

/** Also the ImageStateStore: the storage class and lifecycle view of an image live on its image item, which only this store writes. */
export class MemoryImageStore implements ImageStore, ImageStateStore {
  constructor(private readonly table: MemoryTable) {}

  async get(uid: string, digest: string) {
    const item = this.table.get(imageKey(uid, digest));
    return item && toImage(item);
  }

  async create(uid: string, image: ImageRecord) {
    // References first: a child is protected before its parent becomes visible.
    for (const child of image.children ?? []) this.table.put({ ...referenceKey(uid, child, image.digest), type: 'reference' });
    if (image.children?.length) await step();
    if (image.subject) {
      const referrer: ReferrerRecord = {
        digest: image.digest,
        mediaType: image.manifestMediaType,
        size: image.manifestSize ?? 0,
        artifactType: image.artifactType,
        annotations: image.annotations,
      };
      this.table.put({ ...referrerKey(uid, image.subject, image.digest), type: 'referrer', ...referrer });
      await step();
    }
    const key = imageKey(uid, image.digest);
    if (!IMAGE_IS_NEW(this.table.get(key))) return false;
    this.table.put({ ...key, type: 'image', ...image });
    return true;
  }

  async recordPull(uid: string, digest: string, at: number) {
    const old = this.table.get(imageKey(uid, digest));
    if (IMAGE_EXISTS(old)) this.table.put({ ...old, lastPulledAt: at });
  }

  async delete(uid: string, image: ImageRecord) {
    this.table.delete(imageKey(uid, image.digest));
    await step();
    for (const child of image.children ?? []) this.table.delete(referenceKey(uid, child, image.digest));
    if (image.subject) this.table.delete(referrerKey(uid, image.subject, image.digest));
  }

  async list(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ImageRecord>> {
    const page = this.table.queryPrefix(contentsPk(uid), IMAGE_PREFIX, { limit, cursor });
    return { items: page.items.map((i) => ({ ...toImage(i), digest: i.digest ?? digestOfImageSk(i.sk) })), cursor: page.cursor };
  }

  async getTag(uid: string, tag: string) {
    const item = this.table.get(tagKey(uid, tag));
    return item && toTag(item);
  }

  async moveTag(uid: string, tag: string, digest: string, expected: string | null, at: number) {
    const key = tagKey(uid, tag);
    const old = this.table.get(key);
    if (!(expected === null ? TAG_IS_NEW(old) : TAG_UNCHANGED_SINCE_READ(old, expected))) return false;
    this.table.put({ ...key, ...tagIndex(uid, digest, tag), type: 'tag', digest, updatedAt: at });
    return true;
  }

  async setTag(uid: string, tag: string, digest: string, at: number) {
    const old = this.table.put({ ...tagKey(uid, tag), ...tagIndex(uid, digest, tag), type: 'tag', digest, updatedAt: at });
    return old?.digest as string | undefined;
  }

  async deleteTag(uid: string, tag: string, digest: string) {
    const key = tagKey(uid, tag);
    if (!TAG_UNCHANGED_SINCE_READ(this.table.get(key), digest)) return false;
    this.table.delete(key);
    return true;
  }

  async listTags(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<TagRecord>> {
    const page = this.table.queryPrefix(contentsPk(uid), TAG_PREFIX, { limit, cursor });
    return { items: page.items.map(toTag), cursor: page.cursor };
  }

  async tagsAfter(uid: string, after: string | undefined, limit: number) {
    const page = this.table.queryPrefix(contentsPk(uid), TAG_PREFIX, { limit, after: after === undefined ? undefined : tagKey(uid, after).sk });
    return page.items.map(toTag);
  }

  async referrers(uid: string, subject: string): Promise<ReferrerRecord[]> {
    return this.table.queryPrefix(contentsPk(uid), referrerPrefix(subject)).items.map((i) => ({
      digest: i.digest,
      mediaType: i.mediaType,
      size: i.size,
      ...(i.artifactType ? { artifactType: i.artifactType } : {}),
      ...(i.annotations ? { annotations: i.annotations } : {}),
    }));
  }

  async tagsOf(uid: string, digest: string) {
    return this.table.queryIndex(imageTagsPk(uid, digest)).items.map((i) => i.gsi1sk as string);
  }

  async parentsOf(uid: string, child: string) {
    const prefix = referencePrefix(child);
    return this.table.queryPrefix(contentsPk(uid), prefix).items.map((i) => i.sk.slice(prefix.length) as string);
  }

  async imageSummaries(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ImageSummary>> {
    const page = this.table.queryPrefix(contentsPk(uid), IMAGE_PREFIX, { limit, cursor });
    return {
      items: page.items.map(toImageSummary),
      cursor: page.cursor,
    };
  }

  async setStorageClass(uid: string, digest: string, archive: boolean, at: number) {
    // The marker first, as the DynamoDB adapter writes it: it may say "ever held" of a move that was refused.
    if (archive) {
      this.table.put({ ...archiveMarkerKey(uid), type: 'archive-marker', since: at });
      await step();
    }
    const key = imageKey(uid, digest);
    const old = this.table.get(key);
    if (!STORAGE_CLASS_UNCHANGED_SINCE_READ(old, archive)) return false;
    if (archive) this.table.put({ ...old, archived: true, lastArchivedAt: at });
    else {
      const { archived: _, ...rest } = old!;
      this.table.put({ ...rest, lastActivatedAt: at });
    }
    return true;
  }

  async hasArchived(uid: string) {
    return this.table.get(archiveMarkerKey(uid)) !== undefined;
  }
}
