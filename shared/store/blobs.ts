/**
 * The narrow blob storage interface: S3 in AWS (shared/store/s3/s3-blob-store.ts), the filesystem of the one
 * machine locally (shared/store/fs/fs-blob-store.ts); both pass one contract suite (test/store/contract/blobs.ts).
 * Each adapter enforces S3's multipart rules itself (5 MiB minimum non-final part, 10,000 parts), so code that
 * passes locally passes in AWS.
 */
import type { Readable } from 'node:stream';

export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/** A multipart rule of S3 broken by the caller: a bug in the domain, never the client's input. */
export class MultipartRuleError extends Error {
  override readonly name = 'MultipartRuleError';
}

/** Whom a download URL is for: the blob and repository it is bound to, and the host the client reached the registry by. */
export type DownloadTarget = { repositoryName: string; digest: string; host: string };

export interface BlobStore {
  /** Stores a whole object. */
  put(key: string, body: Buffer | Readable, length?: number): Promise<void>;
  /** Reads a whole object into memory (for small objects: manifests, pending parts). */
  getBytes(key: string): Promise<Buffer>;
  /** Streams an object, or a byte range of it (inclusive end). */
  getStream(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  /** Size of an object, or undefined when it does not exist. */
  size(key: string): Promise<number | undefined>;
  /** Deletes objects; missing ones are ignored. */
  delete(keys: string[]): Promise<void>;
  /** Starts a multipart upload and returns its id. */
  startMultipart(key: string): Promise<string>;
  /** Uploads one part; `final` is true for the last part, the only one allowed under 5 MiB. Returns its ETag. */
  uploadPart(key: string, multipartId: string, partNumber: number, body: Buffer, final: boolean): Promise<string>;
  /** Completes a multipart upload from its parts in order. */
  completeMultipart(key: string, multipartId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  /** Abandons a multipart upload (best effort: the bucket's lifecycle rule aborts what is left). */
  abortMultipart(key: string, multipartId: string): Promise<void>;
  /** The objects whose keys start with `prefix`, in key order, with their size and ETag (for the feed location). */
  list(prefix: string): Promise<{ key: string; size: number; etag: string }[]>;
  /**
   * A short-lived GET URL for exactly this object: presigned S3 in AWS; locally a URL on the registry's own host
   * (`target.host`) that the registry signs and serves itself (shared/store/fs/signed-urls.ts).
   */
  presignGet(key: string, expiresInSeconds: number, target?: DownloadTarget): Promise<string>;
}
