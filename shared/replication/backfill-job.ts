/**
 * The replication backfill job (infra/replication-backfill.asl.json): PrepareBackfill counts the images of the
 * repositories whose rules name the destination, CopyBackfillBatch copies them a batch at a time (the same copy as
 * replication on push, ./copy.ts, so what the destination holds is not sent again), recording each image's result
 * and its replication status, and stops early when asked (STOPPING → STOPPED) or when at least 100 images were tried
 * and half of them failed (FAILED, the rest skipped); FinishBackfill ends it COMPLETE when every image replicated,
 * FAILED when any did not.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { BACKFILL_KEEP_MS, backfillEnded } from '../registry/replication-backfill.ts';
import { ruleMatches, type Destination } from '../registry/replication-configuration.ts';
import type { BackfillRecord, BackfillResult, ReplicationConfiguration } from '../store/registry.ts';
import type { ImageRecord } from '../store/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import { copyImage } from './copy.ts';
import { ReplicationFailure } from './destination.ts';

/** Images a batch task copies. */
export const BACKFILL_BATCH = 25;
/** Copies in flight at once within a batch. */
const CONCURRENCY = 4;
/** The early stop: once this many images were tried, a backfill with half of them failed ends FAILED. */
export const EARLY_FAILURE_MIN_TRIED = 100;

/** Where a backfill's walk stands: the last repository done, and the one under way with its image page cursor. */
export type BackfillCursor = { after?: string; current?: { name: string; uid: string; imageCursor?: Record<string, any> } };
/** What the backfill states pass each other. */
export type BackfillState = { backfillId: string; destination: Destination; cursor?: BackfillCursor; done?: boolean };

/** PrepareBackfill: counts the images to copy; the backfill is IN_PROGRESS (or STOPPED when stopped meanwhile). */
export async function prepareBackfill(deps: Deps, _actor: Actor, input: BackfillState): Promise<BackfillState> {
  const matches = matcher(await deps.registry.getReplicationConfiguration(), input.destination);
  let total = 0;
  let cursor: BackfillCursor | undefined = {};
  while (cursor) {
    const next = await nextImages(deps, matches, cursor, 1000);
    total += next.images.length;
    cursor = next.cursor;
  }
  const changed = await deps.registry.changeBackfill(input.backfillId, (b) =>
    b.status === 'STOPPING'
      ? { ...b, status: 'STOPPED', total, endedAt: deps.now().getTime() }
      : b.status === 'PREPARING'
        ? { ...b, status: 'IN_PROGRESS', total }
        : undefined,
  );
  return { backfillId: input.backfillId, destination: input.destination, cursor: {}, done: !changed || backfillEnded(changed) };
}

/** CopyBackfillBatch: copies the next batch of images and records their results; `done` once nothing is left or the backfill ended. */
export async function copyBackfillBatch(deps: Deps, _actor: Actor, input: BackfillState): Promise<BackfillState> {
  const matches = matcher(await deps.registry.getReplicationConfiguration(), input.destination);
  const current = (await deps.registry.backfills()).find((b) => b.backfillId === input.backfillId);
  if (!current || backfillEnded(current) || current.status === 'STOPPING') return { ...input, done: true, cursor: input.cursor ?? {} };
  const { images, cursor } = await nextImages(deps, matches, input.cursor ?? {}, BACKFILL_BATCH);
  const results = await mapLimit(images, CONCURRENCY, (item) => copyOne(deps, input.destination, item));
  const now = deps.now().getTime();
  await deps.registry.putBackfillResults(input.backfillId, results, Math.floor((now + BACKFILL_KEEP_MS) / 1000));
  const failed = results.filter((r) => r.status === 'FAILED');
  const changed = await deps.registry.changeBackfill(input.backfillId, (b) => {
    const next: BackfillRecord = {
      ...b,
      completed: b.completed + results.length - failed.length,
      failed: b.failed + failed.length,
      failureCodes: [...new Set([...b.failureCodes, ...failed.map((r) => r.failureCode!)])],
    };
    if (b.status === 'STOPPING') return { ...next, status: 'STOPPED', endedAt: now };
    const tried = next.completed + next.failed;
    if (tried >= EARLY_FAILURE_MIN_TRIED && next.failed * 2 >= tried) return { ...next, status: 'FAILED', failureCode: next.failureCodes[0], endedAt: now };
    return next;
  });
  return { backfillId: input.backfillId, destination: input.destination, cursor: cursor ?? {}, done: !cursor || !changed || backfillEnded(changed) };
}

