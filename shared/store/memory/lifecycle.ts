/**
 * LifecycleStore in memory: the DynamoDB adapter's policy (with the run lease), preview, chunk and audit items
 * (shared/store/dynamo/lifecycle.ts); the storage class and archive marker belong to the image store (./images.ts).
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
import type { Item, MemoryTable } from './table.ts';

/** Invariant: no unexpired run holds the repository's lease (and the policy exists). */
const NO_RUN_IN_PROGRESS = (old: Item | undefined, now: number) => old !== undefined && (old.run === undefined || old.run.staleAt < now);
/** Invariant: an unexpired run still holds the lease (so it will see the rerun request). */
const RUN_IN_PROGRESS = (old: Item | undefined, now: number) => old?.run !== undefined && old.run.staleAt >= now;
/** Invariant: the lease is still held by the run that is finishing. */
const RUN_IS_CURRENT = (old: Item | undefined, id: string) => old?.run !== undefined && old.run.id === id;
/** Invariant: the preview item is still the one read (which was not an unexpired IN_PROGRESS preview). */
const NO_PREVIEW_IN_PROGRESS = (old: Item | undefined, previous: PreviewRecord | undefined) =>
  previous ? old !== undefined && old.runId === previous.runId : old === undefined;
/** Invariant: the preview being finished is still the repository's current one. */
const PREVIEW_RUN_IS_CURRENT = (old: Item | undefined, runId: string) => old !== undefined && old.runId === runId;
export class MemoryLifecycleStore implements LifecycleStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  async getPolicy(uid: string) {
    const item = this.table.get(lifecyclePolicyKey(uid));
    return item && toPolicy(item);
  }

  async putPolicy(uid: string, repositoryName: string, policyText: string, at: number) {
    const key = lifecyclePolicyKey(uid);
    const old = this.table.get(key);
    const item = {
      ...old,
      ...key,
      ...lifecyclePolicyIndex(this.registryId, repositoryName),
      type: 'lifecycle-policy',
      uid,
      repositoryName,
      policyText,
      updatedAt: at,
      version: (old?.version ?? 0) + 1,
    };
    this.table.put(item);
    return toPolicy(this.table.get(key)!);
  }

  async deletePolicy(uid: string) {
    const old = this.table.delete(lifecyclePolicyKey(uid));
    return old && toPolicy(old);
  }

  async listPolicies(limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryIndex(lifecyclePolicyListPk(this.registryId), { limit, cursor });
    return { items: page.items.map((i) => ({ repositoryName: i.repositoryName as string, uid: i.uid as string })), cursor: page.cursor };
  }

  async claimRun(uid: string, lease: RunLease, now: number): Promise<'started' | 'queued' | 'none'> {
    const key = lifecyclePolicyKey(uid);
    const old = this.table.get(key);
    if (NO_RUN_IN_PROGRESS(old, now)) {
      const { rerunRequested: _, ...rest } = old!;
      this.table.put({ ...rest, run: toLease(lease) });
      return 'started';
    }
    if (!old) return 'none';
    if (RUN_IN_PROGRESS(old, now)) this.table.put({ ...old, rerunRequested: true });
    return 'queued';
  }

  async finishRun(uid: string, outcome: RunOutcome, evaluatedAt?: number) {
    const key = lifecyclePolicyKey(uid);
    const old = this.table.get(key);
    if (!RUN_IS_CURRENT(old, outcome.id)) return { released: false, rerun: false };
    const { run: _run, rerunRequested, ...rest } = old!;
    this.table.put({ ...rest, lastRun: outcome, ...(evaluatedAt !== undefined ? { lastEvaluatedAt: evaluatedAt } : {}) });
    return { released: true, rerun: rerunRequested === true };
  }

  async startPreview(uid: string, preview: PreviewRecord, now: number) {
    const key = lifecyclePreviewKey(uid);
    const old = this.table.get(key);
    const previous = old && toPreview(old);
    if (previous?.status === 'IN_PROGRESS' && previous.expiresAt >= now) return { started: false, previous };
    if (!NO_PREVIEW_IN_PROGRESS(old, previous)) return { started: false, previous };
    const { expiresAt, ...rest } = preview;
    this.table.put({ ...key, type: 'lifecycle-preview', ...rest, staleAt: expiresAt });
    return { started: true, previous };
  }

  async getPreview(uid: string) {
    const item = this.table.get(lifecyclePreviewKey(uid));
    return item && toPreview(item);
  }

  async finishPreview(uid: string, runId: string, result: Pick<PreviewRecord, 'status' | 'finishedAt' | 'chunkCount' | 'resultCount' | 'summary' | 'error'>) {
    const key = lifecyclePreviewKey(uid);
    const old = this.table.get(key);
    if (!PREVIEW_RUN_IS_CURRENT(old, runId)) return false;
    this.table.put({ ...old, ...Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) });
    return true;
  }

  async putChunk<T>(uid: string, kind: ChunkKind, runId: string, index: number, items: T[], expiresAt?: number) {
    this.table.put({
      ...lifecycleChunkKey(uid, kind, runId, index),
      type: 'lifecycle-chunk',
      items,
      ...(expiresAt ? { expiresAt: Math.ceil(expiresAt / 1000) } : {}),
    });
  }

  async getChunk<T>(uid: string, kind: ChunkKind, runId: string, index: number) {
    return this.table.get(lifecycleChunkKey(uid, kind, runId, index))?.items as T[] | undefined;
  }

  async deleteChunks(uid: string, kind: ChunkKind, runId: string, count: number) {
    for (let i = 0; i < count; i++) this.table.delete(lifecycleChunkKey(uid, kind, runId, i));
  }

  async putAudit(uid: string, records: AuditRecord[], retentionMs: number) {
    for (const r of records) {
      this.table.put({
        ...lifecycleAuditKey(uid, r.runStartedAt, r.runId, r.digest),
        type: 'lifecycle-audit',
        ...r,
        expiresAt: Math.ceil((r.at + retentionMs) / 1000),
      });
    }
  }

  async listAudit(uid: string, limit: number, now: number, cursor?: Record<string, any>): Promise<Page<AuditRecord>> {
    const page = this.table.queryPrefix(contentsPk(uid), LIFECYCLE_AUDIT_PREFIX, { limit, cursor });
    // Expired records count towards the page's limit, as they do where the table's TTL has not removed them yet.
    const live = page.items.filter((i) => i.expiresAt * 1000 > now);
    return { items: live.map((i) => pick<AuditRecord>(i, AUDIT_FIELDS)), cursor: page.cursor };
  }
}
