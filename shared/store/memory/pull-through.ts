/** PullThroughStore in memory: the DynamoDB adapter's items and conditions (shared/store/dynamo/pull-through.ts). */
import { toPullThroughRule } from '../items.ts';
import { importLeaseKey, PULL_THROUGH_RULE_PREFIX, pullThroughRuleKey, registryPk, upstreamTagKey } from '../keys.ts';
import { ruleKeyOf, type PullThroughRuleRecord, type PullThroughStore, type UpstreamTagCheck } from '../pull-through.ts';
import type { MemoryTable } from './table.ts';

export class MemoryPullThroughStore implements PullThroughStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  private key(prefix: string) {
    return pullThroughRuleKey(this.registryId, ruleKeyOf(prefix));
  }

  // Each check and its write run with no yield between: the in-memory form of the adapter's conditions.
  async create(rule: PullThroughRuleRecord) {
    const key = this.key(rule.ecrRepositoryPrefix);
    if (this.table.get(key)) return false;
    this.table.put({ ...key, type: 'pullThroughRule', ...rule });
    return true;
  }

  async get(prefix: string) {
    const item = this.table.get(this.key(prefix));
    return item && toPullThroughRule(item);
  }

  async getMany(prefixes: string[]) {
    const keys = [...new Map(prefixes.map((p) => [ruleKeyOf(p), this.key(p)])).values()];
    return keys.flatMap((k) => {
      const item = this.table.get(k);
      return item ? [toPullThroughRule(item)] : [];
    });
  }

  async replace(rule: PullThroughRuleRecord, version: number) {
    const key = this.key(rule.ecrRepositoryPrefix);
    const old = this.table.get(key);
    if (!old || old.version !== version) return false;
    this.table.put({ ...key, type: 'pullThroughRule', ...rule, version: version + 1 });
    return true;
  }

  async delete(prefix: string) {
    const old = this.table.delete(this.key(prefix));
    return old && toPullThroughRule(old);
  }

  async list(limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(registryPk(this.registryId), PULL_THROUGH_RULE_PREFIX, { limit, cursor });
    return { items: page.items.map(toPullThroughRule), cursor: page.cursor };
  }

  async count() {
    return this.table.queryPrefix(registryPk(this.registryId), PULL_THROUGH_RULE_PREFIX).items.length;
  }

  async getTagCheck(uid: string, tag: string): Promise<UpstreamTagCheck | undefined> {
    const item = this.table.get(upstreamTagKey(uid, tag));
    return item && { tag: item.tag, digest: item.digest, checkedAt: Number(item.checkedAt) };
  }

  async putTagCheck(uid: string, check: UpstreamTagCheck) {
    this.table.put({ ...upstreamTagKey(uid, check.tag), type: 'upstreamTag', ...check });
  }

  async claimImport(uid: string, reference: string, owner: string, now: number, until: number) {
    const key = importLeaseKey(uid, reference);
    const old = this.table.get(key);
    if (old && Number(old.expiresAt) > now) return false;
    this.table.put({ ...key, type: 'importLease', owner, expiresAt: until });
    return true;
  }

  async releaseImport(uid: string, reference: string, owner: string) {
    const key = importLeaseKey(uid, reference);
    if (this.table.get(key)?.owner === owner) this.table.delete(key);
  }
}
