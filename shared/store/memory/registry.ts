/** RegistryStore in memory: the DynamoDB adapter's items and conditions (shared/store/dynamo/registry.ts). */
import type { AddExclusionResult, PullTimeExclusion, RegistryStore, ReplicationConfiguration, ReplicationStatusRecord } from '../registry.ts';
import { pullTimeExclusionsKey, registryPolicyKey, replicationConfigurationKey, replicationStatusKey, replicationStatusPrefix, contentsPk } from '../keys.ts';
import { exclusionsOf, replicationConfigurationItem, replicationConfigurationOf, replicationStatusItem, replicationStatusOf } from '../items.ts';
import type { MemoryTable } from './table.ts';

export class MemoryRegistryStore implements RegistryStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  async getPolicy() {
    return this.table.get(registryPolicyKey(this.registryId))?.policyText as string | undefined;
  }

  async putPolicy(text: string) {
    this.table.put({ ...registryPolicyKey(this.registryId), type: 'registryPolicy', policyText: text });
  }

  async deletePolicy() {
    return this.table.delete(registryPolicyKey(this.registryId))?.policyText as string | undefined;
  }

  async exclusions() {
    return exclusionsOf(this.table.get(pullTimeExclusionsKey(this.registryId)));
  }

  // One read and one write with no yield between: the in-memory form of EXCLUSIONS_UNCHANGED_SINCE_READ.
  async addExclusion(exclusion: PullTimeExclusion, limit: number): Promise<AddExclusionResult> {
    const { item, map } = this.read();
    if (Object.hasOwn(map, exclusion.principalArn)) return 'exists';
    if (Object.keys(map).length >= limit) return 'limit';
    map[exclusion.principalArn] = exclusion.createdAt;
    this.write(item?.version, map);
    return 'added';
  }

  async removeExclusion(principalArn: string) {
    const { item, map } = this.read();
    if (!Object.hasOwn(map, principalArn)) return false;
    delete map[principalArn];
    this.write(item?.version, map);
    return true;
  }

  async getReplicationConfiguration() {
    return replicationConfigurationOf(this.table.get(replicationConfigurationKey(this.registryId)));
  }

  async putReplicationConfiguration(configuration: ReplicationConfiguration) {
    this.table.put(replicationConfigurationItem(replicationConfigurationKey(this.registryId), configuration));
  }

  async putReplicationStatus(uid: string, digest: string, status: ReplicationStatusRecord) {
    this.table.put(replicationStatusItem(replicationStatusKey(uid, digest, status.region, status.registryId), status));
  }

  async replicationStatuses(uid: string, digest: string) {
    return this.table.queryPrefix(contentsPk(uid), replicationStatusPrefix(digest)).items.map(replicationStatusOf);
  }

  private read() {
    const item = this.table.get(pullTimeExclusionsKey(this.registryId));
    return { item, map: { ...((item?.exclusions ?? {}) as Record<string, number>) } };
  }

  private write(version: number | undefined, map: Record<string, number>) {
    this.table.put({ ...pullTimeExclusionsKey(this.registryId), type: 'pullTimeExclusions', version: (version ?? 0) + 1, exclusions: map });
  }
}
