/**
 * Name listings in name order after a given name, at most `n` (the OCI API's `tags/list` and `_catalog`, paged by
 * `n` and `last`): the tags of a repository, and the repositories of the registry.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { AccessDeniedException } from '../errors.ts';
import { authorize, openRepository, repositoryArn } from './common.ts';

/** Names read from the store at a time. */
const PAGE = 1000;

/** A page of names, and whether more follow it. */
export type NamePage = { names: string[]; more: boolean };
/** After `last` (from the first when undefined), at most `n` (every one when undefined). */
export type NamePaging = { last?: string; n?: number };

/** A repository's tags in tag order. */
export async function listTagNames(deps: Deps, actor: Actor, input: NamePaging & { repositoryName: string }): Promise<NamePage & { repositoryName: string }> {
  const repo = await openRepository(deps, actor, 'ecr:ListImages', input.repositoryName);
  const page = await collect(async (after, limit) => (await deps.images.tagsAfter(repo.uid, after, limit)).map((t) => t.tag), input);
  return { ...page, repositoryName: repo.name };
}

/** The registry's repositories in name order: those the actor may describe (ecr:DescribeRepositories on each), possibly none. */
export async function listRepositoryNames(deps: Deps, actor: Actor, input: NamePaging): Promise<NamePage> {
  const describable = async (name: string) => {
    try {
      await authorize(deps, actor, 'ecr:DescribeRepositories', repositoryArn(deps.config, name));
      return true;
    } catch (e) {
      if (e instanceof AccessDeniedException) return false;
      throw e;
    }
  };
  return collect((after, limit) => deps.repositories.namesAfter(after, limit), input, describable);
}

/** Reads names after `last` (those `keep` keeps), at most n; `more` says whether any remain. */
async function collect(
  read: (after: string | undefined, limit: number) => Promise<string[]>,
  { n, last }: NamePaging,
  keep?: (name: string) => Promise<boolean>,
): Promise<NamePage> {
  const names: string[] = [];
  let after = last;
  for (;;) {
    const want = n === undefined ? PAGE : Math.min(PAGE, n + 1 - names.length);
    if (want <= 0) break;
    const page = await read(after, want);
    if (keep) {
      const kept = await Promise.all(page.map(keep));
      names.push(...page.filter((_, i) => kept[i]));
    } else {
      names.push(...page);
    }
    if (page.length < want) break;
    after = page[page.length - 1];
  }
  const more = n !== undefined && names.length > n;
  return { names: more ? names.slice(0, n) : names, more };
}
