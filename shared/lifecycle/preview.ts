/**
 * Lifecycle policy previews: StartLifecyclePolicyPreview starts the infra/lifecycle-preview.asl.json state machine,
 * whose task evaluates the policy over the repository and stores the results in chunks; GetLifecyclePolicyPreview
 * reports IN_PROGRESS / COMPLETE / FAILED and pages through the results.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { GetLifecyclePolicyPreviewInput, StartLifecyclePolicyPreviewInput, LifecyclePolicyPreviewResult } from '../model/types.ts';
import { LifecyclePolicyNotFoundException, LifecyclePolicyPreviewInProgressException, LifecyclePolicyPreviewNotFoundException } from '../errors.ts';
import type { PreviewRecord, PreviewSummary } from '../store/lifecycle.ts';
import { authorize, openRepository, repositoryArn } from '../registry/common.ts';
import { nextToken, readToken } from '../registry/pagination.ts';
import type { ImageId } from '../registry/image-ids.ts';
import { evaluatePolicy } from './evaluate.ts';
import { parsePolicy } from './policy.ts';
import { readRepository } from './catalog.ts';

/** infra/lifecycle-preview.asl.json */
export const PREVIEW_MACHINE = 'lifecycle-preview';
/** An IN_PROGRESS preview older than this is reported FAILED (its execution was lost) and may be replaced. */
export const PREVIEW_TIMEOUT_MS = 20 * 60_000;
const CHUNK_SIZE = 500;
const DEFAULT_PAGE = 100;

/** A stored preview result: LifecyclePolicyPreviewResult with the push time in epoch milliseconds. */
type StoredResult = Omit<LifecyclePolicyPreviewResult, 'imagePushedAt'> & { imagePushedAt: number };
/** The input of the preview state machine's tasks (under `preview`). */
export type PreviewInput = { repositoryName: string; repositoryUid: string; runId: string; previous?: { runId: string; chunkCount: number } };
type Cursor = { runId: string; chunk: number; offset: number };

