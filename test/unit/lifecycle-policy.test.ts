/** Lifecycle policy validation: what ECR refuses, with ECR's InvalidParameterException wording. */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../shared/lifecycle/policy.ts';

const PREFIX = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";
const untagged = { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 };
const rule = (selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }, rulePriority = 1) => ({
  rulePriority,
  selection,
  action,
});
const text = (...rules: unknown[]) => JSON.stringify({ rules });

/** The detail of the InvalidParameterException parsePolicy throws. */
function failure(policy: string): string {
  try {
    parsePolicy(policy);
  } catch (e) {
    expect((e as Error).name).toBe('InvalidParameterException');
    const message = (e as Error).message;
    expect(message.startsWith(PREFIX) && message.endsWith("'")).toBe(true);
    return message.slice(PREFIX.length, -1);
  }
  throw new Error('expected the policy to be refused');
}

const cases: [string, string, string][] = [
  ['text that is not JSON', '{"rules": [', 'Could not map policyString into LifecyclePolicy.'],
  ['a document that is not an object', '[1, 2]', 'Could not map policyString into LifecyclePolicy.'],
  ['a document without rules', '{"ruls": []}', 'object has missing required properties (["rules"])'],
  ['rules that are not a list', '{"rules": {}}', 'instance type (object) does not match any allowed primitive type (allowed: ["array"])'],
  ['no rules at all', '{"rules": []}', 'array is too short: must have at least 1 elements but instance has 0 elements'],
  [
    'more than 50 rules',
    text(
      ...Array.from({ length: 51 }, (_, i) =>
        rule({ tagStatus: 'tagged', tagPrefixList: [`p${i}`], countType: 'imageCountMoreThan', countNumber: 1 }, undefined, i + 1),
      ),
    ),
    'array is too long: must have at most 50 elements but instance has 51 elements',
  ],
  ['a rule without a priority', text({ selection: untagged, action: { type: 'expire' } }), 'object has missing required properties (["rulePriority"])'],
  ['an unknown rule property', text({ ...rule(untagged), when: 'now' }), 'object instance has properties which are not allowed by the schema: (["when"])'],
  ['a priority of 0', text(rule(untagged, undefined, 0)), 'numeric instance is lower than the required minimum (minimum: 1, found: 0)'],
  [
    'a priority that is not an integer',
    text(rule(untagged, undefined, 1.5)),
    'instance type (number) does not match any allowed primitive type (allowed: ["integer"])',
  ],
  ['a countNumber of 0', text(rule({ ...untagged, countNumber: 0 })), 'numeric instance is lower than the required minimum (minimum: 1, found: 0)'],
  [
    'an unknown tagStatus',
    text(rule({ ...untagged, tagStatus: 'some' })),
    'instance value ("some") not found in enum (possible values: ["any","tagged","untagged"])',
  ],
  [
    'an unknown countType',
    text(rule({ ...untagged, countType: 'sinceForever' })),
    'instance value ("sinceForever") not found in enum (possible values: ["imageCountMoreThan","sinceImagePulled","sinceImagePushed","sinceImageTransitioned"])',
  ],
  ['an unknown action type', text(rule(untagged, { type: 'keep' })), 'instance value ("keep") not found in enum (possible values: ["expire","transition"])'],
  [
    'a countUnit other than days',
    text(rule({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'hours', countNumber: 1 })),
    'instance value ("hours") not found in enum (possible values: ["days"])',
  ],
  [
    'an age rule without countUnit',
    text(rule({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })),
    'object has missing required properties (["countUnit"])',
  ],
  [
    'a countUnit on a count rule',
    text(rule({ ...untagged, countUnit: 'days' })),
    'Rule with rulePriority 1: countUnit can only be specified when countType is sinceImagePushed, sinceImagePulled or sinceImageTransitioned.',
  ],
  [
    'duplicate priorities',
    text(rule(untagged), rule({ tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 })),
    'Rule priorities must be unique: rulePriority 1 is used by more than one rule.',
  ],
  [
    'a tagged rule without tag filters',
    text(rule({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })),
    'Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.',
  ],
  [
    'both tag filters in one rule',
    text(rule({ tagStatus: 'tagged', tagPrefixList: ['a'], tagPatternList: ['b*'], countType: 'imageCountMoreThan', countNumber: 1 })),
    'Rule with rulePriority 1: a rule may specify either tagPrefixList or tagPatternList, but not both.',
  ],
  [
    'tag filters on an untagged rule',
    text(rule({ ...untagged, tagPrefixList: ['a'] })),
    'Rule with rulePriority 1: tagPrefixList and tagPatternList may only be used when tagStatus=TAGGED.',
  ],
  [
    'an empty tag prefix list',
    text(rule({ tagStatus: 'tagged', tagPrefixList: [], countType: 'imageCountMoreThan', countNumber: 1 })),
    'array is too short: must have at least 1 elements but instance has 0 elements',
  ],
  [
    'a pattern with five wildcards',
    text(rule({ tagStatus: 'tagged', tagPatternList: ['test*1*2*3*4*5'], countType: 'imageCountMoreThan', countNumber: 1 })),
    "Rule with rulePriority 1: the tag pattern 'test*1*2*3*4*5' has more than 4 wildcards (*).",
  ],
  [
    'an any rule that is not the last of its storage class',
    text(rule({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }), rule(untagged, undefined, 2)),
    'Rule for tagStatus=ANY must have the lowest priority per storage class',
  ],
  [
    'two untagged rules',
    text(rule(untagged), rule({ ...untagged, countNumber: 3 }, undefined, 2)),
    'Only one rule can select Untagged images per storage class',
  ],
  [
    'two rules with the same tag prefixes',
    text(
      rule({ tagStatus: 'tagged', tagPrefixList: ['prod', 'v'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule({ tagStatus: 'tagged', tagPrefixList: ['v', 'prod'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 9 }, undefined, 2),
    ),
    'The set of all rules selecting storage class standard must contain a unique set of tag prefixes and patterns: rules 1 and 2 select the same tags.',
  ],
  ['a transition without a target', text(rule(untagged, { type: 'transition' })), 'object has missing required properties (["targetStorageClass"])'],
  [
    'a target on an expire action',
    text(rule(untagged, { type: 'expire', targetStorageClass: 'archive' })),
    'Rule with rulePriority 1: targetStorageClass can only be specified when action type is transition.',
  ],
  [
    'a target other than archive',
    text(rule(untagged, { type: 'transition', targetStorageClass: 'standard' })),
    'instance value ("standard") not found in enum (possible values: ["archive"])',
  ],
  [
    'sinceImageTransitioned without storageClass archive',
    text(rule({ tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 100 })),
    'Rule with rulePriority 1: storageClass must be archive when countType=sinceImageTransitioned.',
  ],
  [
    'sinceImageTransitioned with a transition',
    text(
      rule(
        { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 100 },
        { type: 'transition', targetStorageClass: 'archive' },
      ),
    ),
    'Rule with rulePriority 1: countType=sinceImageTransitioned can only be used with action type expire.',
  ],
  [
    'expiring archived images before 90 days',
    text(rule({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 30 })),
    'Rule with rulePriority 1: archived images have a minimum storage duration of 90 days, so countNumber must be at least 90 when countType=sinceImageTransitioned.',
  ],
  [
    'storageClass archive with another count type',
    text(rule({ ...untagged, storageClass: 'archive' })),
    'Rule with rulePriority 1: storageClass archive can only be used with countType=sinceImageTransitioned.',
  ],
];

describe('lifecycle policy validation', () => {
  for (const [what, policy, detail] of cases) {
    it(`refuses ${what}`, () => {
      expect(failure(policy)).toBe(detail);
    });
  }

  it('accepts per storage class an any rule and an untagged rule in each class', () => {
    const policy = parsePolicy(
      text(
        rule({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, undefined, 3),
        rule(
          { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
          { type: 'transition', targetStorageClass: 'archive' },
          10,
        ),
        rule({ tagStatus: 'untagged', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 }, undefined, 1),
        rule({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 }, undefined, 20),
      ),
    );
    expect(policy.rules.map((r) => [r.rulePriority, r.storageClass, r.action])).toEqual([
      [1, 'archive', 'expire'],
      [3, 'standard', 'expire'],
      [10, 'standard', 'transition'],
      [20, 'archive', 'expire'],
    ]);
  });

  it('accepts the same tags in two storage classes and sinceImagePulled with expire', () => {
    expect(() =>
      parsePolicy(
        text(
          rule({ tagStatus: 'tagged', tagPatternList: ['*-sha-*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }),
          rule(
            {
              tagStatus: 'tagged',
              tagPatternList: ['*-sha-*'],
              storageClass: 'archive',
              countType: 'sinceImageTransitioned',
              countUnit: 'days',
              countNumber: 90,
            },
            undefined,
            2,
          ),
        ),
      ),
    ).not.toThrow();
  });
});