/** FinishBackfill: COMPLETE when every image replicated, FAILED when any did not (STOPPED when it was being stopped). */
export async function finishBackfill(deps: Deps, _actor: Actor, input: BackfillState) {
  const now = deps.now().getTime();
  const b = await deps.registry.changeBackfill(input.backfillId, (b) => {
    if (backfillEnded(b)) return undefined;
    if (b.status === 'STOPPING') return { ...b, status: 'STOPPED', endedAt: now };
    return b.failed > 0 ? { ...b, status: 'FAILED', failureCode: b.failureCodes[0], endedAt: now } : { ...b, status: 'COMPLETE', endedAt: now };
  });
  return { status: b?.status, completed: b?.completed ?? 0, failed: b?.failed ?? 0 };
}

/** FailBackfill: the job itself failed (its error caught): the backfill ends FAILED. */
export async function failBackfill(deps: Deps, _actor: Actor, input: BackfillState) {
  const now = deps.now().getTime();
  await deps.registry.changeBackfill(input.backfillId, (b) => (backfillEnded(b) ? undefined : { ...b, status: 'FAILED', endedAt: now }));
  return { status: 'FAILED' };
}

/** The tasks of infra/replication-backfill.asl.json, keyed by state name. */
export const BACKFILL_TASKS = {
  PrepareBackfill: prepareBackfill,
  CopyBackfillBatch: copyBackfillBatch,
  FinishBackfill: finishBackfill,
  FailBackfill: failBackfill,
};

type Item = { repositoryName: string; uid: string; image: ImageRecord };

/** Copies one image (each of its tags) and records its replication status; its result. */
async function copyOne(deps: Deps, destination: Destination, { repositoryName, uid, image }: Item): Promise<BackfillResult> {
  const tags = await deps.images.tagsOf(uid, image.digest);
  const result: BackfillResult = { repositoryName, imageDigest: image.digest, ...(tags.length ? { imageTag: tags[0] } : {}), status: 'COMPLETE' };
  try {
    for (const tag of tags.length ? tags : [undefined]) {
      await copyImage(deps, { repositoryName, uid, digest: image.digest, ...(tag !== undefined ? { tag } : {}), destination });
    }
  } catch (e) {
    if (!(e instanceof ReplicationFailure)) throw e;
    result.status = 'FAILED';
    result.failureCode = e.code;
  }
  await deps.registry.putReplicationStatus(uid, image.digest, {
    ...destination,
    status: result.status,
    ...(result.failureCode ? { failureCode: result.failureCode } : {}),
    updatedAt: deps.now().getTime(),
  });
  return result;
}

/** Whether a repository replicates to `destination`: a rule naming it takes the repository. */
function matcher(configuration: ReplicationConfiguration | undefined, destination: Destination) {
  const rules = (configuration?.rules ?? []).filter((r) =>
    r.destinations.some((d) => d.region === destination.region && d.registryId === destination.registryId),
  );
  return (name: string) => rules.some((r) => ruleMatches(r, name));
}

/** Up to `limit` images from `cursor` on, in repository name then digest order; the cursor after them, undefined when none is left. */
async function nextImages(deps: Deps, matches: (name: string) => boolean, from: BackfillCursor, limit: number) {
  const cursor: BackfillCursor = structuredClone(from);
  const images: Item[] = [];
  while (images.length < limit) {
    if (!cursor.current) {
      const names = await deps.repositories.namesAfter(cursor.after, 100);
      if (!names.length) return { images, cursor: undefined };
      const name = names.find(matches);
      if (name === undefined) {
        cursor.after = names.at(-1);
        continue;
      }
      const repo = await deps.repositories.get(name);
      if (!repo) {
        cursor.after = name;
        continue;
      }
      cursor.current = { name, uid: repo.uid };
    }
    const current = cursor.current;
    const page = await deps.images.list(current.uid, limit - images.length, current.imageCursor);
    images.push(...page.items.map((image) => ({ repositoryName: current.name, uid: current.uid, image })));
    if (page.cursor) current.imageCursor = page.cursor;
    else {
      cursor.after = current.name;
      cursor.current = undefined;
    }
  }
  return { images, cursor };
}
