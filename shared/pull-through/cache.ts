/**
 * The pull side of a pull through cache: a pull (OCI manifest GET/HEAD, BatchGetImage, DescribeImages by tag) of a
 * repository that does not exist and that a rule's prefix matches creates it from the PULL_THROUGH_CACHE creation
 * template (`openForPull`); a pull of an image such a repository lacks imports it from upstream, and a pull of a tag
 * checks it against upstream at most once per PULL_THROUGH_CACHE_REFRESH_SECONDS (`ensureCached`). Importing needs
 * ecr:BatchImportUpstreamImage (and ecr:CreateRepository for the repository), as in ECR. Concurrent pulls of one
 * reference import it once (`importOnce`: one in-process flight, and across processes an import lease).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ImageNotFoundException, RepositoryNotFoundException, UnableToGetUpstreamImageException } from '../errors.ts';
import type { ImageFailureCode } from '../model/types.ts';
import { logger } from '../observe/logger.ts';
import { authorize, openRepository, repositoryArn } from '../registry/common.ts';
import { candidatePrefixes, createRepositoryFromTemplate } from '../registry/creation-templates.ts';
import type { ImageId } from '../registry/image-ids.ts';
import { ruleKeyOf, type PullThroughRuleRecord } from '../store/pull-through.ts';
import type { RepositoryRecord } from '../store/types.ts';
import { UpstreamError } from './client.ts';
import { importImage, upstreamDigest, type UpstreamRepository } from './import.ts';
import { upstreamClient } from './rules.ts';
import { upstreamRepositoryOf } from './upstreams.ts';

/** How long an import lease holds (an importer that dies frees its reference after this). */
export const IMPORT_LEASE_MS = 120_000;
/** After a failed check of a cached tag, upstream is asked again after this long (at most the refresh interval). */
export const RETRY_AFTER_FAILURE_MS = 300_000;
/** How often a pull waiting for another process's import looks again. */
const LEASE_POLL_MS = 100;

/** The rule whose prefix is the longest to match the repository name (ROOT last), if any. One read. */
export async function matchingRule(deps: Deps, repositoryName: string): Promise<PullThroughRuleRecord | undefined> {
  const order = candidatePrefixes(repositoryName);
  const found = await deps.pullThrough.getMany(order);
  return found.sort((a, b) => order.indexOf(ruleKeyOf(a.ecrRepositoryPrefix)) - order.indexOf(ruleKeyOf(b.ecrRepositoryPrefix)))[0];
}

/**
 * Opens a repository for a pull of `ids`, as `openRepository`; a repository that does not exist and that a rule
 * matches is created first from the PULL_THROUGH_CACHE template (ecr:BatchImportUpstreamImage, then
 * ecr:CreateRepository), once upstream has said it holds one of the images: a pull of what upstream lacks creates
 * nothing and stays RepositoryNotFoundException (UnableToGetUpstreamImageException when upstream cannot answer).
 */
export async function openForPull(
  deps: Deps,
  actor: Actor,
  action: string,
  name: string,
  registryId: string | undefined,
  ids: ImageId[],
): Promise<RepositoryRecord> {
  try {
    return await openRepository(deps, actor, action, name, registryId);
  } catch (e) {
    if (!(e instanceof RepositoryNotFoundException)) throw e;
    const rule = await matchingRule(deps, name);
    if (!rule) throw e;
    await authorize(deps, actor, 'ecr:BatchImportUpstreamImage', repositoryArn(deps.config, name), { repository: null });
    if (!(await askedOnce(name, ids, () => upstreamHolds(deps, rule, name, ids)))) throw e;
    await createRepositoryFromTemplate(deps, actor, name, 'PULL_THROUGH_CACHE', { pullThroughCache: rule.ecrRepositoryPrefix });
    return openRepository(deps, actor, action, name, registryId);
  }
}

/** Questions to upstream under way in this process: concurrent first pulls of one image ask once. */
const questions = new Map<string, Promise<boolean>>();

