/**
 * The narrow storage interface of the registry-wide settings the registry group serves: the registry policy and the
 * pull-time update exclusions, the replication and signing configurations and the images' replication and signing statuses. The DynamoDB
 * adapter is shared/store/dynamo/registry.ts, the in-memory one shared/store/memory/registry.ts; every invariant is one conditional write. `withReadCache` keeps what the
 * authorizer and the pulls read on every call from costing a read each time.
 */
import { TimedReads } from './read-cache.ts';

/** A principal whose pulls leave an image's lastRecordedPullTime as it was. `createdAt` is epoch milliseconds. */
export type PullTimeExclusion = { principalArn: string; createdAt: number };

/** The registry's replication rules, as PutReplicationConfiguration stored them. */
export type ReplicationConfiguration = {
  rules: { destinations: { region: string; registryId: string }[]; repositoryFilters?: { filter: string; filterType: string }[] }[];
};

/** Where an image's copy to one destination stands; `updatedAt` is epoch milliseconds. */
export type ReplicationStatusRecord = {
  region: string;
  registryId: string;
  status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  failureCode?: string;
  updatedAt: number;
};

/** The registry's signing rules, as PutSigningConfiguration stored them. */
export type SigningConfiguration = {
  rules: { signingProfileArn: string; repositoryFilters?: { filter: string; filterType: string }[] }[];
};

/**
 * Where an image's signature by one signing profile stands; `updatedAt` is epoch milliseconds. `jobId` names the
 * signing job that claimed it (only that job may finish it); `signatureDigest` is the signature's manifest once COMPLETE.
 */
export type SigningStatusRecord = {
  signingProfileArn: string;
  status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  failureCode?: string;
  failureReason?: string;
  signatureDigest?: string;
  jobId: string;
  updatedAt: number;
};

/** A replication backfill: its destination, status and counts. Times are epoch milliseconds. */
export type BackfillRecord = {
  backfillId: string;
  destination: { region: string; registryId: string };
  status: 'PREPARING' | 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'STOPPING' | 'STOPPED';
  failureCode?: string;
  total: number;
  completed: number;
  failed: number;
  failureCodes: string[];
  startedAt: number;
  endedAt?: number;
};

/** One image a backfill tried, and how it went. */
export type BackfillResult = { repositoryName: string; imageDigest: string; imageTag?: string; status: 'COMPLETE' | 'FAILED'; failureCode?: string };

/** What starting a backfill did: created, or refused (one is running for that region, or `limit` are running). */
export type CreateBackfillResult = 'created' | 'in-progress' | 'limit';

/** What adding an exclusion did: added, or refused because it is there already or the list is full. */
export type AddExclusionResult = 'added' | 'exists' | 'limit';

export interface RegistryStore {
  /** The registry policy's text exactly as put, if any. */
  getPolicy(): Promise<string | undefined>;
  /** Replaces the registry policy. */
  putPolicy(text: string): Promise<void>;
  /** Removes the registry policy; the text it had, or undefined when there was none. */
  deletePolicy(): Promise<string | undefined>;
  /** Every exclusion, ordered by principal ARN. */
  exclusions(): Promise<PullTimeExclusion[]>;
  /** Adds an exclusion unless its principal is listed (EXCLUSION_IS_NEW) or `limit` are listed already (EXCLUSIONS_BELOW_LIMIT). */
  addExclusion(exclusion: PullTimeExclusion, limit: number): Promise<AddExclusionResult>;
  /** Removes the exclusion of a principal; false when it was not listed. */
  removeExclusion(principalArn: string): Promise<boolean>;
  /** The replication configuration, if one was put. */
  getReplicationConfiguration(): Promise<ReplicationConfiguration | undefined>;
  /** Replaces the replication configuration. */
  putReplicationConfiguration(configuration: ReplicationConfiguration): Promise<void>;
  /** Records where the copy of image `digest` of repository `uid` to one destination stands (replacing what was recorded for that destination). */
  putReplicationStatus(uid: string, digest: string, status: ReplicationStatusRecord): Promise<void>;
  /** Every destination's status for an image, ordered by region then registry id. */
  replicationStatuses(uid: string, digest: string): Promise<ReplicationStatusRecord[]>;
  /** The signing configuration, if one was put. */
  getSigningConfiguration(): Promise<SigningConfiguration | undefined>;
  /** Replaces the signing configuration. */
  putSigningConfiguration(configuration: SigningConfiguration): Promise<void>;
  /** Removes the signing configuration; what it was, or undefined when there was none. */
  deleteSigningConfiguration(): Promise<SigningConfiguration | undefined>;
  /**
   * Records IN_PROGRESS for a signing job unless the image's status for that profile is COMPLETE, or IN_PROGRESS
   * updated at or after `staleBefore` (SIGNING_NOT_CLAIMED): false when another job holds it or it is signed already.
   */
  claimSigning(uid: string, digest: string, status: SigningStatusRecord, staleBefore: number): Promise<boolean>;
  /** Records how a signing job ended, only while that job (`status.jobId`) holds the status (SIGNING_CLAIMED_BY_JOB); false otherwise. */
  finishSigning(uid: string, digest: string, status: SigningStatusRecord): Promise<boolean>;
  /** Every profile's signing status for an image, ordered by profile ARN. */
  signingStatuses(uid: string, digest: string): Promise<SigningStatusRecord[]>;
  /**
   * Adds a backfill unless one not ended is running for the same destination region (BACKFILL_REGION_IS_FREE) or
   * `limit` have not ended (BACKFILLS_BELOW_LIMIT); backfills ended more than `keepMs` before it started are dropped.
   */
  createBackfill(backfill: BackfillRecord, limit: number, keepMs: number): Promise<CreateBackfillResult>;
  /** Every backfill kept, newest first. */
  backfills(): Promise<BackfillRecord[]>;
  /** Applies `edit` to the backfill as it is now (BACKFILLS_UNCHANGED_SINCE_READ); the edited record, undefined when there is no such backfill. `edit` returning undefined changes nothing. */
  changeBackfill(backfillId: string, edit: (backfill: BackfillRecord) => BackfillRecord | undefined): Promise<BackfillRecord | undefined>;
  /** Records the results of images a backfill tried (kept until `expiresAt`, epoch seconds). */
  putBackfillResults(backfillId: string, results: BackfillResult[], expiresAt: number): Promise<void>;
  /** A page of a backfill's results, those of `status` only when given, ordered by status, repository and digest. */
  backfillResults(
    backfillId: string,
    status: string | undefined,
    limit: number,
    cursor?: Record<string, any>,
  ): Promise<{ items: BackfillResult[]; cursor?: Record<string, any> }>;
}

