/**
 * RegistryStore on DynamoDB: the registry policy is one item; the pull-time exclusions are one item holding every
 * principal ARN (at most 100 of at most 200 characters: well under DynamoDB's 400 KB), so the list's two rules (no
 * principal twice, no more than the limit) are kept by one conditional write of the whole list.
 */
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
  backfillResultItem,
  backfillResultOf,
  backfillsOf,
  withBackfill,
  exclusionsOf,
  replicationConfigurationItem,
  replicationConfigurationOf,
  replicationStatusItem,
  replicationStatusOf,
  signingConfigurationItem,
  signingConfigurationOf,
  signingStatusItem,
  signingStatusOf,
} from '../items.ts';
import {
  backfillResultKey,
  backfillResultPrefix,
  backfillResultsPk,
  backfillsKey,
  contentsPk,
  pullTimeExclusionsKey,
  registryPolicyKey,
  replicationConfigurationKey,
  replicationStatusKey,
  replicationStatusPrefix,
  signingConfigurationKey,
  signingStatusKey,
  signingStatusPrefix,
} from '../keys.ts';
import type { Table } from './table.ts';

/** Invariant: the exclusion list is still the version the writer read (so EXCLUSION_IS_NEW and EXCLUSIONS_BELOW_LIMIT, checked on that read, hold). */
const EXCLUSIONS_UNCHANGED_SINCE_READ = 'version = :version';
const NO_EXCLUSIONS_YET = 'attribute_not_exists(pk)';
/** Invariant: the backfill list is still the version the writer read (so BACKFILL_REGION_IS_FREE and BACKFILLS_BELOW_LIMIT, checked on that read, hold). */
const BACKFILLS_UNCHANGED_SINCE_READ = 'version = :version';
/** Invariant: an image is signed by one job per profile at a time, and once (none yet, FAILED, or an IN_PROGRESS gone stale). */
const SIGNING_NOT_CLAIMED = 'attribute_not_exists(pk) OR #status = :failed OR (#status = :inProgress AND updatedAt < :staleBefore)';
/** Invariant: only the job holding an image's signing status for a profile records its end. */
const SIGNING_CLAIMED_BY_JOB = 'jobId = :jobId';
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

  async getSigningConfiguration() {
    return signingConfigurationOf(await this.table.get(signingConfigurationKey(this.registryId)));
  }

  async putSigningConfiguration(configuration: SigningConfiguration) {
    await this.table.put({ Item: signingConfigurationItem(signingConfigurationKey(this.registryId), configuration) });
  }

  async deleteSigningConfiguration() {
    const r = await this.table.delete({ Key: signingConfigurationKey(this.registryId) });
    return signingConfigurationOf(r.old);
  }

  async claimSigning(uid: string, digest: string, status: SigningStatusRecord, staleBefore: number) {
    const r = await this.table.put({
      Item: signingStatusItem(signingStatusKey(uid, digest, status.signingProfileArn), status),
      ConditionExpression: SIGNING_NOT_CLAIMED,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':failed': 'FAILED', ':inProgress': 'IN_PROGRESS', ':staleBefore': staleBefore },
    });
    return r.ok;
  }

  async finishSigning(uid: string, digest: string, status: SigningStatusRecord) {
    const r = await this.table.put({
      Item: signingStatusItem(signingStatusKey(uid, digest, status.signingProfileArn), status),
      ConditionExpression: SIGNING_CLAIMED_BY_JOB,
      ExpressionAttributeValues: { ':jobId': status.jobId },
    });
    return r.ok;
  }

  async signingStatuses(uid: string, digest: string) {
    const statuses: SigningStatusRecord[] = [];
    for await (const item of this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': contentsPk(uid), ':prefix': signingStatusPrefix(digest) },
      ConsistentRead: true,
    }))
      statuses.push(signingStatusOf(item));
    return statuses;
  }

  async createBackfill(backfill: BackfillRecord, limit: number, keepMs: number): Promise<CreateBackfillResult> {
    return this.changeBackfills((list) => {
      const r = withBackfill(list, backfill, limit, keepMs);
      return { outcome: r.outcome, list: r.outcome === 'created' ? r.list : undefined };
    });
  }

  async backfills() {
    return backfillsOf(await this.table.get(backfillsKey(this.registryId)));
  }

  async changeBackfill(backfillId: string, edit: (backfill: BackfillRecord) => BackfillRecord | undefined) {
    return this.changeBackfills((list) => {
      const current = list[backfillId];
      if (!current) return { outcome: undefined, list: undefined };
      const edited = edit(structuredClone(current));
      return edited ? { outcome: edited, list: { ...list, [backfillId]: edited } } : { outcome: current, list: undefined };
    });
  }

  async putBackfillResults(backfillId: string, results: BackfillResult[], expiresAt: number) {
    await this.table.batchPut(
      results.map((r) => backfillResultItem(backfillResultKey(this.registryId, backfillId, r.status, r.repositoryName, r.imageDigest), r, expiresAt)),
    );
  }

  async backfillResults(backfillId: string, status: string | undefined, limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(backfillResultsPk(this.registryId, backfillId), backfillResultPrefix(status), { limit, cursor });
    return { items: page.items.map(backfillResultOf), ...(page.lastKey ? { cursor: page.lastKey } : {}) };
  }

  /** Reads the backfill list, lets `edit` change it (a list to write, or undefined for none), and writes it back if it is still the version read. */
  private async changeBackfills<T>(
    edit: (list: Record<string, BackfillRecord>) => { outcome: T; list: Record<string, BackfillRecord> | undefined },
  ): Promise<T> {
    const key = backfillsKey(this.registryId);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const item = await this.table.get(key);
      const { outcome, list } = edit({ ...((item?.backfills ?? {}) as Record<string, BackfillRecord>) });
      if (!list) return outcome;
      const version = Number(item?.version ?? 0);
      const r = await this.table.put({
        Item: { ...key, type: 'backfills', version: version + 1, backfills: list },
        ConditionExpression: item ? BACKFILLS_UNCHANGED_SINCE_READ : NO_EXCLUSIONS_YET,
        ExpressionAttributeValues: item ? { ':version': version } : undefined,
      });
      if (r.ok) return outcome;
    }
    throw new Error(`the backfill list kept changing: ${ATTEMPTS} writes lost the race`);
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
