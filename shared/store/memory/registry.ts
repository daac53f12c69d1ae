/** RegistryStore in memory: the DynamoDB adapter's items and conditions (shared/store/dynamo/registry.ts). */
import type {
  AddExclusionResult,
  BackfillRecord,
  BackfillResult,
  CreateBackfillResult,
  PullTimeExclusion,
  RegistryStore,
  ReplicationConfiguration,
  ReplicationStatusRecord,
  SigningConfiguration,
  SigningStatusRecord,
} from '../registry.ts';
import {
  backfillResultKey,
  backfillResultPrefix,
  backfillResultsPk,
  backfillsKey,
  pullTimeExclusionsKey,
  registryPolicyKey,
  replicationConfigurationKey,
  replicationStatusKey,
  replicationStatusPrefix,
  contentsPk,
  signingConfigurationKey,
  signingStatusKey,
  signingStatusPrefix,
} from '../keys.ts';
import {
  backfillResultItem,
  backfillResultOf,
  backfillsOf,
  withBackfill,
  exclusionsOf,
  replicationConfigurationItem,
  replicationConfigurationOf,
  replicationStatusItem,
  replicationStatusOf,
  signingClaimable,
  signingConfigurationItem,
  signingConfigurationOf,
  signingStatusItem,
  signingStatusOf,
} from '../items.ts';
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

  async getSigningConfiguration() {
    return signingConfigurationOf(this.table.get(signingConfigurationKey(this.registryId)));
  }

  async putSigningConfiguration(configuration: SigningConfiguration) {
    this.table.put(signingConfigurationItem(signingConfigurationKey(this.registryId), configuration));
  }

  async deleteSigningConfiguration() {
    return signingConfigurationOf(this.table.delete(signingConfigurationKey(this.registryId)));
  }

  // One read and one write with no yield between: the in-memory form of SIGNING_NOT_CLAIMED and SIGNING_CLAIMED_BY_JOB.
  async claimSigning(uid: string, digest: string, status: SigningStatusRecord, staleBefore: number) {
    const key = signingStatusKey(uid, digest, status.signingProfileArn);
    const item = this.table.get(key);
    if (!signingClaimable(item && signingStatusOf(item), staleBefore)) return false;
    this.table.put(signingStatusItem(key, status));
    return true;
  }

  async finishSigning(uid: string, digest: string, status: SigningStatusRecord) {
    const key = signingStatusKey(uid, digest, status.signingProfileArn);
    if (this.table.get(key)?.jobId !== status.jobId) return false;
    this.table.put(signingStatusItem(key, status));
    return true;
  }

  async signingStatuses(uid: string, digest: string) {
    return this.table.queryPrefix(contentsPk(uid), signingStatusPrefix(digest)).items.map(signingStatusOf);
  }

  // Each change is one read and one write with no yield between: the in-memory form of BACKFILLS_UNCHANGED_SINCE_READ.
  async createBackfill(backfill: BackfillRecord, limit: number, keepMs: number): Promise<CreateBackfillResult> {
    const item = this.table.get(backfillsKey(this.registryId));
    const r = withBackfill({ ...(item?.backfills ?? {}) }, backfill, limit, keepMs);
    if (r.outcome === 'created') this.writeBackfills(item?.version, r.list);
    return r.outcome;
  }

  async backfills() {
    return backfillsOf(this.table.get(backfillsKey(this.registryId)));
  }

  async changeBackfill(backfillId: string, edit: (backfill: BackfillRecord) => BackfillRecord | undefined) {
    const item = this.table.get(backfillsKey(this.registryId));
    const list = { ...((item?.backfills ?? {}) as Record<string, BackfillRecord>) };
    const current = list[backfillId];
    if (!current) return undefined;
    const edited = edit(structuredClone(current));
    if (!edited) return current;
    this.writeBackfills(item?.version, { ...list, [backfillId]: edited });
    return edited;
  }

  async putBackfillResults(backfillId: string, results: BackfillResult[], expiresAt: number) {
    for (const r of results)
      this.table.put(backfillResultItem(backfillResultKey(this.registryId, backfillId, r.status, r.repositoryName, r.imageDigest), r, expiresAt));
  }

  async backfillResults(backfillId: string, status: string | undefined, limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(backfillResultsPk(this.registryId, backfillId), backfillResultPrefix(status), { limit, cursor });
    return { items: page.items.map(backfillResultOf), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  private writeBackfills(version: number | undefined, list: Record<string, BackfillRecord>) {
    this.table.put({ ...backfillsKey(this.registryId), type: 'backfills', version: (version ?? 0) + 1, backfills: list });
  }

  private read() {
    const item = this.table.get(pullTimeExclusionsKey(this.registryId));
    return { item, map: { ...((item?.exclusions ?? {}) as Record<string, number>) } };
  }

  private write(version: number | undefined, map: Record<string, number>) {
    this.table.put({ ...pullTimeExclusionsKey(this.registryId), type: 'pullTimeExclusions', version: (version ?? 0) + 1, exclusions: map });
  }
}
