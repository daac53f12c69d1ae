/**
 * Replication backfill (the 2026 additions): StartReplicationBackfill copies the images already in the registry to
 * one configured destination (the replication-backfill state machine, shared/replication/backfill-job.ts),
 * StopReplicationBackfill stops it, ListReplicationBackfills and DescribeReplicationBackfillResults say how it went.
 * One backfill at a time per destination region (ReplicationBackfillInProgressException), at most 10 not ended per
 * registry (LimitExceededException); backfills and their results are kept 90 days.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import {
  invalidParameter,
  LimitExceededException,
  ReplicationBackfillInProgressException,
  ReplicationBackfillInvalidStatusException,
  ReplicationBackfillNotFoundException,
} from '../errors.ts';
import type {
  DescribeReplicationBackfillResultsInput,
  DescribeReplicationBackfillResultsOutput,
  ListReplicationBackfillsInput,
  ListReplicationBackfillsOutput,
  StartReplicationBackfillInput,
  StartReplicationBackfillOutput,
  StopReplicationBackfillInput,
  StopReplicationBackfillOutput,
} from '../model/types.ts';
import type { BackfillRecord } from '../store/registry.ts';
import { authorize, checkRegistryId } from './common.ts';
import { nextToken, readToken } from './pagination.ts';

/** Backfills not ended at once, per registry. */
export const MAX_RUNNING_BACKFILLS = 10;
/** How long a backfill and its results are kept after it ends. */
export const BACKFILL_KEEP_MS = 90 * 24 * 3600 * 1000;
/** The state machine (infra/replication-backfill.asl.json). */
export const BACKFILL_MACHINE = 'replication-backfill';
const ENDED = new Set(['COMPLETE', 'FAILED', 'STOPPED']);

/** Whether a backfill has ended (its results are final). */
export const backfillEnded = (b: BackfillRecord) => ENDED.has(b.status);

/** StartReplicationBackfill: a backfill to a destination of the replication configuration, PREPARING. */
export async function startReplicationBackfill(deps: Deps, actor: Actor, input: StartReplicationBackfillInput): Promise<StartReplicationBackfillOutput> {
  const registryId = checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:StartReplicationBackfill', ANY_RESOURCE);
  const destination = { region: input.destination.region, registryId: input.destination.registryId };
  const configuration = await deps.registry.getReplicationConfiguration();
  const configured = configuration?.rules.some((r) => r.destinations.some((d) => d.region === destination.region && d.registryId === destination.registryId));
  if (!configured) throw invalidParameter('destination', 'The destination must be a destination of the registry replication configuration');
  const backfill: BackfillRecord = {
    backfillId: randomUUID(),
    destination,
    status: 'PREPARING',
    total: 0,
    completed: 0,
    failed: 0,
    failureCodes: [],
    startedAt: deps.now().getTime(),
  };
  const outcome = await deps.registry.createBackfill(backfill, MAX_RUNNING_BACKFILLS, BACKFILL_KEEP_MS);
  if (outcome === 'in-progress') {
    throw new ReplicationBackfillInProgressException(`A replication backfill to the region '${destination.region}' is already in progress`);
  }
  if (outcome === 'limit') throw new LimitExceededException(`At most ${MAX_RUNNING_BACKFILLS} replication backfills can be in progress in a registry`);
  try {
    await deps.jobs.start(BACKFILL_MACHINE, { backfillId: backfill.backfillId, destination });
  } catch (e) {
    await deps.registry.changeBackfill(backfill.backfillId, (b) => ({ ...b, status: 'FAILED', endedAt: deps.now().getTime() }));
    throw e;
  }
  return { replicationBackfillId: backfill.backfillId, registryId, destination, status: backfill.status, startedAt: new Date(backfill.startedAt) };
}

