/** PullThroughStore on DynamoDB: one item per rule in the registry's partition, each invariant one conditional write. */
import { toPullThroughRule } from '../items.ts';
import { importLeaseKey, PULL_THROUGH_RULE_PREFIX, pullThroughRuleKey, registryPk, upstreamTagKey } from '../keys.ts';
import { ruleKeyOf, type PullThroughRuleRecord, type PullThroughStore, type UpstreamTagCheck } from '../pull-through.ts';
import type { Table } from './table.ts';

/** Invariant: a prefix has one rule. */
const RULE_IS_NEW = 'attribute_not_exists(pk)';
/** Invariant: an update replaces the version it read (no concurrent update is lost). */
const RULE_UNCHANGED_SINCE_READ = 'attribute_exists(pk) AND version = :version';
/** Invariant: one importer of a reference at a time, until its lease expires. */
const LEASE_IS_FREE = 'attribute_not_exists(pk) OR expiresAt <= :now';
/** Only the lease's holder gives it back. */
const LEASE_IS_MINE = '#owner = :owner';

export class DynamoPullThroughStore implements PullThroughStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  private key(prefix: string) {
    return pullThroughRuleKey(this.registryId, ruleKeyOf(prefix));
  }

  async create(rule: PullThroughRuleRecord) {
    const r = await this.table.put({ Item: { ...this.key(rule.ecrRepositoryPrefix), type: 'pullThroughRule', ...rule }, ConditionExpression: RULE_IS_NEW });
    return r.ok;
  }

  async get(prefix: string) {
    const item = await this.table.get(this.key(prefix));
    return item && toPullThroughRule(item);
  }

  async getMany(prefixes: string[]) {
    const keys = [...new Map(prefixes.map((p) => [ruleKeyOf(p), this.key(p)])).values()];
    return keys.length ? (await this.table.batchGet(keys)).map(toPullThroughRule) : [];
  }

  async replace(rule: PullThroughRuleRecord, version: number) {
    const r = await this.table.put({
      Item: { ...this.key(rule.ecrRepositoryPrefix), type: 'pullThroughRule', ...rule, version: version + 1 },
      ConditionExpression: RULE_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: { ':version': version },
    });
    return r.ok;
  }

  async delete(prefix: string) {
    const r = await this.table.delete({ Key: this.key(prefix) });
    return r.old && toPullThroughRule(r.old);
  }

  async list(limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(registryPk(this.registryId), PULL_THROUGH_RULE_PREFIX, { limit, cursor });
    return { items: page.items.map(toPullThroughRule), cursor: page.lastKey };
  }

  async count() {
    let n = 0;
    for await (const _ of this.table.queryPrefixAll(registryPk(this.registryId), PULL_THROUGH_RULE_PREFIX, { attributes: ['sk'] })) n++;
    return n;
  }

  async getTagCheck(uid: string, tag: string): Promise<UpstreamTagCheck | undefined> {
    const item = await this.table.get(upstreamTagKey(uid, tag));
    return item && { tag: item.tag, digest: item.digest, checkedAt: Number(item.checkedAt) };
  }

  async putTagCheck(uid: string, check: UpstreamTagCheck) {
    await this.table.put({ Item: { ...upstreamTagKey(uid, check.tag), type: 'upstreamTag', ...check } });
  }

  async claimImport(uid: string, reference: string, owner: string, now: number, until: number) {
    const r = await this.table.put({
      Item: { ...importLeaseKey(uid, reference), type: 'importLease', owner, expiresAt: until },
      ConditionExpression: LEASE_IS_FREE,
      ExpressionAttributeValues: { ':now': now },
    });
    return r.ok;
  }

  async releaseImport(uid: string, reference: string, owner: string) {
    await this.table.delete({
      Key: importLeaseKey(uid, reference),
      ConditionExpression: LEASE_IS_MINE,
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    });
  }
}
