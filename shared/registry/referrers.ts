/** Referrers: the manifests whose `subject` is a given image (OCI 1.1), for the OCI API and ListImageReferrers. */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { ListImageReferrersInput } from '../model/types.ts';
import type { ReferrerRecord, RepositoryRecord } from '../store/types.ts';
import { openRepository } from './common.ts';
import { upstreamReferrers } from '../pull-through/referrers.ts';
import { storedReferrerArtifactType } from './manifests.ts';
import { nextToken, readToken } from './pagination.ts';

const DEFAULT_PAGE = 50;

/** The referrers of `subject`, filtered to the given artifact types (all when none), in digest order. */
async function referrersOf(deps: Deps, repo: RepositoryRecord, subject: string, artifactTypes?: string[]): Promise<ReferrerRecord[]> {
  const [local, upstream] = await Promise.all([deps.images.referrers(repo.uid, subject), upstreamReferrers(deps, repo, subject)]);
  // A pull through cache lists upstream's referrers too; one it has imported is listed once.
  const known = new Set(local.map((r) => r.digest));
  const all = [...local, ...upstream.filter((r) => !known.has(r.digest))].map(withArtifactType);
  const wanted = artifactTypes?.length ? new Set(artifactTypes) : undefined;
  return all.filter((r) => !wanted || (r.artifactType !== undefined && wanted.has(r.artifactType))).sort((a, b) => a.digest.localeCompare(b.digest));
}

/** A referrer with the artifactType OCI 1.1 lists, also for items written before it was stored for every image manifest. */
function withArtifactType(r: ReferrerRecord): ReferrerRecord {
  const artifactType = storedReferrerArtifactType(r.mediaType, r.artifactType);
  return artifactType === undefined ? r : { ...r, artifactType };
}

/** The referrers of an image (the OCI referrers API), filtered to the given artifact types. */
export async function listReferrers(
  deps: Deps,
  actor: Actor,
  input: { repositoryName: string; digest: string; artifactTypes?: string[] },
): Promise<ReferrerRecord[]> {
  const repo = await openRepository(deps, actor, 'ecr:BatchGetImage', input.repositoryName);
  return referrersOf(deps, repo, input.digest, input.artifactTypes);
}

/** ListImageReferrers: the ECR operation over the same data, paged with a sealed token. */
export async function listImageReferrers(deps: Deps, actor: Actor, input: ListImageReferrersInput) {
  const repo = await openRepository(deps, actor, 'ecr:ListImageReferrers', input.repositoryName, input.registryId);
  const subject: string = input.subjectId.imageDigest;
  const status: string = input.filter?.artifactStatus ?? 'ACTIVE';
  const found = status === 'ARCHIVED' ? [] : await referrersOf(deps, repo, subject, input.filter?.artifactTypes);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  const scope = `${repo.uid}#${subject}#${status}#${(input.filter?.artifactTypes ?? []).join(',')}`;
  const offset = readToken<number>(deps, 'ListImageReferrers', scope, input.nextToken) ?? 0;
  const page = found.slice(offset, offset + limit);
  return {
    referrers: page.map((r) => ({ ...r, artifactStatus: 'ACTIVE' as const })),
    ...(offset + limit < found.length ? { nextToken: nextToken(deps, 'ListImageReferrers', scope, offset + limit) } : {}),
  };
}