/** StopReplicationBackfill: a backfill PREPARING or IN_PROGRESS is STOPPING (then STOPPED once its current batch ends). */
export async function stopReplicationBackfill(deps: Deps, actor: Actor, input: StopReplicationBackfillInput): Promise<StopReplicationBackfillOutput> {
  const registryId = checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:StopReplicationBackfill', ANY_RESOURCE);
  let refused: string | undefined;
  const changed = await deps.registry.changeBackfill(input.replicationBackfillId, (b) => {
    if (b.status !== 'PREPARING' && b.status !== 'IN_PROGRESS') {
      refused = b.status;
      return undefined;
    }
    return { ...b, status: 'STOPPING' };
  });
  if (!changed || !kept(deps, changed)) throw notFound(deps, input.replicationBackfillId);
  if (refused) throw new ReplicationBackfillInvalidStatusException(`The replication backfill is ${refused} and cannot be stopped`);
  return {
    registryId,
    replicationBackfillId: changed.backfillId,
    destination: changed.destination,
    status: changed.status,
    startedAt: new Date(changed.startedAt),
  };
}

/** ListReplicationBackfills: the backfills of the last 90 days, newest first, paginated. */
export async function listReplicationBackfills(deps: Deps, actor: Actor, input: ListReplicationBackfillsInput): Promise<ListReplicationBackfillsOutput> {
  const registryId = checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:ListReplicationBackfills', ANY_RESOURCE);
  const all = (await deps.registry.backfills()).filter((b) => kept(deps, b));
  const start = readToken<number>(deps, 'ListReplicationBackfills', registryId, input.nextToken) ?? 0;
  const limit = input.maxResults ?? 50;
  const page = all.slice(start, start + limit);
  return {
    registryId,
    backfills: page.map(summary),
    ...(start + limit < all.length ? { nextToken: nextToken(deps, 'ListReplicationBackfills', registryId, start + limit) } : {}),
  };
}

/** DescribeReplicationBackfillResults: the backfill, and once it ended its per-image results (filtered by status), paginated. */
export async function describeReplicationBackfillResults(
  deps: Deps,
  actor: Actor,
  input: DescribeReplicationBackfillResultsInput,
): Promise<DescribeReplicationBackfillResultsOutput> {
  const registryId = checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:DescribeReplicationBackfillResults', ANY_RESOURCE);
  const backfill = (await deps.registry.backfills()).find((b) => b.backfillId === input.replicationBackfillId);
  if (!backfill || !kept(deps, backfill)) throw notFound(deps, input.replicationBackfillId);
  const scope = `${backfill.backfillId}#${input.resultStatusFilter ?? ''}`;
  const cursor = readToken<Record<string, any>>(deps, 'DescribeReplicationBackfillResults', scope, input.nextToken);
  const page = backfillEnded(backfill)
    ? await deps.registry.backfillResults(backfill.backfillId, input.resultStatusFilter, input.maxResults ?? 100, cursor)
    : { items: [] };
  const { replicationBackfillId: _id, ...view } = summary(backfill);
  return {
    registryId,
    replicationBackfillId: backfill.backfillId,
    ...view,
    results: page.items.map((r) => ({
      repositoryName: r.repositoryName,
      imageId: { imageDigest: r.imageDigest, ...(r.imageTag !== undefined ? { imageTag: r.imageTag } : {}) },
      status: r.status,
      ...(r.failureCode !== undefined ? { failureCode: r.failureCode } : {}),
    })),
    ...(page.cursor ? { nextToken: nextToken(deps, 'DescribeReplicationBackfillResults', scope, page.cursor) } : {}),
  };
}

function summary(b: BackfillRecord) {
  return {
    replicationBackfillId: b.backfillId,
    destination: b.destination,
    status: b.status,
    ...(b.failureCode !== undefined ? { failureCode: b.failureCode } : {}),
    progress: { totalReplicationCount: b.total, completedReplicationCount: b.completed, failedReplicationCount: b.failed, failureCodes: b.failureCodes },
    startedAt: new Date(b.startedAt),
    ...(b.endedAt !== undefined ? { endedAt: new Date(b.endedAt) } : {}),
  };
}

/** Whether a backfill is still kept (ended less than 90 days ago, or running). */
function kept(deps: Deps, b: BackfillRecord) {
  return b.endedAt === undefined || deps.now().getTime() - b.endedAt <= BACKFILL_KEEP_MS;
}

function notFound(deps: Deps, id: string) {
  return new ReplicationBackfillNotFoundException(
    `The replication backfill with id '${id}' does not exist in the registry with id '${deps.config.registryId}'`,
  );
}
