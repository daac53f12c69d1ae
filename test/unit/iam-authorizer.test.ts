/** The IAM-style Authorizer over the principals file and repository policies, on the in-memory stores. */
import { describe, expect, it } from 'vitest';
import { principalActor, rootPrincipal, serviceActor } from '../../shared/domain/actor.ts';
import { AccessDeniedException } from '../../shared/errors.ts';
import { PolicyAuthorizer } from '../../shared/iam/authorizer.ts';
import { parsePrincipals, PrincipalsFileError, rootEntry } from '../../shared/iam/principals.ts';
import { createMemoryDeps } from '../../shared/store/memory/index.ts';

const ACCOUNT = '123456789012';
const file = JSON.stringify({
  principals: [
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
      accessKeys: [{ accessKeyId: 'AKIACI0000000000001', secretAccessKey: 'ci-secret-0000000000' }],
      policies: [
        'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser',
        { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ecr:DeleteRepository', Resource: '*' }] },
      ],
    },
    {
      arn: 'arn:aws:iam::210987654321:user/auditor',
      accessKeys: [{ accessKeyId: 'AKIAAUDIT000000001', secretAccessKey: 'auditor-secret-00000' }],
      policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'],
    },
  ],
});

function setup() {
  const deps = createMemoryDeps({ config: { registryId: ACCOUNT } });
  const directory = parsePrincipals(file, rootEntry(ACCOUNT, 'test', 'test'));
  const authorizer = new PolicyAuthorizer({
    directory: () => directory,
    registryId: ACCOUNT,
    region: deps.config.region,
    repository: (name) => deps.repositories.get(name),
    registryPolicy: () => deps.registry.getPolicy(),
    now: () => new Date(),
  });
  const actor = (arn: string) => ({ ...principalActor(rootPrincipal(deps.config), 'key', { requestId: 'r', host: 'h' }), arn, account: arn.split(':')[4] });
  const repo = (name: string) => `arn:aws:ecr:${deps.config.region}:${ACCOUNT}:repository/${name}`;
  return { deps, directory, authorizer, actor, repo };
}

