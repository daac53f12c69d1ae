/** ScanStore on DynamoDB: one scan item per image in the repository's partition; registry-wide items for
 * the scanning configuration, account settings and the active feed pointer. */
import type { FeedPointer, RegistryScanningConfiguration, ScanRecord, ScanStore } from '../scans.ts';
import type { Page } from '../types.ts';
import { accountSettingKey, activeFeedKey, contentsPk, SCAN_PREFIX, scanConfigurationKey, scanKey } from '../keys.ts';
import { toFeedPointer, toScan } from '../items.ts';
import type { Table } from './table.ts';

/** Invariant: no scan of the image started after the limit's window opened (one scan per image per 24 hours), failures on our side not counted. */
const SCAN_NOT_STARTED_SINCE = 'attribute_not_exists(pk) OR startedAt <= :since OR quotaReturned = :true';
/** Invariant: the result belongs to the image's current scan, not to one a newer scan replaced. */
const SCAN_IS_CURRENT = 'scanId = :scanId';
/** Invariant: the active feed is still the one the importer read (no concurrent import swapped it). */
const ACTIVE_FEED_UNCHANGED = 'feedId = :expected';
const NO_ACTIVE_FEED = 'attribute_not_exists(pk)';

export class DynamoScanStore implements ScanStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  async start(uid: string, scan: ScanRecord, notStartedSince: number) {
    const r = await this.table.put({
      Item: { ...scanKey(uid, scan.digest), type: 'scan', ...scan },
      ConditionExpression: SCAN_NOT_STARTED_SINCE,
      ExpressionAttributeValues: { ':since': notStartedSince, ':true': true },
    });
    if (r.ok) return { started: true as const };
    // The embedded DynamoDB omits the old item on a failed condition: read it back then.
    return { started: false as const, existing: r.old ? toScan(r.old) : await this.get(uid, scan.digest) };
  }

  async get(uid: string, digest: string) {
    const item = await this.table.get(scanKey(uid, digest));
    return item && toScan(item);
  }

  async getMany(uid: string, digests: string[]) {
    const items = await this.table.batchGet([...new Set(digests)].map((d) => scanKey(uid, d)));
    return new Map(items.map((i) => [i.digest as string, toScan(i)]));
  }

  async update(uid: string, digest: string, scanId: string, changes: Partial<ScanRecord>) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':scanId': scanId };
    const sets = Object.entries(changes)
      .filter(([k, v]) => v !== undefined && k !== 'digest' && k !== 'scanId')
      .map(([k, v], i) => {
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        return `#f${i} = :f${i}`;
      });
    if (!sets.length) return true;
    const r = await this.table.update({
      Key: scanKey(uid, digest),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: SCAN_IS_CURRENT,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'NONE',
    });
    return r.ok;
  }

  async list(uid: string, limit: number, cursor?: Record<string, any>): Promise<Page<ScanRecord>> {
    const page = await this.table.queryPrefix(contentsPk(uid), SCAN_PREFIX, { limit, cursor, consistent: false });
    return { items: page.items.map(toScan), cursor: page.lastKey };
  }

  async getConfiguration() {
    const item = await this.table.get(scanConfigurationKey(this.registryId));
    return item ? ({ scanType: item.scanType, rules: item.rules } as RegistryScanningConfiguration) : undefined;
  }

  async putConfiguration(configuration: RegistryScanningConfiguration) {
    await this.table.put({
      Item: { ...scanConfigurationKey(this.registryId), type: 'scanConfiguration', scanType: configuration.scanType, rules: configuration.rules },
    });
  }

  async getSetting(name: string) {
    const item = await this.table.get(accountSettingKey(this.registryId, name));
    return item?.value as string | undefined;
  }

  async putSetting(name: string, value: string) {
    await this.table.put({ Item: { ...accountSettingKey(this.registryId, name), type: 'accountSetting', value } });
  }

  async activeFeed() {
    const item = await this.table.get(activeFeedKey(this.registryId));
    return item && toFeedPointer(item);
  }

  async swapFeed(next: FeedPointer, expected: string | undefined) {
    const r = await this.table.put({
      Item: { ...activeFeedKey(this.registryId), type: 'activeFeed', ...next },
      ConditionExpression: expected === undefined ? NO_ACTIVE_FEED : ACTIVE_FEED_UNCHANGED,
      ExpressionAttributeValues: expected === undefined ? undefined : { ':expected': expected },
    });
    return r.ok;
  }
}