function askedOnce(name: string, ids: ImageId[], ask: () => Promise<boolean>): Promise<boolean> {
  const key = `${name}|${ids.map((id) => id.imageDigest ?? id.imageTag).join(',')}`;
  const running = questions.get(key);
  if (running) return running;
  const asked = ask().finally(() => questions.delete(key));
  questions.set(key, asked);
  return asked;
}

/** Whether upstream holds one of the images (a manifest HEAD each, until one answers); upstream failures as the domain's. */
async function upstreamHolds(deps: Deps, rule: PullThroughRuleRecord, name: string, ids: ImageId[]): Promise<boolean> {
  const references = [...new Set(ids.map((id) => id.imageDigest ?? id.imageTag).filter((r): r is string => r !== undefined))];
  return asDomainError(name, references.join(', '), async () => {
    const upstream = await upstreamOf(deps, rule, name);
    for (const reference of references) {
      try {
        await upstreamDigest(upstream, reference);
        return true;
      } catch (e) {
        if (!(e instanceof UpstreamError && e.status === 404)) throw e;
      }
    }
    return false;
  });
}

/**
 * Makes the image `id` names present and current in a cached repository (nothing for another repository, or once
 * its rule is gone): a missing image is imported (ecr:BatchImportUpstreamImage); a tag not checked for the refresh
 * interval is checked against upstream and moved when upstream moved it. When upstream cannot answer, a cached tag
 * is served as it is; a missing image is ImageNotFoundException (upstream has no such image) or
 * UnableToGetUpstreamImageException.
 */
export async function ensureCached(deps: Deps, actor: Actor, repo: RepositoryRecord, id: ImageId): Promise<void> {
  if (repo.pullThroughCache === undefined) return;
  if (id.imageDigest !== undefined) {
    if (await deps.images.get(repo.uid, id.imageDigest)) return;
    const rule = await deps.pullThrough.get(repo.pullThroughCache);
    if (!rule) return;
    await authorize(deps, actor, 'ecr:BatchImportUpstreamImage', repositoryArn(deps.config, repo.name), { repository: repo });
    const digest = id.imageDigest;
    await importOnce(deps, repo, digest, async () => {
      if (await deps.images.get(repo.uid, digest)) return;
      await asDomainError(repo.name, digest, async () => importImage(deps, repo, await upstreamOf(deps, rule, repo.name), digest));
    });
    return;
  }
  const tag = id.imageTag;
  if (tag === undefined || (await tagIsFresh(deps, repo, tag)).fresh) return;
  const rule = await deps.pullThrough.get(repo.pullThroughCache);
  if (!rule) return;
  const cached = await deps.images.getTag(repo.uid, tag);
  // Refreshing a cached tag is the registry's own upkeep; bringing in an image the repository lacks is the caller's import.
  if (!cached) await authorize(deps, actor, 'ecr:BatchImportUpstreamImage', repositoryArn(deps.config, repo.name), { repository: repo });
  await importOnce(deps, repo, `tag:${tag}`, async () => {
    const now = await tagIsFresh(deps, repo, tag);
    if (now.fresh) return;
    try {
      const upstream = await upstreamOf(deps, rule, repo.name);
      const digest = now.current ? await upstreamDigest(upstream, tag) : undefined;
      const imported = digest !== undefined && digest === now.current ? digest : await importImage(deps, repo, upstream, tag, tag);
      await deps.pullThrough.putTagCheck(repo.uid, { tag, digest: imported, checkedAt: deps.now().getTime() });
    } catch (e) {
      if (!now.current) return raise(repo.name, tag, e);
      // Upstream unreachable, or its new image refused (an immutable tag): the cached image is served, and upstream
      // asked again after RETRY_AFTER_FAILURE_MS (or the refresh interval, when shorter) rather than at every pull.
      logger.warn({ repository: repo.name, tag, error: (e as Error).message }, 'pull through cache: upstream check failed; serving the cached tag');
      const refreshMs = deps.config.pullThroughRefreshSeconds * 1000;
      const checkedAt = deps.now().getTime() - Math.max(0, refreshMs - RETRY_AFTER_FAILURE_MS);
      await deps.pullThrough.putTagCheck(repo.uid, { tag, digest: now.current, checkedAt });
    }
  });
}

