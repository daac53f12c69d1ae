/**
 * The rule engine against every example of the Amazon ECR user guide's "Examples of lifecycle policies",
 * each with the outcome the guide states, then the evaluation rules the examples do not cover.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type EvaluatedImage } from '../../shared/lifecycle/evaluate.ts';
import { parsePolicy } from '../../shared/lifecycle/policy.ts';

const NOW = Date.UTC(2025, 5, 1);
const DAY = 24 * 3600 * 1000;

/** An image named by its digest, with tags, pushed `days` ago (fractions allowed). */
function image(name: string, tags: string[], days: number, extra: Partial<EvaluatedImage> = {}): EvaluatedImage {
  return { digest: name, tags, pushedAt: NOW - days * DAY, archived: false, ...extra };
}

type Rule = Record<string, unknown>;
const rule = (rulePriority: number, selection: Rule, action: Rule = { type: 'expire' }) => ({
  rulePriority,
  description: `Rule ${rulePriority}`,
  selection,
  action,
});
const policyText = (...rules: Rule[]) => JSON.stringify({ rules });
const toArchive = { type: 'transition', targetStorageClass: 'archive' };

/** The images each action type hits, by name. */
function outcome(text: string, images: EvaluatedImage[]) {
  const actions = evaluatePolicy(parsePolicy(text), images, NOW);
  return {
    expired: actions
      .filter((a) => a.type === 'EXPIRE')
      .map((a) => a.digest)
      .sort(),
    archived: actions
      .filter((a) => a.type === 'TRANSITION')
      .map((a) => a.digest)
      .sort(),
  };
}

type Example = { name: string; policy: string; images: EvaluatedImage[]; expired: string[]; archived?: string[] };

const multipleRulesRepository = [image('A', ['beta-1', 'prod-1'], 10), image('B', ['beta-2', 'prod-2'], 9), image('C', ['beta-3'], 8)];

