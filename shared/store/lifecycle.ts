/**
 * The narrow storage interfaces of lifecycle policies and archived images. The DynamoDB adapter is
 * shared/store/dynamo/lifecycle.ts; every item lives in the repository's contents partition, so deleting a
 * repository removes its policy, previews, plans and audit records with it.
 * Invariants are single-item conditional writes: NO_RUN_IN_PROGRESS, RUN_IS_CURRENT, NO_PREVIEW_IN_PROGRESS,
 * PREVIEW_RUN_IS_CURRENT, STORAGE_CLASS_UNCHANGED_SINCE_READ.
 */
import type { Page } from './types.ts';

/** A lifecycle run holding the repository's run lease. */
export type RunLease = { id: string; trigger: string; startedAt: number; expiresAt: number };

/** How the last finished run ended. */
export type RunOutcome = {
  id: string;
  trigger: string;
  status: 'SUCCEEDED' | 'FAILED';
  startedAt: number;
  finishedAt: number;
  expired: number;
  transitioned: number;
  skipped: number;
  error?: string;
};

export type LifecyclePolicyRecord = {
  repositoryName: string;
  policyText: string;
  /** Grows with every PutLifecyclePolicy: a run planned under an older version stops applying. */
  version: number;
  updatedAt: number;
  lastEvaluatedAt?: number;
  run?: RunLease;
  /** A trigger arrived while a run held the lease: run again when it ends. */
  rerunRequested?: boolean;
  lastRun?: RunOutcome;
};

export type PreviewStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
export type PreviewSummary = { expiring: number; transitioning: number; hasTransitionRule: boolean };

export type PreviewRecord = {
  runId: string;
  status: PreviewStatus;
  policyText: string;
  startedAt: number;
  /** After this time an IN_PROGRESS preview is considered lost (its process died) and may be replaced. */
  expiresAt: number;
  finishedAt?: number;
  chunkCount?: number;
  resultCount?: number;
  summary?: PreviewSummary;
  error?: string;
};

/** What a chunk holds: the results of a preview, or the planned actions of an apply run. */
export type ChunkKind = 'preview' | 'plan';

/** One image a lifecycle run acted on. */
export type AuditRecord = {
  at: number;
  runStartedAt: number;
  runId: string;
  digest: string;
  tags: string[];
  action: 'EXPIRE' | 'TRANSITION';
  rulePriority: number;
  trigger: string;
};

/** What evaluation needs of an image: no manifest. Times are epoch milliseconds. */
export type ImageSummary = {
  digest: string;
  pushedAt: number;
  lastPulledAt?: number;
  children?: string[];
  archived: boolean;
  lastArchivedAt?: number;
  lastActivatedAt?: number;
  /** The subject of a referrer (a signature, an SBOM). */
  subject?: string;
};

export interface LifecycleStore {
  /** The repository's lifecycle policy, if it has one. */
  getPolicy(uid: string): Promise<LifecyclePolicyRecord | undefined>;
  /** Sets the policy text (a new version), keeping the run state; returns the stored record. */
  putPolicy(uid: string, repositoryName: string, policyText: string, at: number): Promise<LifecyclePolicyRecord>;
  /** Removes the policy; the removed record, or undefined when there was none. */
  deletePolicy(uid: string): Promise<LifecyclePolicyRecord | undefined>;
  /** Repositories that have a policy, in name order, a page at a time. */
  listPolicies(limit: number, cursor?: Record<string, any>): Promise<Page<{ repositoryName: string; uid: string }>>;
  /**
   * Takes the repository's run lease for `lease` unless another unexpired run holds it (NO_RUN_IN_PROGRESS);
   * then it records that a run is wanted again. 'none' when the repository has no policy.
   */
  claimRun(uid: string, lease: RunLease, now: number): Promise<'started' | 'queued' | 'none'>;
  /**
   * Releases the lease held by `outcome.id` (RUN_IS_CURRENT) and records the outcome and, when given, the
   * evaluation time. Returns whether a run was requested meanwhile; false when the lease was not held.
   */
  finishRun(uid: string, outcome: RunOutcome, evaluatedAt?: number): Promise<{ released: boolean; rerun: boolean }>;
  /** Starts a preview unless an unexpired one is IN_PROGRESS (NO_PREVIEW_IN_PROGRESS); returns the replaced one. */
  startPreview(uid: string, preview: PreviewRecord, now: number): Promise<{ started: boolean; previous?: PreviewRecord }>;
  /** The repository's latest preview, if any. */
  getPreview(uid: string): Promise<PreviewRecord | undefined>;
  /** Ends the preview of `runId` if it is still the current one (PREVIEW_RUN_IS_CURRENT). */
  finishPreview(
    uid: string,
    runId: string,
    result: Pick<PreviewRecord, 'status' | 'finishedAt' | 'chunkCount' | 'resultCount' | 'summary' | 'error'>,
  ): Promise<boolean>;
  /** Stores the `index`th chunk of a run's items (at most a few hundred small items). */
  putChunk<T>(uid: string, kind: ChunkKind, runId: string, index: number, items: T[], expiresAt?: number): Promise<void>;
  /** A stored chunk, or undefined when it is gone. */
  getChunk<T>(uid: string, kind: ChunkKind, runId: string, index: number): Promise<T[] | undefined>;
  /** Deletes chunks 0..count-1 of a run. */
  deleteChunks(uid: string, kind: ChunkKind, runId: string, count: number): Promise<void>;
  /** Records images a run acted on (idempotent per run and image); kept for `retentionMs`. */
  putAudit(uid: string, records: AuditRecord[], retentionMs: number): Promise<void>;
  /** Audit records, oldest first, a page at a time (expired ones left out). */
  listAudit(uid: string, limit: number, now: number, cursor?: Record<string, any>): Promise<Page<AuditRecord>>;
}

export interface ImageStateStore {
  /** The repository's images without their manifests, in digest order, a page at a time. */
  imageSummaries(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ImageSummary>>;
  /**
   * Moves an existing image to the archive (or back) if it is still in the class the caller read
   * (STORAGE_CLASS_UNCHANGED_SINCE_READ); false otherwise.
   */
  setStorageClass(uid: string, digest: string, archive: boolean, at: number): Promise<boolean>;
  /** Whether the repository ever held an archived image (lets listings skip status checks when not). */
  hasArchived(uid: string): Promise<boolean>;
}
