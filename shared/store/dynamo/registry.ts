/**
 * RegistryStore on DynamoDB: the registry policy is one item; the pull-time exclusions are one item holding every
 * principal ARN (at most 100 of at most 200 characters: well under DynamoDB's 400 KB), so the list's two rules (no
 * principal twice, no more than the limit) are kept by one conditional write of the whole list.
 */
import type { AddExclusionResult, PullTimeExclusion, RegistryStore, ReplicationConfiguration, ReplicationStatusRecord } from '../registry.ts';
import { exclusionsOf, replicationConfigurationItem, replicationConfigurationOf, replicationStatusItem, replicationStatusOf } from '../items.ts';
import { contentsPk, pullTimeExclusionsKey, registryPolicyKey, replicationConfigurationKey, replicationStatusKey, replicationStatusPrefix } from '../keys.ts';
import type { Table } from './table.ts';

/** Invariant: the exclusion list is still the version the writer read (so EXCLUSION_IS_NEW and EXCLUSIONS_BELOW_LIMIT, checked on that read, hold). */
const EXCLUSIONS_UNCHANGED_SINCE_READ = 'version = :version';
const NO_EXCLUSIONS_YET = 'attribute_not_exists(pk)';
/** A writer that lost the race reads again; every loss means another writer's change landed. */
const ATTEMPTS = 25;

export class DynamoRegistryStore implements RegistryStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  async getPolicy() {
    const item = await this.table.get(registryPolicyKey(this.registryId));
    return item?.policyText as string | undefined;
  }

  async putPolicy(text: string) {
    await this.table.put({ Item: { ...registryPolicyKey(this.registryId), type: 'registryPolicy', policyText: text } });
  }

  async deletePolicy() {
    const r = await this.table.delete({ Key: registryPolicyKey(this.registryId) });
    return r.old?.policyText as string | undefined;
  }

  async exclusions() {
    return exclusionsOf(await this.table.get(pullTimeExclusionsKey(this.registryId)));
  }

  async addExclusion(exclusion: PullTimeExclusion, limit: number): Promise<AddExclusionResult> {
    return this.change((map) => {
      if (Object.hasOwn(map, exclusion.principalArn)) return 'exists';
      if (Object.keys(map).length >= limit) return 'limit';
      map[exclusion.principalArn] = exclusion.createdAt;
      return 'added';
    }, 'added');
  }

  async removeExclusion(principalArn: string) {
    return this.change((map) => {
      if (!Object.hasOwn(map, principalArn)) return false;
      delete map[principalArn];
      return true;
    }, true);
  }

  async getReplicationConfiguration() {
    return replicationConfigurationOf(await this.table.get(replicationConfigurationKey(this.registryId)));
  }

  async putReplicationConfiguration(configuration: ReplicationConfiguration) {
    await this.table.put({ Item: replicationConfigurationItem(replicationConfigurationKey(this.registryId), configuration) });
  }

  async putReplicationStatus(uid: string, digest: string, status: ReplicationStatusRecord) {
    await this.table.put({ Item: replicationStatusItem(replicationStatusKey(uid, digest, status.region, status.registryId), status) });
  }

  async replicationStatuses(uid: string, digest: string) {
    const statuses: ReplicationStatusRecord[] = [];
    for await (const item of this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': contentsPk(uid), ':prefix': replicationStatusPrefix(digest) },
      ConsistentRead: true,
    }))
      statuses.push(replicationStatusOf(item));
    return statuses;
  }

  /** Reads the list, lets `edit` change it, and writes it back if it is still the version read; again when it is not. */
  private async change<T>(edit: (map: Record<string, number>) => T, changed: T): Promise<T> {
    const key = pullTimeExclusionsKey(this.registryId);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const item = await this.table.get(key);
      const map = { ...((item?.exclusions ?? {}) as Record<string, number>) };
      const outcome = edit(map);
      if (outcome !== changed) return outcome;
      const version = Number(item?.version ?? 0);
      const r = await this.table.put({
        Item: { ...key, type: 'pullTimeExclusions', version: version + 1, exclusions: map },
        ConditionExpression: item ? EXCLUSIONS_UNCHANGED_SINCE_READ : NO_EXCLUSIONS_YET,
        ExpressionAttributeValues: item ? { ':version': version } : undefined,
      });
      if (r.ok) return outcome;
    }
    throw new Error(`the pull-time exclusion list kept changing: ${ATTEMPTS} writes lost the race`);
  }
}