const examples: Example[] = [
  {
    name: 'Filtering on image age: prod* images older than 14 days are expired, younger or other images are kept',
    policy: policyText(rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 })),
    images: [image('old-prod', ['prod-1'], 20), image('new-prod', ['prod-2'], 5), image('old-dev', ['dev-1'], 30), image('old-untagged', [], 30)],
    expired: ['old-prod'],
  },
  {
    name: 'Filtering on last pulled time: images not pulled in 90 days (push time when never pulled) are archived',
    policy: policyText(rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, toArchive)),
    images: [
      image('never-pulled', ['a'], 100),
      image('pulled-recently', ['b'], 100, { lastPulledAt: NOW - 10 * DAY }),
      image('pulled-long-ago', [], 200, { lastPulledAt: NOW - 95 * DAY }),
      image('already-archived', ['c'], 300, { archived: true, lastArchivedAt: NOW - 10 * DAY }),
    ],
    expired: [],
    archived: ['never-pulled', 'pulled-long-ago'],
  },
  {
    name: 'Filtering on archive transition time: images archived more than 365 days ago are expired, standard ones never',
    policy: policyText(rule(1, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 })),
    images: [
      image('archived-400', ['a'], 500, { archived: true, lastArchivedAt: NOW - 400 * DAY }),
      image('archived-100', ['b'], 500, { archived: true, lastArchivedAt: NOW - 100 * DAY }),
      image('standard-old', ['c'], 900),
    ],
    expired: ['archived-400'],
  },
  {
    name: 'Filtering on image count: only the newest untagged image is kept',
    policy: policyText(rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })),
    images: [image('u1', [], 3), image('u2', [], 2), image('u3', [], 1), image('tagged', ['v1'], 9)],
    expired: ['u1', 'u2'],
  },
  {
    name: 'Multiple rules, example A: image A is expired (B is identified by rule 1, so rule 2 cannot expire it)',
    policy: policyText(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ),
    images: multipleRulesRepository,
    expired: ['A'],
  },
  {
    name: 'Multiple rules, example B: images A and B are expired (rule 2 sees no images rule 1 has not seen)',
    policy: policyText(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ),
    images: multipleRulesRepository,
    expired: ['A', 'B'],
  },
  {
    name: 'Multiple tags in a single rule, example A: only images with both alpha and beta tags count; C is older than 5 days',
    policy: policyText(rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'], countType: 'sinceImagePushed', countNumber: 5, countUnit: 'days' })),
    images: [
      image('A', ['alpha-1'], 12),
      image('B', ['beta-1'], 11),
      image('C', ['alpha-2', 'beta-2'], 10),
      image('D', ['alpha-3'], 4),
      image('E', ['beta-3'], 3),
      image('F', ['alpha-4', 'beta-4'], 2),
    ],
    expired: ['C'],
  },
  {
    name: 'Multiple tags in a single rule, example B: tags are not exclusive; A and B are expired, C is the one kept',
    policy: policyText(rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'], countType: 'imageCountMoreThan', countNumber: 1 })),
    images: [image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10), image('B', ['alpha-2', 'beta-2'], 9), image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8)],
    expired: ['A', 'B'],
  },
  {
    name: 'All images, example A: every image but the newest is expired, tagged or not',
    policy: policyText(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })),
    images: [image('A', ['alpha-1'], 4), image('B', ['beta-1'], 3), image('C', [], 2), image('D', ['alpha-2'], 1)],
    expired: ['A', 'B', 'C'],
  },
  {
    name: 'All images, example B: A by rule 1, B by rule 2, D by rule 3 (C and E were identified by higher rules)',
    policy: policyText(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      rule(3, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
    ),
    // D and E were both pushed "1 day ago"; E is the newer of the two (it is the image the guide keeps).
    images: [image('A', ['alpha-1', 'beta-1'], 4), image('B', [], 3), image('C', ['alpha-2'], 2), image('D', ['git hash'], 1), image('E', [], 0.99)],
    expired: ['A', 'B', 'D'],
  },
  {
    name: 'Archive examples: prod* images older than 30 days are archived',
    policy: policyText(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, toArchive),
    ),
    images: [image('old-prod', ['prod'], 31), image('new-prod', ['prod-2'], 29), image('old-test', ['test'], 60)],
    expired: [],
    archived: ['old-prod'],
  },
  {
    name: 'Archive examples: images not pulled in 90 days are archived',
    policy: policyText(rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, toArchive)),
    images: [image('idle', ['a'], 120, { lastPulledAt: NOW - 91 * DAY }), image('busy', ['b'], 120, { lastPulledAt: NOW - DAY })],
    expired: [],
    archived: ['idle'],
  },
  {
    name: 'Archive examples, archive and expire combined: images older than 30 days are archived, those archived over 365 days expired',
    policy: policyText(
      rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, toArchive),
      rule(2, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 }),
    ),
    images: [
      image('fresh', ['v3'], 10),
      image('month-old', ['v2'], 40),
      image('archived-recently', ['v1'], 200, { archived: true, lastArchivedAt: NOW - 170 * DAY }),
      image('archived-long-ago', ['v0'], 800, { archived: true, lastArchivedAt: NOW - 770 * DAY }),
    ],
    expired: ['archived-long-ago'],
    archived: ['month-old'],
  },
];

describe('the user guide lifecycle policy examples', () => {
  for (const example of examples) {
    it(example.name, () => {
      expect(outcome(example.policy, example.images)).toEqual({ expired: example.expired, archived: example.archived ?? [] });
    });
  }
});

