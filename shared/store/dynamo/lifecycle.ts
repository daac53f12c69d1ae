/**
 * LifecycleStore on DynamoDB: the policy item (with the run lease), the preview item, chunk items and audit
 * items, all in the repository's contents partition. The storage class of an image lives on its image item and
 * the archive marker with it: the image store (./images.ts) owns both.
 */
import type { AuditRecord, ChunkKind, LifecycleStore, PreviewRecord, RunLease, RunOutcome } from '../lifecycle.ts';
import type { Page } from '../types.ts';
import {
  contentsPk,
  LIFECYCLE_AUDIT_PREFIX,
  lifecycleAuditKey,
  lifecycleChunkKey,
  lifecyclePolicyIndex,
  lifecyclePolicyKey,
  lifecyclePolicyListPk,
  lifecyclePreviewKey,
} from '../keys.ts';
import { AUDIT_FIELDS, pick, toLease, toPolicy, toPreview } from '../items.ts';
import type { Item, Table } from './table.ts';

/** Invariant: no unexpired run holds the repository's lease (and the policy exists). */
const NO_RUN_IN_PROGRESS = 'attribute_exists(pk) AND (attribute_not_exists(#run) OR #run.staleAt < :now)';
/** Invariant: an unexpired run still holds the lease (so it will see the rerun request). */
const RUN_IN_PROGRESS = 'attribute_exists(#run) AND #run.staleAt >= :now';
/** Invariant: the lease is still held by the run that is finishing. */
const RUN_IS_CURRENT = '#run.id = :id';
/** Invariant: the preview item is still the one read (which was not an unexpired IN_PROGRESS preview). */
const NO_PREVIEW_IN_PROGRESS = { none: 'attribute_not_exists(pk)', read: 'runId = :previous' };
/** Invariant: the preview being finished is still the repository's current one. */
const PREVIEW_RUN_IS_CURRENT = 'runId = :runId';
export class DynamoLifecycleStore implements LifecycleStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  async getPolicy(uid: string) {
    const item = await this.table.get(lifecyclePolicyKey(uid));
    return item && toPolicy(item);
  }

  async putPolicy(uid: string, repositoryName: string, policyText: string, at: number) {
    const index = lifecyclePolicyIndex(this.registryId, repositoryName);
    const r = await this.table.update({
      Key: lifecyclePolicyKey(uid),
      UpdateExpression:
        'SET #type = :type, #uid = :uid, repositoryName = :name, policyText = :text, updatedAt = :at, gsi1pk = :gpk, gsi1sk = :gsk ADD #version :one',
      ExpressionAttributeNames: { '#type': 'type', '#uid': 'uid', '#version': 'version' },
      ExpressionAttributeValues: {
        ':type': 'lifecycle-policy',
        ':uid': uid,
        ':name': repositoryName,
        ':text': policyText,
        ':at': at,
        ':one': 1,
        ':gpk': index.gsi1pk,
        ':gsk': index.gsi1sk,
      },
    });
    return toPolicy((r as { item: Item }).item);
  }

  async deletePolicy(uid: string) {
    const r = await this.table.delete({ Key: lifecyclePolicyKey(uid) });
    return r.old && toPolicy(r.old);
  }

  async listPolicies(limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryIndex(lifecyclePolicyListPk(this.registryId), { limit, cursor });
    return { items: page.items.map((i) => ({ repositoryName: i.repositoryName as string, uid: i.uid as string })), cursor: page.lastKey };
  }

  async claimRun(uid: string, lease: RunLease, now: number): Promise<'started' | 'queued' | 'none'> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const claimed = await this.table.update({
        Key: lifecyclePolicyKey(uid),
        UpdateExpression: 'SET #run = :lease REMOVE rerunRequested',
        ConditionExpression: NO_RUN_IN_PROGRESS,
        ExpressionAttributeNames: { '#run': 'run' },
        ExpressionAttributeValues: { ':lease': toLease(lease), ':now': now },
      });
      if (claimed.ok) return 'started';
      // Without the old item on the failed condition (the embedded DynamoDB omits it), read whether the policy exists.
      if (!(claimed.old ?? (await this.table.get(lifecyclePolicyKey(uid))))) return 'none';
      const queued = await this.table.update({
        Key: lifecyclePolicyKey(uid),
        UpdateExpression: 'SET rerunRequested = :true',
        ConditionExpression: RUN_IN_PROGRESS,
        ExpressionAttributeNames: { '#run': 'run' },
        ExpressionAttributeValues: { ':true': true, ':now': now },
      });
      if (queued.ok) return 'queued';
      // The running run ended between the two writes: try to take the lease again.
    }
    return 'queued';
  }

  async finishRun(uid: string, outcome: RunOutcome, evaluatedAt?: number) {
    const r = await this.table.update({
      Key: lifecyclePolicyKey(uid),
      UpdateExpression: `SET lastRun = :outcome${evaluatedAt !== undefined ? ', lastEvaluatedAt = :evaluated' : ''} REMOVE #run, rerunRequested`,
      ConditionExpression: RUN_IS_CURRENT,
      ExpressionAttributeNames: { '#run': 'run' },
      ExpressionAttributeValues: { ':outcome': outcome, ':id': outcome.id, ...(evaluatedAt !== undefined ? { ':evaluated': evaluatedAt } : {}) },
      ReturnValues: 'ALL_OLD',
    });
    if (!r.ok) return { released: false, rerun: false };
    return { released: true, rerun: r.item?.rerunRequested === true };
  }

  async startPreview(uid: string, preview: PreviewRecord, now: number) {
    const old = await this.table.get(lifecyclePreviewKey(uid));
    const previous = old && toPreview(old);
    if (previous?.status === 'IN_PROGRESS' && previous.expiresAt >= now) return { started: false, previous };
    const { expiresAt, ...rest } = preview;
    const r = await this.table.put({
      Item: { ...lifecyclePreviewKey(uid), type: 'lifecycle-preview', ...rest, staleAt: expiresAt },
      ConditionExpression: previous ? NO_PREVIEW_IN_PROGRESS.read : NO_PREVIEW_IN_PROGRESS.none,
      ExpressionAttributeValues: previous ? { ':previous': previous.runId } : undefined,
    });
    return { started: r.ok, previous };
  }

  async getPreview(uid: string) {
    const item = await this.table.get(lifecyclePreviewKey(uid));
    return item && toPreview(item);
  }

  async finishPreview(uid: string, runId: string, result: Pick<PreviewRecord, 'status' | 'finishedAt' | 'chunkCount' | 'resultCount' | 'summary' | 'error'>) {
    const entries = Object.entries(result).filter(([, v]) => v !== undefined);
    const r = await this.table.update({
      Key: lifecyclePreviewKey(uid),
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: PREVIEW_RUN_IS_CURRENT,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
      ExpressionAttributeValues: { ':runId': runId, ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])) },
      ReturnValues: 'NONE',
    });
    return r.ok;
  }

  async putChunk<T>(uid: string, kind: ChunkKind, runId: string, index: number, items: T[], expiresAt?: number) {
    await this.table.put({
      Item: { ...lifecycleChunkKey(uid, kind, runId, index), type: 'lifecycle-chunk', items, ...(expiresAt ? { expiresAt: Math.ceil(expiresAt / 1000) } : {}) },
    });
  }

  async getChunk<T>(uid: string, kind: ChunkKind, runId: string, index: number) {
    const item = await this.table.get(lifecycleChunkKey(uid, kind, runId, index));
    return item?.items as T[] | undefined;
  }

  async deleteChunks(uid: string, kind: ChunkKind, runId: string, count: number) {
    await this.table.batchDelete(Array.from({ length: count }, (_, i) => lifecycleChunkKey(uid, kind, runId, i)));
  }

  async putAudit(uid: string, records: AuditRecord[], retentionMs: number) {
    await this.table.batchPut(
      records.map((r) => ({
        ...lifecycleAuditKey(uid, r.runStartedAt, r.runId, r.digest),
        type: 'lifecycle-audit',
        ...r,
        expiresAt: Math.ceil((r.at + retentionMs) / 1000),
      })),
    );
  }

  async listAudit(uid: string, limit: number, now: number, cursor?: Record<string, any>): Promise<Page<AuditRecord>> {
    const page = await this.table.queryPrefix(contentsPk(uid), LIFECYCLE_AUDIT_PREFIX, { limit, cursor });
    // The table's TTL removes expired records eventually; until then they are left out here.
    const live = page.items.filter((i) => i.expiresAt * 1000 > now);
    return { items: live.map((i) => pick<AuditRecord>(i, AUDIT_FIELDS)), cursor: page.lastKey };
  }
}
