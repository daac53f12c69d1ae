/**
 * Lifecycle apply runs: who may start one (one run per repository at a time, later triggers queue one more),
 * and the tasks of the infra/lifecycle-apply.asl.json state machine — evaluate, apply batches, finish or fail.
 * Expiring goes through deleteImageId, the path BatchDeleteImage takes, so every expired image publishes its
 * "ECR Image Action" DELETE events; archiving goes through the path UpdateImageStorageClass takes.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { AuditRecord, RunOutcome } from '../store/lifecycle.ts';
import { deleteImageId } from '../registry/images.ts';
import { archiveImage } from '../registry/storage-class.ts';
import { mapLimit } from '../util/map-limit.ts';
import { evaluatePolicy, type PlannedAction } from './evaluate.ts';
import { parsePolicy } from './policy.ts';
import { readRepository } from './catalog.ts';
import type { Actor } from '../domain/actor.ts';
import { authorize, repositoryArn } from '../registry/common.ts';

/** infra/lifecycle-apply.asl.json */
export const APPLY_MACHINE = 'lifecycle-apply';
/** A run that has not finished after this long is considered lost and its lease may be taken over. */
export const RUN_LEASE_MS = 30 * 60_000;
/** Planned actions per batch: one ApplyBatch task each. */
export const BATCH_SIZE = 100;
/** How long audit records are kept. */
export const AUDIT_RETENTION_MS = 90 * 24 * 3600_000;
const IMAGES_IN_FLIGHT = 8;

/** Why a run started: an image push, a policy change, the daily schedule, or a trigger queued behind a run. */
export type Trigger = 'PUSH' | 'POLICY_CHANGE' | 'SCHEDULE' | 'RERUN';
/** What every task of a run receives. */
export type RunInput = { repositoryName: string; repositoryUid: string; runId: string; trigger: Trigger; startedAt: number };
type Plan = { policyVersion: number; evaluatedAt: number; batches: number[]; planned: number };
type BatchResult = { expired: number; transitioned: number; skipped: number };

/**
 * Starts an apply run for the repository if it has a policy and no run is going; if one is, it asks for one more
 * run after it (so a burst of triggers gives at most two runs). Both the local bus and EventBridge call this.
 */
export async function requestLifecycleRun(deps: Deps, repositoryName: string, trigger: Trigger): Promise<'started' | 'queued' | 'none'> {
  const repo = await deps.repositories.get(repositoryName);
  if (!repo) return 'none';
  const now = deps.now().getTime();
  const run: RunInput = { repositoryName, repositoryUid: repo.uid, runId: randomUUID(), trigger, startedAt: now };
  const claimed = await deps.lifecycle.claimRun(repo.uid, { id: run.runId, trigger, startedAt: now, expiresAt: now + RUN_LEASE_MS }, now);
  if (claimed !== 'started') return claimed;
  try {
    await deps.jobs.start(APPLY_MACHINE, { run });
  } catch (e) {
    await deps.lifecycle.finishRun(
      repo.uid,
      outcome(run, 'FAILED', { expired: 0, transitioned: 0, skipped: 0 }, deps.now().getTime(), `Could not start the run: ${(e as Error).message}`),
    );
    throw e;
  }
  return 'started';
}

