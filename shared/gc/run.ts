/**
 * A garbage collection run, in pages: the Task states of infra/gc.asl.json call `gcStep` until it says done, then
 * `finishGc`. The state carries only a phase and a cursor (never a list), so a registry of any size fits Step
 * Functions' 256 KB and every step's memory is bounded by one page (and one repository's referenced digests).
 *
 * - `marks` (started when marks are due): each mark past its grace period: REPO collects the repository's links and
 *   uploads, PART releases a deleted repository's partition and removes what is left of it, BLOB collects the blob.
 * - `sweep` (every REGISTRY_GC_INTERVAL_SECONDS): every repository (links, with legacy blobs adopted, and uploads),
 *   then every blob record, shard by shard: whatever a lost mark missed.
 * Two runs at once, or a run killed halfway, are safe: every removal is conditional, marks stay until dealt with.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { ecrEvent } from '../events/publisher.ts';
import { logger } from '../observe/logger.ts';
import { BLOB_SHARDS } from '../store/keys.ts';
import type { GcMark } from '../store/gc.ts';
import { collectBlob, collectBlobs, collectChunks, collectLinks, collectScans, collectUploads, graceMs, noCounts, type GcCounts } from './collect.ts';
import { markBlobs } from './marks.ts';

/** The service actor of garbage collection asks this (it removes only what deletions gave up). */
export const GC_ACTION = 'ecr:BatchDeleteImage';

export type GcMode = 'marks' | 'sweep';
export type GcRunState = {
  runId: string;
  mode: GcMode;
  startedAt: number;
  phase: 'marks' | 'repositories' | 'blobs' | 'done';
  cursor?: Record<string, any>;
  /** The shard (index into BLOB_SHARDS) the blob phase is in. */
  shard?: number;
  /** The claim token of this run's blob collections. */
  token: string;
  counts: GcCounts;
};

/** Things a step handles before it hands back (a Lambda invocation stays short and its memory one page). */
const MARKS_PER_STEP = 50;
const REPOSITORIES_PER_STEP = 20;
const BLOBS_PER_STEP = 500;

/** The first state of a run. */
export function startGcState(deps: Deps, mode: GcMode, runId = randomUUID()): GcRunState {
  return { runId, mode, startedAt: deps.now().getTime(), phase: mode === 'marks' ? 'marks' : 'repositories', token: runId, counts: noCounts() };
}

/** One page of a run: returns the state to continue from (`phase: 'done'` when finished). */
export async function gcStep(deps: Deps, actor: Actor, state: GcRunState): Promise<GcRunState> {
  await deps.authorizer.authorize(actor, GC_ACTION, ANY_RESOURCE);
  const counts = { ...state.counts };
  if (state.phase === 'marks') {
    const page = await deps.gc.marks(MARKS_PER_STEP, state.cursor);
    for (const mark of page.items) await collectMark(deps, mark, counts, state.token);
    return { ...state, counts, ...(page.cursor ? { cursor: page.cursor } : { phase: 'done', cursor: undefined }) };
  }
  if (state.phase === 'repositories') {
    const page = await deps.repositories.list(REPOSITORIES_PER_STEP, state.cursor);
    for (const repo of page.items) {
      await collectLinks(deps, repo.uid, counts, state.token, true);
      await collectUploads(deps, repo.uid, counts);
      await collectChunks(deps, repo.uid, counts);
      await collectScans(deps, repo.uid, counts);
    }
    return { ...state, counts, ...(page.cursor ? { cursor: page.cursor } : { phase: 'blobs', cursor: undefined, shard: 0 }) };
  }
  if (state.phase === 'blobs') {
    const shard = state.shard ?? 0;
    const page = await deps.gc.blobs(BLOB_SHARDS[shard], BLOBS_PER_STEP, state.cursor);
    await collectBlobs(deps, page.items, counts, state.token);
    if (page.cursor) return { ...state, counts, cursor: page.cursor };
    const next = shard + 1;
    return next < BLOB_SHARDS.length ? { ...state, counts, cursor: undefined, shard: next } : { ...state, counts, cursor: undefined, phase: 'done' };
  }
  return state;
}

