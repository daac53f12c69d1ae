/** Referrers: the manifests whose `subject` is a given image (OCI 1.1), for the OCI API and ListImageReferrers. */
import type { CallContext } from '../protocol/ecr-handler.ts';
import type { ReferrerRecord, RepositoryRecord } from '../store/types.ts';
import { checkRegistryId, requireRepository } from './common.ts';
import { nextToken, readToken } from './pagination.ts';

const DEFAULT_PAGE = 50;

/** The referrers of `subject`, filtered to the given artifact types (all when none), in digest order. */
export async function referrersOf(call: CallContext, repo: RepositoryRecord, subject: string, artifactTypes?: string[]): Promise<ReferrerRecord[]> {
  const all = await call.deps.images.referrers(repo.uid, subject);
  const wanted = artifactTypes?.length ? new Set(artifactTypes) : undefined;
  return all.filter((r) => !wanted || (r.artifactType !== undefined && wanted.has(r.artifactType))).sort((a, b) => a.digest.localeCompare(b.digest));
}

/** ListImageReferrers: the ECR operation over the same data, paged with a sealed token. */
export async function listImageReferrers(input: any, call: CallContext) {
  checkRegistryId(call, input.registryId);
  const repo = await requireRepository(call, input.repositoryName);
  const subject: string = input.subjectId.imageDigest;
  const status: string = input.filter?.artifactStatus ?? 'ACTIVE';
  const found = status === 'ARCHIVED' ? [] : await referrersOf(call, repo, subject, input.filter?.artifactTypes);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  const scope = `${repo.uid}#${subject}#${status}#${(input.filter?.artifactTypes ?? []).join(',')}`;
  const offset = readToken<number>(call, scope, input.nextToken) ?? 0;
  const page = found.slice(offset, offset + limit);
  return {
    referrers: page.map((r) => ({ ...r, artifactStatus: 'ACTIVE' })),
    ...(offset + limit < found.length ? { nextToken: nextToken(call, scope, offset + limit) } : {}),
  };
}