describe('the IAM-style authorizer', () => {
  it('finds each access key with its secret and principal', () => {
    const { directory } = setup();
    expect(directory.byKey('AKIACI0000000000001')).toMatchObject({
      secretAccessKey: 'ci-secret-0000000000',
      principal: { arn: `arn:aws:iam::${ACCOUNT}:user/ci`, account: ACCOUNT },
    });
    expect(directory.byKey('test')?.principal).toMatchObject({ root: true });
    expect(directory.byKey('AKIANOBODY00000000')).toBeUndefined();
  });

  it('allows a power user to push and refuses its denied action with AWS wording', async () => {
    const { authorizer, actor, repo } = setup();
    const ci = actor(`arn:aws:iam::${ACCOUNT}:user/ci`);
    await expect(authorizer.authorize(ci, 'ecr:PutImage', repo('team-a/app'))).resolves.toBeUndefined();
    await expect(authorizer.authorize(ci, 'ecr:DeleteRepository', repo('team-a/app'))).rejects.toThrow(
      new AccessDeniedException(
        `User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: ecr:DeleteRepository on resource: ${repo('team-a/app')} with an explicit deny in an identity-based policy`,
      ),
    );
  });

  it('lets another account pull only where a repository policy grants it', async () => {
    const { deps, authorizer, actor, repo } = setup();
    const auditor = actor('arn:aws:iam::210987654321:user/auditor');
    const base = { uid: 'u', createdAt: 0, imageTagMutability: 'MUTABLE' as const, scanOnPush: false, encryptionType: 'AES256' as const, tags: [] };
    await deps.repositories.create({
      ...base,
      name: 'shared/app',
      uid: 'u1',
      policyText: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '210987654321' }, Action: 'ecr:BatchGetImage' }] }),
    });
    await deps.repositories.create({ ...base, name: 'private/app', uid: 'u2' });

    await expect(authorizer.authorize(auditor, 'ecr:BatchGetImage', repo('shared/app'))).resolves.toBeUndefined();
    await expect(authorizer.authorize(auditor, 'ecr:BatchGetImage', repo('private/app'))).rejects.toThrow(
      /because no resource-based policy allows the ecr:BatchGetImage action/,
    );
    await expect(authorizer.authorize(auditor, 'ecr:PutImage', repo('shared/app'))).rejects.toThrow(AccessDeniedException);
  });

  it('lets another account act on the repositories a registry policy names, and nowhere else', async () => {
    // Prepare
    const { deps, authorizer, actor, repo } = setup();
    const auditor = actor('arn:aws:iam::210987654321:user/auditor');
    await deps.registry.putPolicy(
      JSON.stringify({
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'ecr:BatchGetImage', Resource: repo('shared/*') }],
      }),
    );

    // Act and assess: no repository exists, the registry policy alone decides.
    await expect(authorizer.authorize(auditor, 'ecr:BatchGetImage', repo('shared/app'))).resolves.toBeUndefined();
    await expect(authorizer.authorize(auditor, 'ecr:BatchGetImage', repo('private/app'))).rejects.toThrow(/because no resource-based policy allows/);
    await expect(authorizer.authorize(auditor, 'ecr:GetAuthorizationToken', '*')).resolves.toBeUndefined();
    await deps.registry.deletePolicy();
    await expect(authorizer.authorize(auditor, 'ecr:BatchGetImage', repo('shared/app'))).rejects.toThrow(/because no resource-based policy allows/);
  });

  it('holds a Deny of the registry policy against a power user of the registry account, and leaves the actions on * to identity policies', async () => {
    const { deps, authorizer, actor, repo } = setup();
    const ci = actor(`arn:aws:iam::${ACCOUNT}:user/ci`);
    await deps.registry.putPolicy(
      JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: ['ecr:PutImage', 'ecr:GetAuthorizationToken'], Resource: '*' }] }),
    );

    await expect(authorizer.authorize(ci, 'ecr:PutImage', repo('team-a/app'))).rejects.toThrow(/with an explicit deny in a resource-based policy$/);
    await expect(authorizer.authorize(ci, 'ecr:BatchGetImage', repo('team-a/app'))).resolves.toBeUndefined();
    await expect(authorizer.authorize(ci, 'ecr:GetAuthorizationToken', '*')).resolves.toBeUndefined();
  });

  it('lets a repository policy condition on the repository tags', async () => {
    const { deps, authorizer, actor, repo } = setup();
    const ci = actor(`arn:aws:iam::${ACCOUNT}:user/ci`);
    const deny = JSON.stringify({
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'ecr:PutImage', Condition: { StringEquals: { 'aws:ResourceTag/frozen': 'yes' } } }],
    });
    await deps.repositories.create({
      name: 'frozen/app',
      uid: 'u3',
      createdAt: 0,
      imageTagMutability: 'MUTABLE',
      scanOnPush: false,
      encryptionType: 'AES256',
      tags: [{ Key: 'frozen', Value: 'yes' }],
      policyText: deny,
    });

    await expect(authorizer.authorize(ci, 'ecr:PutImage', repo('frozen/app'))).rejects.toThrow(/explicit deny in a resource-based policy/);
  });

  it('gives the request tags to conditions as aws:RequestTag/<key> and the multi-valued aws:TagKeys', async () => {
    // Prepare: a principal that may create repositories only with team=a, and only the tag keys team and owner.
    const account = '123456789012';
    const deps = createMemoryDeps({ config: { registryId: account } });
    const tagging = JSON.stringify({
      principals: [
        {
          arn: `arn:aws:iam::${account}:user/tagger`,
          accessKeys: [{ accessKeyId: 'AKIATAGGER00000001', secretAccessKey: 'tagger-secret-000000' }],
          policies: [
            {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['ecr:CreateRepository', 'ecr:TagResource', 'ecr:UntagResource'],
                  Resource: '*',
                  Condition: { StringEquals: { 'aws:RequestTag/team': 'a' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'owner'] } },
                },
                { Effect: 'Allow', Action: 'ecr:UntagResource', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['owner'] } } },
                { Effect: 'Deny', Action: 'ecr:TagResource', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'secret*' } } },
              ],
            },
          ],
        },
      ],
    });
    const directory = parsePrincipals(tagging, rootEntry(account, 'test', 'test'));
    const authorizer = new PolicyAuthorizer({
      directory: () => directory,
      registryId: account,
      region: deps.config.region,
      repository: (name) => deps.repositories.get(name),
      registryPolicy: async () => undefined,
      now: () => new Date(),
    });
    const tagger = {
      ...principalActor(rootPrincipal(deps.config), 'AKIATAGGER00000001', { requestId: 'r', host: 'h' }),
      arn: `arn:aws:iam::${account}:user/tagger`,
    };
    const arn = `arn:aws:ecr:${deps.config.region}:${account}:repository/team-a/app`;
    const decide = (action: string, facts: object) =>
      authorizer.authorize(tagger, action, arn, facts).then(
        () => 'allowed',
        (e: Error) => e.message,
      );

    // Act, Assess: the tag the condition names decides; keys outside the allowed set, or one the Deny names, refuse.
    expect(await decide('ecr:CreateRepository', { requestTags: [{ Key: 'team', Value: 'a' }] })).toBe('allowed');
    expect(
      await decide('ecr:CreateRepository', {
        requestTags: [
          { Key: 'team', Value: 'a' },
          { Key: 'owner', Value: 'me' },
        ],
      }),
    ).toBe('allowed');
    expect(await decide('ecr:CreateRepository', { requestTags: [{ Key: 'team', Value: 'b' }] })).toBe(
      `User: arn:aws:iam::${account}:user/tagger is not authorized to perform: ecr:CreateRepository on resource: ${arn} because no identity-based policy allows the ecr:CreateRepository action`,
    );
    expect(await decide('ecr:CreateRepository', { requestTags: [] })).toMatch(/because no identity-based policy allows/);
    expect(
      await decide('ecr:CreateRepository', {
        requestTags: [
          { Key: 'team', Value: 'a' },
          { Key: 'cost', Value: '1' },
        ],
      }),
    ).toMatch(/because no identity-based policy allows/);
    expect(
      await decide('ecr:TagResource', {
        requestTags: [
          { Key: 'team', Value: 'a' },
          { Key: 'secret-x', Value: '1' },
        ],
      }),
    ).toMatch(/with an explicit deny in an identity-based policy/);
    expect(await decide('ecr:UntagResource', { tagKeys: ['owner'] })).toBe('allowed');
    expect(await decide('ecr:UntagResource', { tagKeys: ['owner', 'team'] })).toMatch(/because no identity-based policy allows/);
  });

  it('lets the root do everything and the registry jobs act unasked', async () => {
    const { deps, authorizer, repo } = setup();
    await expect(
      authorizer.authorize(principalActor(rootPrincipal(deps.config), 'test', { requestId: 'r', host: 'h' }), 'ecr:DeleteRepository', repo('x/y')),
    ).resolves.toBeUndefined();
    await expect(authorizer.authorize(serviceActor(deps.config, 'lifecycle', 'r'), 'ecr:BatchDeleteImage', repo('x/y'))).resolves.toBeUndefined();
  });

  it('refuses a principals file with a bad ARN, a duplicate key or an unknown managed policy, saying where', () => {
    const root = rootEntry(ACCOUNT, 'test', 'test');
    expect(() => parsePrincipals('{"principals": [{"arn": "ci"}]}', root)).toThrow(
      new PrincipalsFileError('principals[0].arn must be an IAM user, role or root ARN (arn:aws:iam::<12 digits>:user/<name>)'),
    );
    expect(() =>
      parsePrincipals(
        JSON.stringify({ principals: [{ arn: `arn:aws:iam::${ACCOUNT}:user/a`, accessKeys: [{ accessKeyId: 'test', secretAccessKey: 'x'.repeat(16) }] }] }),
        root,
      ),
    ).toThrow(PrincipalsFileError);
    expect(() =>
      parsePrincipals(
        JSON.stringify({ principals: [{ arn: `arn:aws:iam::${ACCOUNT}:user/a`, policies: ['arn:aws:iam::aws:policy/AdministratorAccess'] }] }),
        root,
      ),
    ).toThrow(/not one of AWS's managed ECR policies/);
  });
});
