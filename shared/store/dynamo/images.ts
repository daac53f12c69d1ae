/** ImageStore on DynamoDB: image items, tag items (the one source of truth for tag -> digest, indexed
 * back to their image through GSI1) and index-reference items, all in the repository's partition. */
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
import { SUMMARY_ATTRIBUTES, toImage, toImageSummary, toTag } from '../items.ts';
import { archiveMarkerKey } from '../keys.ts';
import type { ImageStateStore, ImageSummary } from '../lifecycle.ts';
import type { Table } from './table.ts';

/** Invariant: the image is not stored yet. */
const IMAGE_IS_NEW = 'attribute_not_exists(pk)';
/** Invariant: the image still exists. */
const IMAGE_EXISTS = 'attribute_exists(pk)';
/** Invariant: the tag still points where the caller saw it point. */
const TAG_UNCHANGED_SINCE_READ = 'digest = :expected';
/** Invariant: the tag does not exist yet. */
const TAG_IS_NEW = 'attribute_not_exists(pk)';
/** The upper bound of every tag sort key (tags are ASCII). */
const TAG_END = `${TAG_PREFIX}\uffff`;

/** Invariant: the image exists and is still in the storage class the caller read. */
const STORAGE_CLASS_UNCHANGED_SINCE_READ = {
  toArchive: 'attribute_exists(pk) AND (attribute_not_exists(archived) OR archived = :false)',
  toStandard: 'attribute_exists(pk) AND archived = :true',
};

/** Also the ImageStateStore: the storage class and lifecycle view of an image live on its image item, which only this store writes. */
export class DynamoImageStore implements ImageStore, ImageStateStore {
  constructor(private readonly table: Table) {}

  async get(uid: string, digest: string) {
    const item = await this.table.get(imageKey(uid, digest));
    return item && toImage(item);
  }

  async create(uid: string, image: ImageRecord) {
    // References first: a child is protected before its parent becomes visible.
    await this.table.batchPut((image.children ?? []).map((child) => ({ ...referenceKey(uid, child, image.digest), type: 'reference' })));
    if (image.subject) {
      const referrer: ReferrerRecord = {
        digest: image.digest,
        mediaType: image.manifestMediaType,
        size: image.manifestSize ?? 0,
        artifactType: image.artifactType,
        annotations: image.annotations,
      };
      await this.table.put({ Item: { ...referrerKey(uid, image.subject, image.digest), type: 'referrer', ...referrer } });
    }
    const r = await this.table.put({ Item: { ...imageKey(uid, image.digest), type: 'image', ...image }, ConditionExpression: IMAGE_IS_NEW });
    return r.ok;
  }

  async recordPull(uid: string, digest: string, at: number) {
    await this.table.update({
      Key: imageKey(uid, digest),
      UpdateExpression: 'SET lastPulledAt = :at',
      ConditionExpression: IMAGE_EXISTS,
      ExpressionAttributeValues: { ':at': at },
      ReturnValues: 'NONE',
    });
  }

  async delete(uid: string, image: ImageRecord) {
    await this.table.delete({ Key: imageKey(uid, image.digest) });
    await this.table.batchDelete([
      ...(image.children ?? []).map((child) => referenceKey(uid, child, image.digest)),
      ...(image.subject ? [referrerKey(uid, image.subject, image.digest)] : []),
    ]);
  }