/** Deals with one mark if its grace period is over, and clears it once dealt with (unless marked again meanwhile). */
async function collectMark(deps: Deps, mark: GcMark, counts: GcCounts, token: string): Promise<void> {
  counts.looked++;
  const now = deps.now().getTime();
  if (mark.markedAt > now - graceMs(deps)) {
    counts.deferred++;
    return;
  }
  if (mark.kind === 'BLOB') {
    const outcome = await collectBlob(deps, mark.id, counts, token);
    if (outcome !== 'young') await deps.gc.clearMark(mark);
    return;
  }
  if (mark.kind === 'MANIFEST') {
    await collectManifest(deps, mark, counts);
    await deps.gc.clearMark(mark);
    return;
  }
  const live = mark.name !== undefined && (await deps.repositories.get(mark.name))?.uid === mark.id;
  if (live) {
    // A repository whose images were deleted (or a repository deletion that never happened).
    if (mark.kind === 'REPO' && (await collectLinks(deps, mark.id, counts, token)) === 'deferred') return;
    if (mark.kind === 'REPO') await collectUploads(deps, mark.id, counts);
    if (mark.kind === 'REPO') await collectChunks(deps, mark.id, counts);
    if (mark.kind === 'REPO') await collectScans(deps, mark.id, counts);
  } else {
    await collectPartition(deps, mark.id, counts, token);
  }
  await deps.gc.clearMark(mark);
}

/**
 * A deleted image's manifest object, unless the image item is back with it (a delete by tag puts an image back when a
 * push tagged it meanwhile). Object keys are per image item, never reused, so nothing else can name it.
 */
async function collectManifest(deps: Deps, mark: GcMark, counts: GcCounts): Promise<void> {
  // Objects of images stored before per-item keys (`manifests/<alg>/<hex>`) may be shared by repositories: left alone.
  if (mark.id.split('/').length !== 4) return;
  const [uid, digest] = (mark.name ?? '').split('#');
  if (uid && digest && (await deps.images.get(uid, digest))?.manifestObject === mark.id) return;
  const size = await deps.blobs.size(mark.id);
  if (size === undefined) return;
  await deps.blobs.delete([mark.id]);
  counts.freedObjects++;
  counts.freedBytes += size;
}

/** A deleted repository's partition: its blobs marked and given up, then collected; its uploads freed; its items removed. */
async function collectPartition(deps: Deps, uid: string, counts: GcCounts, token: string): Promise<void> {
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.gc.links(uid, 500, cursor);
    const digests = page.items.map((l) => l.digest);
    counts.looked += digests.length;
    await markBlobs(deps, digests);
    for (const digest of digests) await deps.gc.unreference(digest, uid);
    counts.links += digests.length;
    for (const digest of digests) await collectBlob(deps, digest, counts, token);
    cursor = page.cursor;
  } while (cursor);
  // Every upload of a dead partition is abandoned, whatever its expiry.
  await collectUploads(deps, uid, counts, Number.MAX_SAFE_INTEGER);
  await deps.repositories.deleteContents(uid);
}

/** Ends a run: one log line and one event with what it looked at and freed; a sweep records itself as the last one. */
export async function finishGc(deps: Deps, actor: Actor, state: GcRunState): Promise<GcRunState> {
  await deps.authorizer.authorize(actor, GC_ACTION, ANY_RESOURCE);
  await releaseClaim(deps, state, true);
  const durationMs = deps.now().getTime() - state.startedAt;
  logger.info({ gc: { runId: state.runId, mode: state.mode, durationMs, ...state.counts } }, 'garbage collection finished');
  await deps.events.publish([
    ecrEvent(
      'Registry Garbage Collection',
      deps.config.registryId,
      deps.config.region,
      { 'run-id': state.runId, mode: state.mode, durationMs, ...state.counts },
      [],
      deps.now(),
    ),
  ]);
  return { ...state, phase: 'done' };
}

/** Ends the run's claim (shared/gc/triggers.ts) so the tick may start the next; a finished sweep records itself as the last. */
async function releaseClaim(deps: Deps, state: GcRunState, finished: boolean): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.gc.state();
    const next =
      state.mode === 'sweep'
        ? { ...current, sweepClaimedAt: undefined, ...(finished ? { lastSweepAt: state.startedAt, adoptedAt: current.adoptedAt ?? state.startedAt } : {}) }
        : { ...current, marksClaimedAt: undefined };
    if (await deps.gc.saveState(next)) return;
  }
}

/** Records a failed run (the machine's Catch): one log line; the marks stay for the next run. */
export async function failGc(deps: Deps, actor: Actor, input: { state?: GcRunState; error?: unknown }): Promise<{ failed: true }> {
  await deps.authorizer.authorize(actor, GC_ACTION, ANY_RESOURCE);
  if (input.state) await releaseClaim(deps, input.state, false);
  logger.error({ gc: { runId: input.state?.runId, mode: input.state?.mode, error: input.error } }, 'garbage collection failed');
  return { failed: true };
}

/** Runs a whole collection in this process, step after step (the `npm run gc` command and the tests). */
export async function runGc(deps: Deps, actor: Actor, mode: GcMode): Promise<GcRunState> {
  let state = startGcState(deps, mode);
  while (state.phase !== 'done') state = await gcStep(deps, actor, state);
  return finishGc(deps, actor, state);
}
