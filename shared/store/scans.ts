/**
 * The narrow storage interface of image scanning: scan results per image, the registry's scanning
 * configuration, account settings and the active vulnerability feed pointer. The DynamoDB adapter is
 * shared/store/dynamo/scans.ts; every invariant is one conditional write. Large things (findings,
 * layer indexes, feed shards) live in the blob store under keys from shared/store/keys.ts.
 */
import type { Page } from './types.ts';

export type ScanStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'UNSUPPORTED_IMAGE';
export type ScanType = 'BASIC' | 'ENHANCED';

/** The latest scan of one image. Times are epoch milliseconds. */
export type ScanRecord = {
  digest: string;
  /** Names this run; a result is recorded only by the run that is still current. */
  scanId: string;
  status: ScanStatus;
  description?: string;
  scanType: ScanType;
  startedAt: number;
  completedAt?: number;
  /** The feed the scan matched against, and when that feed was imported. */
  feedId?: string;
  feedImportedAt?: number;
  findingSeverityCounts?: Record<string, number>;
  findingCount?: number;
  /** Blob keys of the findings and of the image's inventories (one per platform image). */
  findingsObject?: string;
  inventories?: string[];
  /** The scan failed on the registry's side: it does not spend the image's once-a-day allowance. */
  quotaReturned?: boolean;
};

export type ScanningRule = { scanFrequency: 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL'; repositoryFilters: { filter: string; filterType: 'WILDCARD' }[] };
export type RegistryScanningConfiguration = { scanType: ScanType; rules: ScanningRule[] };

/** The feed scans match against: its shards live under feeds/<feedId>/. */
export type FeedPointer = { feedId: string; importedAt: number; fingerprint: string; previousFeedId?: string; advisories: number };

export interface ScanStore {
  /** Starts a scan unless one of the image started after `notStartedSince` (invariant SCAN_NOT_STARTED_SINCE); the existing record when refused. */
  start(uid: string, scan: ScanRecord, notStartedSince: number): Promise<{ started: true } | { started: false; existing?: ScanRecord }>;
  /** The latest scan of an image, if any. */
  get(uid: string, digest: string): Promise<ScanRecord | undefined>;
  /** The latest scans of many images, by digest. */
  getMany(uid: string, digests: string[]): Promise<Map<string, ScanRecord>>;
  /** Records changes to scan `scanId` if it is still the image's current scan (invariant SCAN_IS_CURRENT). */
  update(uid: string, digest: string, scanId: string, changes: Partial<ScanRecord>): Promise<boolean>;
  /** The repository's scans, a page at a time. */
  list(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ScanRecord>>;
  /** The registry's scanning configuration, if one was ever put. */
  getConfiguration(): Promise<RegistryScanningConfiguration | undefined>;
  /** Replaces the registry's scanning configuration. */
  putConfiguration(configuration: RegistryScanningConfiguration): Promise<void>;
  /** An account setting's stored value, if any. */
  getSetting(name: string): Promise<string | undefined>;
  /** Stores an account setting. */
  putSetting(name: string, value: string): Promise<void>;
  /** The feed scans use now, if any was imported. */
  activeFeed(): Promise<FeedPointer | undefined>;
  /** Makes `next` the active feed if the active one is still `expected` (invariant ACTIVE_FEED_UNCHANGED). */
  swapFeed(next: FeedPointer, expected: string | undefined): Promise<boolean>;
}
