/**
 * How records map to and from the table's items, for every adapter that keeps the key schema's item layout (the
 * DynamoDB adapters and the in-memory ones): one definition, so the two cannot drift apart.
 */
import { digestOfImageSk, tagOfSk, type Key } from './keys.ts';
import type { ImageSummary, LifecyclePolicyRecord, PreviewRecord, RunLease } from './lifecycle.ts';
import type {
  BackfillRecord,
  BackfillResult,
  CreateBackfillResult,
  PullTimeExclusion,
  ReplicationConfiguration,
  ReplicationStatusRecord,
  SigningConfiguration,
  SigningStatusRecord,
} from './registry.ts';
import type { PullThroughRuleRecord } from './pull-through.ts';
import type { CreationTemplateRecord } from './templates.ts';
import type { FeedPointer, ScanRecord } from './scans.ts';
import type { BlobRecord, ImageRecord, LayerLink, RepositoryRecord, TagRecord, UploadRecord } from './types.ts';

/** A table item: generic key attributes plus the record's own. */
export type Item = Record<string, any>;

export const POLICY_FIELDS = ['repositoryName', 'policyText', 'version', 'updatedAt', 'lastEvaluatedAt', 'run', 'rerunRequested', 'lastRun'] as const;
export const PREVIEW_FIELDS = ['runId', 'status', 'policyText', 'startedAt', 'staleAt', 'finishedAt', 'chunkCount', 'resultCount', 'summary', 'error'] as const;
export const AUDIT_FIELDS = ['at', 'runStartedAt', 'runId', 'digest', 'tags', 'action', 'rulePriority', 'trigger'] as const;
/** The attributes of an image item that its summary needs (no manifest). */
export const SUMMARY_ATTRIBUTES = ['sk', 'pushedAt', 'lastPulledAt', 'children', 'archived', 'lastArchivedAt', 'lastActivatedAt', 'subject'];

/** The given attributes of an item that are set. */
export const pick = <T>(item: Item, fields: readonly string[]) => Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as T;

/** A preview item as its record (`staleAt` is kept apart from the TTL attribute `expiresAt`). */
export const toPreview = (item: Item): PreviewRecord => {
  const { staleAt, ...rest } = pick<PreviewRecord & { staleAt: number }>(item, PREVIEW_FIELDS);
  return { ...rest, expiresAt: staleAt };
};

/** A run lease as the policy item keeps it. */
export const toLease = (lease: RunLease) => ({ id: lease.id, trigger: lease.trigger, startedAt: lease.startedAt, staleAt: lease.expiresAt });

/** A lifecycle policy item as its record. */
export const toPolicy = (item: Item): LifecyclePolicyRecord => {
  const record = pick<LifecyclePolicyRecord>(item, POLICY_FIELDS);
  if (item.run) record.run = { id: item.run.id, trigger: item.run.trigger, startedAt: item.run.startedAt, expiresAt: item.run.staleAt };
  return record;
};

/** An image item as the summary lifecycle evaluation reads. */
export const toImageSummary = (i: Item): ImageSummary => ({
  digest: digestOfImageSk(i.sk),
  pushedAt: i.pushedAt,
  archived: i.archived === true,
  ...(i.lastPulledAt !== undefined ? { lastPulledAt: i.lastPulledAt } : {}),
  ...(i.children ? { children: i.children } : {}),
  ...(i.lastArchivedAt !== undefined ? { lastArchivedAt: i.lastArchivedAt } : {}),
  ...(i.lastActivatedAt !== undefined ? { lastActivatedAt: i.lastActivatedAt } : {}),
  ...(i.subject !== undefined ? { subject: i.subject } : {}),
});