/** How long a process may answer from what it read of the registry policy and the exclusions: the delay before another Lambda sees a change. */
export const REGISTRY_READ_CACHE_MS = 5000;

/**
 * A RegistryStore whose reads are answered from what it read less than `ttlMs` ago; its own writes drop what it
 * holds, so a process sees its own changes at once (the local host's one set of deps), and other processes (the other
 * Lambdas) within `ttlMs`.
 */
export function withReadCache(store: RegistryStore, ttlMs: number, now: () => number = Date.now): RegistryStore {
  // One cache per kind of read; any write of this process drops them all (they are few and small).
  const policy = new TimedReads<string | undefined>(ttlMs, now);
  const exclusions = new TimedReads<PullTimeExclusion[]>(ttlMs, now);
  const replication = new TimedReads<ReplicationConfiguration | undefined>(ttlMs, now);
  const signing = new TimedReads<SigningConfiguration | undefined>(ttlMs, now);
  const after = async <T>(write: Promise<T>) => {
    try {
      return await write;
    } finally {
      for (const reads of [policy, exclusions, replication, signing]) reads.forget();
    }
  };
  return {
    getPolicy: () => policy.read('', () => store.getPolicy()),
    putPolicy: (text) => after(store.putPolicy(text)),
    deletePolicy: () => after(store.deletePolicy()),
    exclusions: () => exclusions.read('', () => store.exclusions()).then((list) => list.map((e) => ({ ...e }))),
    addExclusion: (exclusion, limit) => after(store.addExclusion(exclusion, limit)),
    removeExclusion: (principalArn) => after(store.removeExclusion(principalArn)),
    getReplicationConfiguration: () =>
      replication.read('', () => store.getReplicationConfiguration()).then((c) => (c === undefined ? undefined : structuredClone(c))),
    putReplicationConfiguration: (configuration) => after(store.putReplicationConfiguration(configuration)),
    putReplicationStatus: (uid, digest, status) => store.putReplicationStatus(uid, digest, status),
    replicationStatuses: (uid, digest) => store.replicationStatuses(uid, digest),
    getSigningConfiguration: () => signing.read('', () => store.getSigningConfiguration()).then((c) => (c === undefined ? undefined : structuredClone(c))),
    putSigningConfiguration: (configuration) => after(store.putSigningConfiguration(configuration)),
    deleteSigningConfiguration: () => after(store.deleteSigningConfiguration()),
    claimSigning: (uid, digest, status, staleBefore) => store.claimSigning(uid, digest, status, staleBefore),
    finishSigning: (uid, digest, status) => store.finishSigning(uid, digest, status),
    signingStatuses: (uid, digest) => store.signingStatuses(uid, digest),
    createBackfill: (backfill, limit, keepMs) => store.createBackfill(backfill, limit, keepMs),
    backfills: () => store.backfills(),
    changeBackfill: (backfillId, edit) => store.changeBackfill(backfillId, edit),
    putBackfillResults: (backfillId, results, expiresAt) => store.putBackfillResults(backfillId, results, expiresAt),
    backfillResults: (backfillId, status, limit, cursor) => store.backfillResults(backfillId, status, limit, cursor),
  };
}