/** The BatchGetImage failure code of an upstream failure, as ECR names them. */
export function upstreamFailureCode(e: unknown): ImageFailureCode | undefined {
  if (!(e instanceof UnableToGetUpstreamImageException)) return undefined;
  const status = Number(e.fields.upstreamStatus ?? 0);
  return status === 401 || status === 403 ? 'UpstreamAccessDenied' : status === 429 ? 'UpstreamTooManyRequests' : 'UpstreamUnavailable';
}

async function tagIsFresh(deps: Deps, repo: RepositoryRecord, tag: string): Promise<{ fresh: boolean; current?: string }> {
  const [current, check] = await Promise.all([deps.images.getTag(repo.uid, tag), deps.pullThrough.getTagCheck(repo.uid, tag)]);
  const age = check ? deps.now().getTime() - check.checkedAt : Number.POSITIVE_INFINITY;
  return { fresh: !!current && !!check && check.digest === current.digest && age < deps.config.pullThroughRefreshSeconds * 1000, current: current?.digest };
}

async function upstreamOf(deps: Deps, rule: PullThroughRuleRecord, repositoryName: string): Promise<UpstreamRepository> {
  const client = await upstreamClient(deps, rule);
  return { client, name: upstreamRepositoryOf(ruleKeyOf(rule.ecrRepositoryPrefix), rule.upstreamRepositoryPrefix, repositoryName) };
}

async function asDomainError<T>(repositoryName: string, reference: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    return raise(repositoryName, reference, e);
  }
}

/** An upstream failure as the domain error a pull reports; anything else as it is. */
function raise(repositoryName: string, reference: string, e: unknown): never {
  if (!(e instanceof UpstreamError)) throw e;
  if (e.status === 404)
    throw new ImageNotFoundException(`The image '${reference}' was not found in the upstream registry of '${repositoryName}': ${e.message}`);
  throw new UnableToGetUpstreamImageException(`The image '${reference}' of '${repositoryName}' could not be fetched from its upstream registry: ${e.message}`, {
    ...(e.status !== undefined ? { upstreamStatus: e.status } : {}),
  });
}

/** Imports under way in this process, by repository incarnation and reference. */
const flights = new Map<string, Promise<void>>();

/**
 * Runs `work` for (repository, reference) once at a time: a pull arriving while this process imports the same
 * reference joins that import; across processes, the import lease (LEASE_IS_FREE) admits one importer and the
 * others wait for it to end, then run `work`, which finds the import done (it re-reads before it fetches).
 */
export function importOnce(deps: Deps, repo: RepositoryRecord, reference: string, work: () => Promise<void>): Promise<void> {
  const key = `${repo.uid}|${reference}`;
  const running = flights.get(key);
  if (running) return running;
  const flight = (async () => {
    const owner = randomUUID();
    const waitUntil = Date.now() + IMPORT_LEASE_MS;
    for (;;) {
      const now = deps.now().getTime();
      if (await deps.pullThrough.claimImport(repo.uid, reference, owner, now, now + IMPORT_LEASE_MS)) break;
      if (Date.now() > waitUntil) throw new UnableToGetUpstreamImageException(`Another import of '${reference}' into '${repo.name}' did not finish in time`);
      await new Promise((r) => setTimeout(r, LEASE_POLL_MS));
    }
    try {
      await work();
    } finally {
      await deps.pullThrough.releaseImport(repo.uid, reference, owner).catch(() => undefined);
    }
  })().finally(() => flights.delete(key));
  flights.set(key, flight);
  return flight;
}