/** An image item as its record. */
const IMAGE_FIELDS = [
  'digest',
  'manifest',
  'manifestObject',
  'manifestMediaType',
  'artifactMediaType',
  'sizeInBytes',
  'pushedAt',
  'lastPulledAt',
  'subject',
  'artifactType',
  'children',
  'manifestSize',
  'annotations',
  'archived',
  'lastArchivedAt',
  'lastActivatedAt',
  'pushedBy',
] as const;
export const toImage = (item: Item): ImageRecord =>
  Object.fromEntries(IMAGE_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as ImageRecord;
export const toTag = (item: Item): TagRecord => ({ tag: tagOfSk(item.sk), digest: item.digest, updatedAt: item.updatedAt });

/** Layer links, blobs and uploads as their records. */
export const toLink = (i: Item): LayerLink => ({
  digest: i.digest,
  size: i.size,
  ...(i.mediaType ? { mediaType: i.mediaType } : {}),
  ...(i.touchedAt !== undefined ? { touchedAt: i.touchedAt } : {}),
});
export const toBlob = (i: Item): BlobRecord => ({ digest: i.digest, size: i.size, object: i.object, createdAt: i.createdAt });
const UPLOAD_FIELDS = [
  'uploadId',
  'nextByte',
  'multipartId',
  'parts',
  'pending',
  'pendingBytes',
  'hashState',
  'createdAt',
  'expiresAt',
  'streamDigest',
  'wholeObject',
] as const;
export const toUpload = (i: Item) => Object.fromEntries(UPLOAD_FIELDS.map((f) => [f, i[f]])) as UploadRecord;

/** A scan item as its record. */
const SCAN_FIELDS = [
  'digest',
  'scanId',
  'status',
  'description',
  'scanType',
  'startedAt',
  'completedAt',
  'feedId',
  'feedImportedAt',
  'findingSeverityCounts',
  'findingCount',
  'findingsObject',
  'inventories',
  'quotaReturned',
] as const;
export const toScan = (item: Item): ScanRecord => Object.fromEntries(SCAN_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as ScanRecord;

/** A repository item as its record. */
const REPOSITORY_FIELDS = [
  'name',
  'uid',
  'createdAt',
  'imageTagMutability',
  'imageTagMutabilityExclusionFilters',
  'scanOnPush',
  'encryptionType',
  'kmsKey',
  'tags',
  'policyText',
  'pullThroughCache',
] as const;
export const toRepository = (item: Item): RepositoryRecord =>
  Object.fromEntries(REPOSITORY_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as RepositoryRecord;

/** The active feed item as its pointer. */
export const toFeedPointer = (item: Item): FeedPointer => ({
  feedId: item.feedId,
  importedAt: item.importedAt,
  fingerprint: item.fingerprint,
  advisories: item.advisories,
  ...(item.previousFeedId ? { previousFeedId: item.previousFeedId } : {}),
});

/** The exclusions of the pull-time exclusion list item, ordered by principal ARN. */
export function exclusionsOf(item: Item | undefined): PullTimeExclusion[] {
  const map = (item?.exclusions ?? {}) as Record<string, number>;
  return Object.entries(map)
    .map(([principalArn, createdAt]) => ({ principalArn, createdAt: Number(createdAt) }))
    .sort((a, b) => (a.principalArn < b.principalArn ? -1 : a.principalArn > b.principalArn ? 1 : 0));
}

const TEMPLATE_FIELDS = [
  'prefix',
  'description',
  'encryptionConfiguration',
  'resourceTags',
  'imageTagMutability',
  'imageTagMutabilityExclusionFilters',
  'repositoryPolicy',
  'lifecyclePolicy',
  'appliedFor',
  'customRoleArn',
  'createdAt',
  'updatedAt',
  'version',
] as const;
/** A creation template item as its record. */
export const toCreationTemplate = (item: Item): CreationTemplateRecord =>
  Object.fromEntries(TEMPLATE_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as CreationTemplateRecord;

const RULE_FIELDS = [
  'ecrRepositoryPrefix',
  'upstreamRegistryUrl',
  'upstreamRegistry',
  'credentialArn',
  'customRoleArn',
  'upstreamRepositoryPrefix',
  'createdAt',
  'updatedAt',
  'version',
] as const;
/** A pull through cache rule item as its record. */
export const toPullThroughRule = (item: Item): PullThroughRuleRecord =>
  Object.fromEntries(RULE_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as PullThroughRuleRecord;

/** The replication configuration item (its rules kept as the JSON text put). */
export function replicationConfigurationItem(key: Key, configuration: ReplicationConfiguration): Item {
  return { ...key, type: 'replicationConfiguration', configuration: JSON.stringify(configuration) };
}

/** The replication configuration of its item, if any. */
export function replicationConfigurationOf(item: Item | undefined): ReplicationConfiguration | undefined {
  return typeof item?.configuration === 'string' ? (JSON.parse(item.configuration) as ReplicationConfiguration) : undefined;
}

/** An image's replication status item for one destination. */
export function replicationStatusItem(key: Key, status: ReplicationStatusRecord): Item {
  return { ...key, type: 'replicationStatus', ...status };
}

/** The replication status of its item. */
export function replicationStatusOf(item: Item): ReplicationStatusRecord {
  return {
    region: item.region,
    registryId: item.registryId,
    status: item.status,
    ...(item.failureCode !== undefined ? { failureCode: item.failureCode } : {}),
    updatedAt: Number(item.updatedAt),
  };
}

/** The signing configuration item (its rules kept as the JSON text put). */
export function signingConfigurationItem(key: Key, configuration: SigningConfiguration): Item {
  return { ...key, type: 'signingConfiguration', configuration: JSON.stringify(configuration) };
}

/** The signing configuration of its item, if any. */
export function signingConfigurationOf(item: Item | undefined): SigningConfiguration | undefined {
  return typeof item?.configuration === 'string' ? (JSON.parse(item.configuration) as SigningConfiguration) : undefined;
}

/** An image's signing status item for one profile. */
export function signingStatusItem(key: Key, status: SigningStatusRecord): Item {
  return { ...key, type: 'signingStatus', ...status };
}

const SIGNING_STATUS_FIELDS = ['signingProfileArn', 'status', 'failureCode', 'failureReason', 'signatureDigest', 'jobId', 'updatedAt'] as const;
/** The signing status of its item. */
export function signingStatusOf(item: Item): SigningStatusRecord {
  const record = pick<SigningStatusRecord>(item, SIGNING_STATUS_FIELDS);
  return { ...record, updatedAt: Number(item.updatedAt) };
}

/** Whether a signing job may claim an image's status for a profile (SIGNING_NOT_CLAIMED): none yet, FAILED, or IN_PROGRESS gone stale. */
export function signingClaimable(current: SigningStatusRecord | undefined, staleBefore: number): boolean {
  if (!current) return true;
  if (current.status === 'FAILED') return true;
  return current.status === 'IN_PROGRESS' && current.updatedAt < staleBefore;
}

/** The backfills of the registry's backfills item, newest first. */
export function backfillsOf(item: Item | undefined): BackfillRecord[] {
  const map = (item?.backfills ?? {}) as Record<string, BackfillRecord>;
  return Object.values(map).sort((a, b) => b.startedAt - a.startedAt || (a.backfillId < b.backfillId ? -1 : 1));
}

const ENDED = new Set(['COMPLETE', 'FAILED', 'STOPPED']);

/** The backfills with `backfill` added, or why it may not be: the one rule both adapters apply to the list they read. */
export function withBackfill(
  list: Record<string, BackfillRecord>,
  backfill: BackfillRecord,
  limit: number,
  keepMs: number,
): { outcome: CreateBackfillResult; list: Record<string, BackfillRecord> } {
  const kept = Object.fromEntries(Object.entries(list).filter(([, b]) => !(b.endedAt !== undefined && backfill.startedAt - b.endedAt > keepMs)));
  const running = Object.values(kept).filter((b) => !ENDED.has(b.status));
  if (running.some((b) => b.destination.region === backfill.destination.region)) return { outcome: 'in-progress', list };
  if (running.length >= limit) return { outcome: 'limit', list };
  return { outcome: 'created', list: { ...kept, [backfill.backfillId]: backfill } };
}

/** A backfill result item. */
export function backfillResultItem(key: Key, result: BackfillResult, expiresAt: number): Item {
  return { ...key, type: 'backfillResult', ...result, expiresAt };
}

/** The result of its item. */
export function backfillResultOf(item: Item): BackfillResult {
  return {
    repositoryName: item.repositoryName,
    imageDigest: item.imageDigest,
    ...(item.imageTag !== undefined ? { imageTag: item.imageTag } : {}),
    status: item.status,
    ...(item.failureCode !== undefined ? { failureCode: item.failureCode } : {}),
  };
}