/** StartLifecyclePolicyPreview: previews the given policy text, or the repository's policy. */
export async function startLifecyclePolicyPreview(deps: Deps, actor: Actor, input: StartLifecyclePolicyPreviewInput) {
  const repo = await openRepository(deps, actor, 'ecr:StartLifecyclePolicyPreview', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const { lifecycle } = deps;
  const policyText: string | undefined = input.lifecyclePolicyText ?? (await lifecycle.getPolicy(repo.uid))?.policyText;
  if (policyText === undefined) throw policyNotFound(deps, repo.name);
  parsePolicy(policyText);
  const now = deps.now().getTime();
  const preview: PreviewRecord = { runId: randomUUID(), status: 'IN_PROGRESS', policyText, startedAt: now, expiresAt: now + PREVIEW_TIMEOUT_MS };
  const { started, previous } = await lifecycle.startPreview(repo.uid, preview, now);
  if (!started) {
    throw new LifecyclePolicyPreviewInProgressException(
      `Previous lifecycle policy preview request has not completed for the repository with name '${repo.name}' in the registry with id '${registryId}'`,
    );
  }
  const job: PreviewInput = {
    repositoryName: repo.name,
    repositoryUid: repo.uid,
    runId: preview.runId,
    ...(previous?.chunkCount ? { previous: { runId: previous.runId, chunkCount: previous.chunkCount } } : {}),
  };
  try {
    await deps.jobs.start(PREVIEW_MACHINE, { preview: job });
  } catch (e) {
    await lifecycle.finishPreview(repo.uid, preview.runId, { status: 'FAILED', finishedAt: deps.now().getTime(), error: (e as Error).message });
    throw e;
  }
  return { registryId, repositoryName: repo.name, lifecyclePolicyText: policyText, status: preview.status };
}

/** GetLifecyclePolicyPreview: the latest preview's status, summary and (when complete) results, a page at a time. */
export async function getLifecyclePolicyPreview(deps: Deps, actor: Actor, input: GetLifecyclePolicyPreviewInput) {
  const repo = await openRepository(deps, actor, 'ecr:GetLifecyclePolicyPreview', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const preview = await deps.lifecycle.getPreview(repo.uid);
  if (!preview) {
    throw new LifecyclePolicyPreviewNotFoundException(
      `Lifecycle policy preview does not exist for the repository with name '${repo.name}' in the registry with id '${registryId}'`,
    );
  }
  const lost = preview.status === 'IN_PROGRESS' && preview.expiresAt < deps.now().getTime();
  const status = lost ? 'FAILED' : preview.status;
  const base = { registryId, repositoryName: repo.name, lifecyclePolicyText: preview.policyText, status };
  if (status !== 'COMPLETE') return { ...base, previewResults: [] };
  const limit: number = input.maxResults ?? DEFAULT_PAGE;
  const wanted = imageFilter(input.imageIds, input.filter?.tagStatus);
  let cursor = readToken<Cursor>(deps, 'GetLifecyclePolicyPreview', repo.uid, input.nextToken) ?? { runId: preview.runId, chunk: 0, offset: 0 };
  if (cursor.runId !== preview.runId) cursor = { runId: preview.runId, chunk: 0, offset: 0 }; // a newer preview replaced the one paged through
  const results: StoredResult[] = [];
  while (results.length < limit && cursor.chunk < (preview.chunkCount ?? 0)) {
    const chunk = (await deps.lifecycle.getChunk<StoredResult>(repo.uid, 'preview', preview.runId, cursor.chunk)) ?? [];
    while (cursor.offset < chunk.length && results.length < limit) {
      const result = chunk[cursor.offset++];
      if (wanted(result)) results.push(result);
    }
    if (cursor.offset >= chunk.length) cursor = { ...cursor, chunk: cursor.chunk + 1, offset: 0 };
  }
  const more = cursor.chunk < (preview.chunkCount ?? 0);
  return {
    ...base,
    previewResults: results.map((r) => ({ ...r, imagePushedAt: new Date(r.imagePushedAt) })),
    summary: summaryView(preview.summary),
    ...(more ? { nextToken: nextToken(deps, 'GetLifecyclePolicyPreview', repo.uid, cursor) } : {}),
  };
}

/** Task EvaluatePreview: evaluates the previewed policy over the repository and completes the preview. */
export async function evaluatePreview(deps: Deps, actor: Actor, { preview: job }: { preview: PreviewInput }) {
  await authorize(deps, actor, 'ecr:StartLifecyclePolicyPreview', repositoryArn(deps.config, job.repositoryName));
  const { lifecycle } = deps;
  if (job.previous) await lifecycle.deleteChunks(job.repositoryUid, 'preview', job.previous.runId, job.previous.chunkCount);
  const preview = await lifecycle.getPreview(job.repositoryUid);
  if (preview?.runId !== job.runId) return { status: 'REPLACED' };
  const policy = parsePolicy(preview.policyText);
  const actions = evaluatePolicy(policy, await readRepository(deps, job.repositoryUid), deps.now().getTime());
  const results: StoredResult[] = actions
    .sort((a, b) => a.rulePriority - b.rulePriority || a.pushedAt - b.pushedAt || (a.digest < b.digest ? -1 : 1))
    .map((a) => ({
      ...(a.tags.length ? { imageTags: a.tags } : {}),
      imageDigest: a.digest,
      imagePushedAt: a.pushedAt,
      action: a.type === 'EXPIRE' ? { type: 'EXPIRE' } : { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' },
      appliedRulePriority: a.rulePriority,
      storageClass: a.storageClass,
    }));
  let chunkCount = 0;
  for (; chunkCount * CHUNK_SIZE < results.length; chunkCount++) {
    await lifecycle.putChunk(job.repositoryUid, 'preview', job.runId, chunkCount, results.slice(chunkCount * CHUNK_SIZE, (chunkCount + 1) * CHUNK_SIZE));
  }
  const summary: PreviewSummary = {
    expiring: actions.filter((a) => a.type === 'EXPIRE').length,
    transitioning: actions.filter((a) => a.type === 'TRANSITION').length,
    hasTransitionRule: policy.rules.some((r) => r.action === 'transition'),
  };
  const current = await lifecycle.finishPreview(job.repositoryUid, job.runId, {
    status: 'COMPLETE',
    finishedAt: deps.now().getTime(),
    chunkCount,
    resultCount: results.length,
    summary,
  });
  if (!current) await lifecycle.deleteChunks(job.repositoryUid, 'preview', job.runId, chunkCount);
  return { status: current ? 'COMPLETE' : 'REPLACED', results: results.length };
}

/** Task MarkPreviewFailed: the catch of the preview state machine. */
export async function markPreviewFailed(deps: Deps, _actor: Actor, state: { preview: PreviewInput; error?: { Error?: string; Cause?: string } }) {
  const error = `${state.error?.Error ?? 'Error'}: ${state.error?.Cause ?? 'unknown cause'}`;
  await deps.lifecycle.finishPreview(state.preview.repositoryUid, state.preview.runId, { status: 'FAILED', finishedAt: deps.now().getTime(), error });
  return { status: 'FAILED', error };
}

/** Results for the requested images (by digest or tag) and tag status. */
function imageFilter(imageIds: ImageId[] | undefined, tagStatus: string | undefined) {
  return (r: StoredResult) => {
    if (tagStatus === 'TAGGED' && !r.imageTags) return false;
    if (tagStatus === 'UNTAGGED' && r.imageTags) return false;
    if (!imageIds) return true;
    return imageIds.some(
      (id) => (id.imageDigest === undefined || id.imageDigest === r.imageDigest) && (id.imageTag === undefined || (r.imageTags ?? []).includes(id.imageTag)),
    );
  };
}

function summaryView(summary: PreviewSummary | undefined) {
  if (!summary) return undefined;
  return {
    expiringImageTotalCount: summary.expiring,
    ...(summary.hasTransitionRule || summary.transitioning
      ? { transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE' as const, imageTotalCount: summary.transitioning }] }
      : {}),
  };
}

/** The LifecyclePolicyNotFoundException ECR answers when a repository has no lifecycle policy. */
export function policyNotFound(deps: Deps, name: string) {
  return new LifecyclePolicyNotFoundException(
    `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${deps.config.registryId}'`,
  );
}
