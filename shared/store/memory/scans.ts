/** ScanStore in memory: the DynamoDB adapter's scan, configuration, setting and feed items (shared/store/dynamo/scans.ts). */
import type { FeedPointer, RegistryScanningConfiguration, ScanRecord, ScanStore } from '../scans.ts';
import type { Page } from '../types.ts';
import { accountSettingKey, activeFeedKey, contentsPk, SCAN_PREFIX, scanConfigurationKey, scanKey } from '../keys.ts';
import { toFeedPointer, toScan } from '../items.ts';
import type { Item, MemoryTable } from './table.ts';

/** Invariant: no scan of the image started after the limit's window opened (one scan per image per 24 hours), failures on our side not counted. */
const SCAN_NOT_STARTED_SINCE = (old: Item | undefined, since: number) => old === undefined || old.startedAt <= since || old.quotaReturned === true;
/** Invariant: the result belongs to the image's current scan, not to one a newer scan replaced. */
const SCAN_IS_CURRENT = (old: Item | undefined, scanId: string) => old !== undefined && old.scanId === scanId;
/** Invariant: the active feed is still the one the importer read (no concurrent import swapped it). */
const ACTIVE_FEED_UNCHANGED = (old: Item | undefined, expected: string) => old !== undefined && old.feedId === expected;
const NO_ACTIVE_FEED = (old: Item | undefined) => old === undefined;

export class MemoryScanStore implements ScanStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  async start(uid: string, scan: ScanRecord, notStartedSince: number) {
    const key = scanKey(uid, scan.digest);
    const old = this.table.get(key);
    if (!SCAN_NOT_STARTED_SINCE(old, notStartedSince)) return { started: false as const, existing: toScan(old!) };
    this.table.put({ ...key, type: 'scan', ...scan });
    return { started: true as const };
  }

  async get(uid: string, digest: string) {
    const item = this.table.get(scanKey(uid, digest));
    return item && toScan(item);
  }

  async getMany(uid: string, digests: string[]) {
    const found = new Map<string, ScanRecord>();
    for (const digest of new Set(digests)) {
      const item = this.table.get(scanKey(uid, digest));
      if (item) found.set(item.digest, toScan(item));
    }
    return found;
  }

  async update(uid: string, digest: string, scanId: string, changes: Partial<ScanRecord>) {
    const sets = Object.entries(changes).filter(([k, v]) => v !== undefined && k !== 'digest' && k !== 'scanId');
    if (!sets.length) return true;
    const key = scanKey(uid, digest);
    const old = this.table.get(key);
    if (!SCAN_IS_CURRENT(old, scanId)) return false;
    this.table.put({ ...old, ...Object.fromEntries(sets) });
    return true;
  }

  async list(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ScanRecord>> {
    const page = this.table.queryPrefix(contentsPk(uid), SCAN_PREFIX, { limit, cursor });
    return { items: page.items.map(toScan), cursor: page.cursor };
  }

  async getConfiguration() {
    const item = this.table.get(scanConfigurationKey(this.registryId));
    return item ? ({ scanType: item.scanType, rules: item.rules } as RegistryScanningConfiguration) : undefined;
  }

  async putConfiguration(configuration: RegistryScanningConfiguration) {
    this.table.put({ ...scanConfigurationKey(this.registryId), type: 'scanConfiguration', scanType: configuration.scanType, rules: configuration.rules });
  }

  async getSetting(name: string) {
    return this.table.get(accountSettingKey(this.registryId, name))?.value as string | undefined;
  }

  async putSetting(name: string, value: string) {
    this.table.put({ ...accountSettingKey(this.registryId, name), type: 'accountSetting', value });
  }

  async activeFeed() {
    const item = this.table.get(activeFeedKey(this.registryId));
    return item && toFeedPointer(item);
  }

  async swapFeed(next: FeedPointer, expected: string | undefined) {
    const key = activeFeedKey(this.registryId);
    const old = this.table.get(key);
    if (!(expected === undefined ? NO_ACTIVE_FEED(old) : ACTIVE_FEED_UNCHANGED(old, expected))) return false;
    this.table.put({ ...key, type: 'activeFeed', ...next });
    return true;
  }
}
