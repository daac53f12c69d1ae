/**
 * The records the storage interfaces exchange with the domain. Times are epoch milliseconds. Enumerated values
 * are the model's types (shared/model/types.ts).
 */
import type { EncryptionType, ImageTagMutability, ImageTagMutabilityExclusionFilterType } from '../model/types.ts';

export type ExclusionFilter = { filterType: ImageTagMutabilityExclusionFilterType; filter: string };
export type ResourceTag = { Key: string; Value: string };

export type RepositoryRecord = {
  name: string;
  /** Incarnation id: names the partition of this repository's contents. */
  uid: string;
  createdAt: number;
  imageTagMutability: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: ExclusionFilter[];
  scanOnPush: boolean;
  encryptionType: EncryptionType;
  kmsKey?: string;
  tags: ResourceTag[];
  policyText?: string;
  /** The ecrRepositoryPrefix of the pull through cache rule that created the repository (its blobs are never mounted elsewhere). */
  pullThroughCache?: string;
};

export type ImageRecord = {
  digest: string;
  /** The exact manifest bytes as UTF-8 text, when small enough to keep inline. */
  manifest?: string;
  /** S3 key of the manifest when it is kept in S3 instead. */
  manifestObject?: string;
  manifestMediaType: string;
  artifactMediaType?: string;
  sizeInBytes: number;
  pushedAt: number;
  lastPulledAt?: number;
  /** Digest of the manifest's `subject`, for referrers. */
  subject?: string;
  artifactType?: string;
  /** Child manifests, for a manifest list or image index. */
  children?: string[];
  /** Byte length of the manifest itself (the size a descriptor of it carries). */
  manifestSize?: number;
  /** The manifest's own annotations (reported by referrers listings). */
  annotations?: Record<string, string>;
  /** True while the image is in the ARCHIVE storage class: listed as ARCHIVED, not pullable. */
  archived?: boolean;
  /** When the image last moved to the archive, and when it was last restored from it. */
  lastArchivedAt?: number;
  lastActivatedAt?: number;
  /** The principal whose push created the image (`{arn, account}`): managed signing signs with its identity. */
  pushedBy?: { arn: string; account: string };
};

/** A manifest whose `subject` names another: what the referrers API lists. */
export type ReferrerRecord = { digest: string; mediaType: string; size: number; artifactType?: string; annotations?: Record<string, string> };

export type TagRecord = { tag: string; digest: string; updatedAt: number };

/** `touchedAt`: when an upload, mount or PutImage last relied on the link (garbage collection's grace counts from it). */
export type LayerLink = { digest: string; size: number; mediaType?: string; touchedAt?: number };

export type BlobRecord = { digest: string; size: number; object: string; createdAt: number };

export type UploadRecord = {
  uploadId: string;
  /** Next byte expected: the byte count received so far. */
  nextByte: number;
  /** S3 multipart upload id of uploads/<uploadId>/data; empty until the first part is sent. */
  multipartId: string;
  /** Parts sent to S3 so far, in order. */
  parts: { partNumber: number; etag: string }[];
  /** Small ECR parts not yet coalesced into an S3 part: first byte of each pending object. */
  pending: number[];
  pendingBytes: number;
  /** Saved sha256 state (hash-wasm, base64) of the bytes in S3 parts, in uploads begun by earlier versions; empty (UNTRACKED) otherwise: hashed in process (live-hash.ts) or verified at completion. */
  hashState: string;
  createdAt: number;
  expiresAt: number;
  /** S3 key of the whole blob when one request stored all of it as a single object (no multipart). */
  wholeObject?: string;
  /** sha256 of bytes [0, upTo) when one streamed request hashed them itself (OCI uploads). */
  streamDigest?: { upTo: number; digest: string };
};

/** A page of results and the store's cursor to continue from, if any. */
export type Page<T> = { items: T[]; cursor?: Record<string, any> };