  async list(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ImageRecord>> {
    const page = await this.table.queryPrefix(contentsPk(uid), IMAGE_PREFIX, { limit, cursor });
    return { items: page.items.map((i) => ({ ...toImage(i), digest: i.digest ?? digestOfImageSk(i.sk) })), cursor: page.lastKey };
  }

  async getTag(uid: string, tag: string) {
    const item = await this.table.get(tagKey(uid, tag));
    return item && toTag(item);
  }

  async moveTag(uid: string, tag: string, digest: string, expected: string | null, at: number) {
    const r = await this.table.put({
      Item: { ...tagKey(uid, tag), ...tagIndex(uid, digest, tag), type: 'tag', digest, updatedAt: at },
      ConditionExpression: expected === null ? TAG_IS_NEW : TAG_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: expected === null ? undefined : { ':expected': expected },
    });
    return r.ok;
  }

  async setTag(uid: string, tag: string, digest: string, at: number) {
    const r = await this.table.put({
      Item: { ...tagKey(uid, tag), ...tagIndex(uid, digest, tag), type: 'tag', digest, updatedAt: at },
      ReturnValues: 'ALL_OLD',
    });
    return r.old?.digest as string | undefined;
  }

  async deleteTag(uid: string, tag: string, digest: string) {
    const r = await this.table.delete({
      Key: tagKey(uid, tag),
      ConditionExpression: TAG_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: { ':expected': digest },
    });
    return r.ok;
  }

  async listTags(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<TagRecord>> {
    const page = await this.table.queryPrefix(contentsPk(uid), TAG_PREFIX, { limit, cursor });
    return { items: page.items.map(toTag), cursor: page.lastKey };
  }

  async tagsAfter(uid: string, after: string | undefined, limit: number) {
    // DynamoDB orders sort keys by their UTF-8 bytes and refuses a BETWEEN whose bounds are reversed: a start at or
    // above the last tag sort key there can be means there is nothing after it.
    const start = after === undefined ? undefined : `${tagKey(uid, after).sk}\u0000`;
    if (start !== undefined && Buffer.compare(Buffer.from(start), Buffer.from(TAG_END)) > 0) return [];
    const page = await this.table.query({
      KeyConditionExpression: after === undefined ? 'pk = :p AND begins_with(sk, :prefix)' : 'pk = :p AND sk BETWEEN :after AND :end',
      ExpressionAttributeValues:
        after === undefined ? { ':p': contentsPk(uid), ':prefix': TAG_PREFIX } : { ':p': contentsPk(uid), ':after': start, ':end': TAG_END },
      Limit: limit,
      ConsistentRead: true,
    });
    return page.items.map(toTag);
  }

  async referrers(uid: string, subject: string): Promise<ReferrerRecord[]> {
    const found: ReferrerRecord[] = [];
    for await (const i of this.table.queryPrefixAll(contentsPk(uid), referrerPrefix(subject))) {
      found.push({
        digest: i.digest,
        mediaType: i.mediaType,
        size: i.size,
        ...(i.artifactType ? { artifactType: i.artifactType } : {}),
        ...(i.annotations ? { annotations: i.annotations } : {}),
      });
    }
    return found;
  }

  async tagsOf(uid: string, digest: string) {
    const tags: string[] = [];
    for await (const item of this.table.queryIndexAll(imageTagsPk(uid, digest))) {
      tags.push(item.gsi1sk);
    }
    return tags;
  }

  async parentsOf(uid: string, child: string) {
    const prefix = referencePrefix(child);
    const parents: string[] = [];
    for await (const item of this.table.queryPrefixAll(contentsPk(uid), prefix)) {
      parents.push(item.sk.slice(prefix.length));
    }
    return parents;
  }

  async imageSummaries(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ImageSummary>> {
    const page = await this.table.queryPrefix(contentsPk(uid), IMAGE_PREFIX, {
      limit,
      cursor,
      attributes: SUMMARY_ATTRIBUTES,
    });
    return {
      items: page.items.map(toImageSummary),
      cursor: page.lastKey,
    };
  }

  async setStorageClass(uid: string, digest: string, archive: boolean, at: number) {
    if (archive) await this.table.put({ Item: { ...archiveMarkerKey(uid), type: 'archive-marker', since: at } });
    const r = await this.table.update({
      Key: imageKey(uid, digest),
      UpdateExpression: archive ? 'SET archived = :true, lastArchivedAt = :at' : 'REMOVE archived SET lastActivatedAt = :at',
      ConditionExpression: archive ? STORAGE_CLASS_UNCHANGED_SINCE_READ.toArchive : STORAGE_CLASS_UNCHANGED_SINCE_READ.toStandard,
      ExpressionAttributeValues: archive ? { ':true': true, ':false': false, ':at': at } : { ':true': true, ':at': at },
      ReturnValues: 'NONE',
    });
    return r.ok;
  }

  async hasArchived(uid: string) {
    return (await this.table.get(archiveMarkerKey(uid))) !== undefined;
  }
}
