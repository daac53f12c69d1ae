import { describe, expect, it } from 'vitest';
import { isTagImmutable, wildcardMatches } from '../../shared/registry/tag-mutability.ts';

describe('tag mutability with exclusion filters', () => {
  it.each([
    ['latest', 'latest', true],
    ['latest*', 'latest-dev', true],
    ['*-rc', '1.0-rc', true],
    ['v*.*', 'v1.2', true],
    ['latest', 'latest2', false],
    ['*-rc', '1.0-rc1', false],
    ['a.b', 'axb', false],
  ])('wildcard %s matching %s is %s', (filter, tag, expected) => {
    expect(wildcardMatches(filter, tag)).toBe(expected);
  });

  it('makes every tag immutable in an IMMUTABLE repository and none in a MUTABLE one', () => {
    expect(isTagImmutable({ imageTagMutability: 'IMMUTABLE' }, 'x')).toBe(true);
    expect(isTagImmutable({ imageTagMutability: 'MUTABLE' }, 'x')).toBe(false);
  });

  it('exempts the filtered tags from the repository setting', () => {
    const filters = [{ filterType: 'WILDCARD' as const, filter: 'dev-*' }];
    expect(isTagImmutable({ imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: filters }, 'dev-1')).toBe(false);
    expect(isTagImmutable({ imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: filters }, 'v1')).toBe(true);
    expect(isTagImmutable({ imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: filters }, 'dev-1')).toBe(true);
    expect(isTagImmutable({ imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: filters }, 'v1')).toBe(false);
  });
});
