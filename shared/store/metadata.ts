/**
 * The narrow metadata interfaces the domain uses. The DynamoDB adapters in shared/store/dynamo/ implement
 * them, and the in-memory stores in shared/store/memory/; test/store/contract/ is the contract every implementation
 * passes (run by test/store/memory.test.ts and test/store/dynamo-s3.test.ts).
 * Every invariant is a single-item conditional write (no transactions: the embedded DynamoDB has none).
 */
import type { BlobRecord, ImageRecord, LayerLink, Page, ReferrerRecord, RepositoryRecord, TagRecord, UploadRecord } from './types.ts';

export interface RepositoryStore {
  /** Creates the repository; false when one of that name exists (invariant REPOSITORY_NAME_IS_FREE). */
  create(repo: RepositoryRecord): Promise<boolean>;
  /** The repository of that name, if any. */
  get(name: string): Promise<RepositoryRecord | undefined>;
  /** Repositories in name order, a page at a time. */
  list(limit: number, cursor?: Record<string, any>): Promise<Page<RepositoryRecord>>;
  /** Up to `limit` repository names that sort after `after` (all from the first when undefined). */
  namesAfter(after: string | undefined, limit: number): Promise<string[]>;
  /** Replaces the given settings of an existing repository of this incarnation; undefined when it is gone. */
  update(
    name: string,
    uid: string,
    changes: Partial<Omit<RepositoryRecord, 'name' | 'uid' | 'createdAt'>>,
    remove?: (keyof RepositoryRecord)[],
  ): Promise<RepositoryRecord | undefined>;
  /** Deletes the repository item (its contents partition is removed with deleteContents). */
  delete(name: string, uid: string): Promise<boolean>;
  /** Removes every item of a repository's contents partition. */
  deleteContents(uid: string): Promise<void>;
}

export interface ImageStore {
  /** The image with that digest, if the repository holds it. */
  get(uid: string, digest: string): Promise<ImageRecord | undefined>;
  /** Creates the image; false when it already exists (invariant IMAGE_IS_NEW). */
  create(uid: string, image: ImageRecord): Promise<boolean>;
  /** Records a pull time on an existing image. */
  recordPull(uid: string, digest: string, at: number): Promise<void>;
  /** Deletes the image item and the references it makes to its children. */
  delete(uid: string, image: ImageRecord): Promise<void>;
  /** Images in digest order, a page at a time. */
  list(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ImageRecord>>;
  /** What a tag points at, if it exists. */
  getTag(uid: string, tag: string): Promise<TagRecord | undefined>;
  /** Points a tag at a digest if it still points at `expected` (null: if it does not exist yet). Invariant TAG_UNCHANGED_SINCE_READ. */
  moveTag(uid: string, tag: string, digest: string, expected: string | null, at: number): Promise<boolean>;
  /** Points a tag at a digest whatever it pointed at (last writer wins); returns the digest it pointed at before, if any. */
  setTag(uid: string, tag: string, digest: string, at: number): Promise<string | undefined>;
  /** Removes a tag if it still points at `digest`. */
  deleteTag(uid: string, tag: string, digest: string): Promise<boolean>;
  /** Tags in tag order, a page at a time. */
  listTags(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<TagRecord>>;
  /** Up to `limit` tags that sort after `after` (from the first when undefined), in tag order. */
  tagsAfter(uid: string, after: string | undefined, limit: number): Promise<TagRecord[]>;
  /** Manifests whose subject is `subject` (stored with the image, removed with it). */
  referrers(uid: string, subject: string): Promise<ReferrerRecord[]>;
  /** Every tag pointing at a digest. */
  tagsOf(uid: string, digest: string): Promise<string[]>;
  /** Digests of the manifest lists / indexes that name `child`. */
  parentsOf(uid: string, child: string): Promise<string[]>;
}

export interface LayerStore {
  /** The repository's links to these blobs (those it may serve), by digest. */
  links(uid: string, digests: string[]): Promise<Map<string, LayerLink>>;
  /** Removes a blob's link from the repository (the blob itself stays for other repositories). */
  unlink(uid: string, digest: string): Promise<boolean>;
  /** Links a blob into the repository; false when it was linked already (invariant LINK_IS_NEW). */
  link(uid: string, link: LayerLink): Promise<boolean>;
  /** The stored blob with that digest, if any (a blob being garbage collected is none). */
  getBlob(digest: string): Promise<BlobRecord | undefined>;
  /** The stored blob with that digest if the repository links it (one read of both items), else undefined. */
  linkedBlob(uid: string, digest: string): Promise<BlobRecord | undefined>;
  /**
   * Records a stored blob, referenced by repository `uid` when given; false (and the existing record) when that digest
   * is stored already (BLOB_IS_NEW_OR_BEING_COLLECTED: a record being garbage collected is replaced).
   */
  putBlob(blob: BlobRecord, uid?: string): Promise<{ created: boolean; existing?: BlobRecord }>;
  /**
   * Adds repository `uid` to the blob's referrers and touches it, before the repository links it; false when the blob
   * is not stored or is being garbage collected (BLOB_IS_LIVE): the caller must store it again.
   */
  referenceBlob(digest: string, uid: string, at: number): Promise<boolean>;
  /** Touches the repository's links to these blobs (garbage collection backs off) and returns those that exist (LINK_EXISTS). */
  touchLinks(uid: string, digests: string[], at: number): Promise<Map<string, LayerLink>>;
  /** Starts tracking an upload. */
  createUpload(uid: string, upload: UploadRecord): Promise<void>;
  /** An upload that has not expired, if any. */
  getUpload(uid: string, uploadId: string, now: number): Promise<UploadRecord | undefined>;
  /** Saves the upload's progress if it is still at `expectedNextByte` (invariant UPLOAD_AT_EXPECTED_BYTE). */
  advanceUpload(uid: string, upload: UploadRecord, expectedNextByte: number): Promise<boolean>;
  /** Ends an upload. */
  deleteUpload(uid: string, uploadId: string): Promise<void>;
}