/** The daily schedule: a run for every repository with a lifecycle policy. Returns how many were started or queued. */
export async function runScheduledLifecycle(deps: Deps, _actor: Actor): Promise<number> {
  let requested = 0;
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.lifecycle.listPolicies(100, cursor);
    for (const { repositoryName } of page.items) {
      try {
        if ((await requestLifecycleRun(deps, repositoryName, 'SCHEDULE')) !== 'none') requested++;
      } catch (e) {
        console.error(JSON.stringify({ level: 'error', message: 'scheduled lifecycle run failed to start', repositoryName, error: String(e) }));
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return requested;
}

/** Task EvaluateApply: evaluates the policy over the whole repository and stores the planned actions in batches. */
export async function evaluateApply(deps: Deps, _actor: Actor, { run }: { run: RunInput }): Promise<Plan> {
  const policy = await currentPolicy(deps, run);
  if (!policy) return { policyVersion: -1, evaluatedAt: deps.now().getTime(), batches: [], planned: 0 };
  const evaluatedAt = deps.now().getTime();
  const actions = evaluatePolicy(parsePolicy(policy.policyText), await readRepository(deps, run.repositoryUid), evaluatedAt);
  const batches: number[] = [];
  for (let i = 0; i * BATCH_SIZE < actions.length; i++) {
    await deps.lifecycle.putChunk(run.repositoryUid, 'plan', run.runId, i, actions.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE), evaluatedAt + RUN_LEASE_MS * 2);
    batches.push(i);
  }
  return { policyVersion: policy.version, evaluatedAt, batches, planned: actions.length };
}

/**
 * Task ApplyBatch: applies one batch of the plan while the run still holds the lease under the same policy
 * version. Re-checks each image first (gone, retagged, restored or archived meanwhile: skipped). Idempotent.
 */
export async function applyBatch(
  deps: Deps,
  actor: Actor,
  { run, policyVersion, batch }: { run: RunInput; policyVersion: number; batch: number },
): Promise<BatchResult> {
  const result: BatchResult = { expired: 0, transitioned: 0, skipped: 0 };
  const repo = await deps.repositories.get(run.repositoryName);
  const policy = repo?.uid === run.repositoryUid ? await currentPolicy(deps, run) : undefined;
  const actions = await deps.lifecycle.getChunk<PlannedAction>(run.repositoryUid, 'plan', run.runId, batch);
  if (!repo || !policy || policy.version !== policyVersion) return { ...result, skipped: actions?.length ?? 0 };
  if (!actions) throw new Error(`Batch ${batch} of the plan of lifecycle run ${run.runId} is missing`);
  // The run acts as the lifecycle service: asked like any caller, once per batch for each kind of action.
  if (actions.some((a) => a.type === 'EXPIRE')) await authorize(deps, actor, 'ecr:BatchDeleteImage', repositoryArn(deps.config, repo.name));
  if (actions.some((a) => a.type === 'TRANSITION')) await authorize(deps, actor, 'ecr:UpdateImageStorageClass', repositoryArn(deps.config, repo.name));
  const audits: AuditRecord[] = [];
  const apply = async (action: PlannedAction) => {
    const image = await deps.images.get(repo.uid, action.digest);
    const tags = image ? (await deps.images.tagsOf(repo.uid, action.digest)).sort() : [];
    const unchanged = image && (image.archived === true) === (action.storageClass === 'ARCHIVE') && tags.join('\n') === action.tags.join('\n');
    let done = false;
    if (unchanged && action.type === 'EXPIRE') done = !('failure' in (await deleteImageId(deps, repo, { imageDigest: action.digest })));
    if (unchanged && action.type === 'TRANSITION') done = await archiveImage(deps, repo, action.digest);
    if (!done) {
      result.skipped++;
      return;
    }
    if (action.type === 'EXPIRE') result.expired++;
    else result.transitioned++;
    audits.push({
      at: deps.now().getTime(),
      runStartedAt: run.startedAt,
      runId: run.runId,
      digest: action.digest,
      tags: action.tags,
      action: action.type,
      rulePriority: action.rulePriority,
      trigger: run.trigger,
    });
  };
  // Manifest lists go first (the plan puts them first): their children may only go once they are gone.
  for (const action of actions.filter((a) => a.parent)) await apply(action);
  await mapLimit(
    actions.filter((a) => !a.parent),
    IMAGES_IN_FLIGHT,
    apply,
  );
  await deps.lifecycle.putAudit(repo.uid, audits, AUDIT_RETENTION_MS);
  return result;
}

/** Task FinishRun: records the outcome and lastEvaluatedAt, removes the plan, and starts the run asked for meanwhile. */
export async function finishRun(deps: Deps, _actor: Actor, { run, plan, results }: { run: RunInput; plan: Plan; results: BatchResult[] }) {
  const totals = results.reduce(
    (sum, r) => ({ expired: sum.expired + r.expired, transitioned: sum.transitioned + r.transitioned, skipped: sum.skipped + r.skipped }),
    { expired: 0, transitioned: 0, skipped: 0 },
  );
  const done = outcome(run, 'SUCCEEDED', totals, deps.now().getTime());
  await end(deps, run, done, plan);
  return done;
}

/** Task MarkRunFailed: the catch of the state machine; records the run as failed with its error. */
export async function markRunFailed(deps: Deps, _actor: Actor, state: { run: RunInput; plan?: Plan; error?: { Error?: string; Cause?: string } }) {
  const failed = outcome(
    state.run,
    'FAILED',
    { expired: 0, transitioned: 0, skipped: 0 },
    deps.now().getTime(),
    `${state.error?.Error ?? 'Error'}: ${state.error?.Cause ?? 'unknown cause'}`,
  );
  await end(deps, state.run, failed, state.plan);
  return failed;
}

async function end(deps: Deps, run: RunInput, result: RunOutcome, plan?: Plan) {
  const evaluated = plan && plan.policyVersion >= 0 ? plan.evaluatedAt : undefined;
  const { rerun } = await deps.lifecycle.finishRun(run.repositoryUid, result, evaluated);
  if (plan?.batches.length) await deps.lifecycle.deleteChunks(run.repositoryUid, 'plan', run.runId, plan.batches.length);
  if (rerun) await requestLifecycleRun(deps, run.repositoryName, 'RERUN');
}

/** The repository's policy while this run holds its lease; undefined once the policy or the lease is gone. */
async function currentPolicy(deps: Deps, run: RunInput) {
  const policy = await deps.lifecycle.getPolicy(run.repositoryUid);
  return policy?.run?.id === run.runId ? policy : undefined;
}

function outcome(run: RunInput, status: RunOutcome['status'], totals: BatchResult, finishedAt: number, error?: string): RunOutcome {
  return { id: run.runId, trigger: run.trigger, status, startedAt: run.startedAt, finishedAt, ...totals, ...(error ? { error } : {}) };
}
