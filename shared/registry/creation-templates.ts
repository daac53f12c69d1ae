/**
 * Repository creation templates applied: the one function every creator of repositories on a caller's behalf uses
 * (a push to a repository that does not exist, replication, pull through cache), and the push entry points' way of
 * opening their repository (`openForPush`). A template's prefix names a namespace, with a trailing `/` assumed:
 * `team-a` applies to `team-a/app`, not to `team-ab` nor to `team-a` itself; the longest matching prefix wins, and
 * `ROOT` applies when no other does.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { RepositoryAlreadyExistsException, RepositoryNotFoundException } from '../errors.ts';
import type { RCTAppliedFor } from '../model/types.ts';
import { templateKeyOf, type CreationTemplateRecord } from '../store/templates.ts';
import type { RepositoryRecord } from '../store/types.ts';
import { openRepository, repositoryNotFound } from './common.ts';
import { createRepositoryRecord } from './repositories.ts';

/** The prefix that applies to every repository no other template's prefix matches. */
export const ROOT_PREFIX = 'ROOT';

/** The prefixes that could apply to a repository name, longest first: each namespace it lies in, then ROOT. */
export function candidatePrefixes(repositoryName: string): string[] {
  const parts = repositoryName.split('/');
  const namespaces = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  return [...namespaces.reverse(), ROOT_PREFIX];
}

/** Does a template's prefix apply to the repository name (a trailing `/` assumed; ROOT to every name)? */
export function prefixMatches(prefix: string, repositoryName: string): boolean {
  const key = templateKeyOf(prefix);
  return key === ROOT_PREFIX || repositoryName.startsWith(`${key}/`);
}

/** The template for `purpose` whose prefix is the longest to match the name (ROOT last), if any. One read. */
export async function matchingTemplate(deps: Deps, repositoryName: string, purpose: RCTAppliedFor): Promise<CreationTemplateRecord | undefined> {
  const order = candidatePrefixes(repositoryName);
  const found = (await deps.templates.getMany(order)).filter((t) => t.appliedFor.includes(purpose));
  return found.sort((a, b) => order.indexOf(templateKeyOf(a.prefix)) - order.indexOf(templateKeyOf(b.prefix)))[0];
}

/**
 * Creates `repositoryName` for `purpose` with the settings of the matching template (tag mutability and its
 * filters, encryption, tags, repository policy, lifecycle policy), through CreateRepository's own path: the actor
 * needs ecr:CreateRepository on the new repository's ARN. Without a matching template, REPLICATION and
 * PULL_THROUGH_CACHE get the default settings and CREATE_ON_PUSH creates nothing (RepositoryNotFoundException, as a
 * push to a missing repository fails). When another creator took the name first, returns that repository: two first
 * pushes both go on, into one repository.
 */
export async function createRepositoryFromTemplate(
  deps: Deps,
  actor: Actor,
  repositoryName: string,
  appliedFor: RCTAppliedFor,
  marks: Pick<RepositoryRecord, 'pullThroughCache'> = {},
): Promise<RepositoryRecord> {
  const template = await matchingTemplate(deps, repositoryName, appliedFor);
  if (!template && appliedFor === 'CREATE_ON_PUSH') throw repositoryNotFound(deps, repositoryName);
  let repo: RepositoryRecord;
  try {
    repo = await createRepositoryRecord(deps, actor, {
      repositoryName,
      ...marks,
      ...(template
        ? {
            imageTagMutability: template.imageTagMutability,
            imageTagMutabilityExclusionFilters: template.imageTagMutabilityExclusionFilters,
            encryptionConfiguration: template.encryptionConfiguration,
            tags: template.resourceTags,
            policyText: template.repositoryPolicy || undefined,
          }
        : {}),
    });
  } catch (e) {
    if (!(e instanceof RepositoryAlreadyExistsException)) throw e;
    const existing = await deps.repositories.get(repositoryName);
    if (!existing) throw e;
    return existing;
  }
  // A second write: a process that dies between the two leaves the repository without the template's lifecycle policy.
  if (template?.lifecyclePolicy) await deps.lifecycle.putPolicy(repo.uid, repo.name, template.lifecyclePolicy, deps.now().getTime());
  return repo;
}

/**
 * Opens the repository the first write of a push goes to (OCI upload POST, mount or manifest PUT; ECR
 * InitiateLayerUpload or PutImage): as `openRepository`, but a repository that does not exist and that a
 * CREATE_ON_PUSH template matches is created first, which needs ecr:CreateRepository besides `action`. Without such
 * a template the push fails as before, with RepositoryNotFoundException.
 */
export async function openForPush(deps: Deps, actor: Actor, action: string, name: string, registryId?: string): Promise<RepositoryRecord> {
  try {
    return await openRepository(deps, actor, action, name, registryId);
  } catch (e) {
    if (!(e instanceof RepositoryNotFoundException)) throw e;
  }
  await createRepositoryFromTemplate(deps, actor, name, 'CREATE_ON_PUSH');
  // Opened again, so that the new repository's own policy (the template's) takes part in the push's decision.
  return openRepository(deps, actor, action, name, registryId);
}