describe('the evaluation rules', () => {
  it('matches a tagPrefixList only when every prefix matches one of the image tags', () => {
    const policy = policyText(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod', 'v1'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
    );
    const images = [image('both', ['prod', 'v1.2'], 5), image('one', ['prod-x'], 5), image('combined', ['prodv1'], 5)];
    expect(outcome(policy, images).expired).toEqual(['both']);
  });

  it('matches a pattern without wildcards only against the whole tag, and * anywhere in it', () => {
    const exact = policyText(rule(1, { tagStatus: 'tagged', tagPatternList: ['latest'], countType: 'imageCountMoreThan', countNumber: 1 }));
    expect(outcome(exact, [image('a', ['latest-1'], 3), image('b', ['latest'], 2), image('c', ['old-latest'], 1)]).expired).toEqual([]);
    const inner = policyText(rule(1, { tagStatus: 'tagged', tagPatternList: ['*prod*'], countType: 'imageCountMoreThan', countNumber: 1 }));
    expect(outcome(inner, [image('a', ['repo-production'], 3), image('b', ['prod-team'], 2), image('c', ['dev'], 1)]).expired).toEqual(['a']);
  });

  it('acts on an image with at most one rule, the rule of highest priority that marks it', () => {
    const policy = policyText(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 10 }, toArchive),
      rule(2, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 }),
    );
    const actions = evaluatePolicy(parsePolicy(policy), [image('v-old', ['v1'], 20), image('v-mid', ['v2'], 7), image('x-old', ['x'], 20)], NOW);
    expect(actions.map((a) => [a.digest, a.type, a.rulePriority])).toEqual([
      ['v-old', 'TRANSITION', 1],
      ['x-old', 'EXPIRE', 2],
    ]);
  });

  it('orders a restored image by its restore time and counts its pull age from the restore when not pulled since', () => {
    const count = policyText(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));
    const restored = image('restored', ['r'], 100, { lastActivatedAt: NOW - DAY });
    expect(outcome(count, [restored, image('pushed', ['p'], 2)]).expired).toEqual(['pushed']);
    const pulled = policyText(rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, toArchive));
    const stalePull = image('restored', ['r'], 200, { lastPulledAt: NOW - 150 * DAY, lastActivatedAt: NOW - 10 * DAY });
    expect(outcome(pulled, [stalePull]).archived).toEqual([]);
  });

  it('protects images a manifest list references unless the list is expired with them', () => {
    const untagged = policyText(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }));
    const children = [image('amd64', [], 10), image('arm64', [], 10)];
    const index = image('index', ['v1'], 10, { children: ['amd64', 'arm64'] });
    expect(outcome(untagged, [...children, index]).expired).toEqual([]);
    const everything = policyText(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }));
    const actions = evaluatePolicy(parsePolicy(everything), [...children, index], NOW);
    expect(actions.map((a) => a.digest)).toEqual(['index', 'amd64', 'arm64']);
  });

  it('keeps a referrer (a signature) while its subject stays, expires it with its subject or once the subject is gone, and counts it as an image', () => {
    const untagged = policyText(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }));
    const signature = image('signature', [], 10, { subject: 'app' });
    expect(outcome(untagged, [signature, image('app', ['v1'], 10)]).expired).toEqual([]);
    expect(outcome(untagged, [signature, image('app', [], 10)]).expired).toEqual(['app', 'signature']);
    expect(outcome(untagged, [signature]).expired).toEqual(['signature']);
    // A signature counts as an image, as in ECR (aws/containers-roadmap#2613): keeping one keeps the newer signature.
    const keepOne = policyText(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));
    expect(outcome(keepOne, [image('app', ['v1'], 1), image('signature', [], 0, { subject: 'app' })]).expired).toEqual(['app']);
  });

  it('archives a referenced image only when every list naming it is archived or being archived', () => {
    const archive = policyText(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, toArchive));
    const child = image('child', [], 10);
    expect(outcome(archive, [child, image('list', ['v1'], 10, { children: ['child'] })]).archived).toEqual([]);
    expect(outcome(archive, [child, image('list', ['v1'], 10, { children: ['child'], archived: true, lastArchivedAt: NOW })]).archived).toEqual(['child']);
  });

  it('expires by last pull time when a sinceImagePulled rule asks to expire (beyond ECR, containers-roadmap#2728)', () => {
    const policy = policyText(rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }));
    expect(outcome(policy, [image('idle', ['a'], 60), image('used', ['b'], 60, { lastPulledAt: NOW - DAY })]).expired).toEqual(['idle']);
  });
});
