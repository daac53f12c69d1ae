/** Tag mutability with exclusion filters (WILDCARD patterns where `*` matches any run of characters). */
import { invalidParameter } from '../errors.ts';
import type { ExclusionFilter, RepositoryRecord } from '../store/types.ts';

const WITH_EXCLUSION = ['IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];

/** True when pushing `tag` may not move it to another image in this repository. */
export function isTagImmutable(repo: Pick<RepositoryRecord, 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'>, tag: string): boolean {
  const excluded = (repo.imageTagMutabilityExclusionFilters ?? []).some((f) => wildcardMatches(f.filter, tag));
  switch (repo.imageTagMutability) {
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded;
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded;
    default:
      return false;
  }
}

/** Does a WILDCARD filter match the whole tag? */
export function wildcardMatches(filter: string, tag: string): boolean {
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(tag);
}

/** Validates a mutability setting with its filters as ECR does; returns the filters to store. */
export function checkMutabilitySetting(mutability: string, filters: ExclusionFilter[] | undefined): ExclusionFilter[] | undefined {
  if (WITH_EXCLUSION.includes(mutability)) {
    if (!filters?.length) {
      throw invalidParameter('imageTagMutabilityExclusionFilters', `must be specified when imageTagMutability is ${mutability}`);
    }
    return filters;
  }
  if (filters?.length) {
    throw invalidParameter(
      'imageTagMutabilityExclusionFilters',
      `can only be specified when imageTagMutability is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION`,
    );
  }
  return undefined;
}
