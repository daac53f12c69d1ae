/**
 * Name listings in name order after a given name, at most `n` (the OCI API's `tags/list` and `_catalog`, paged by
 * `n` and `last`): the tags of a repository, and the repositories of the registry.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { authorize, openRepository } from './common.ts';

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

/** The registry's repositories in name order. */
export async function listRepositoryNames(deps: Deps, actor: Actor, input: NamePaging): Promise<NamePage> {
  await authorize(deps, actor, 'ecr:DescribeRepositories', ANY_RESOURCE);
  return collect((after, limit) => deps.repositories.namesAfter(after, limit), input);
}

/** Reads names after `last`, at most n; `more` says whether any remain. */
async function collect(read: (after: string | undefined, limit: number) => Promise<string[]>, { n, last }: NamePaging): Promise<NamePage> {
  const names: string[] = [];
  let after = last;
  for (;;) {
    const want = n === undefined ? PAGE : Math.min(PAGE, n + 1 - names.length);
    if (want <= 0) break;
    const page = await read(after, want);
    names.push(...page);
    if (page.length < want) break;
    after = page[page.length - 1];
  }
  const more = n !== undefined && names.length > n;
  return { names: more ? names.slice(0, n) : names, more };
}
