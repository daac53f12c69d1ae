/**
 * IAM's evaluation logic, case by case as AWS's policy evaluation documentation describes it, each row stating the
 * decision: explicit deny, same-account and cross-account access, NotAction / NotResource, wildcards, conditions,
 * policy variables, and AWS's managed ECR policies.
 */
import { describe, expect, it } from 'vitest';
import type { Context } from '../../shared/iam/conditions.ts';
import { evaluate, refusal, type Caller, type Decision } from '../../shared/iam/evaluate.ts';
import { managedPolicy } from '../../shared/iam/managed.ts';
import { parsePolicy, PolicyError, type Policy } from '../../shared/iam/policy.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const REPO = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/app`;
const ci: Caller = { arn: `arn:aws:iam::${ACCOUNT}:user/ci`, account: ACCOUNT };
const auditor: Caller = { arn: `arn:aws:iam::${OTHER}:user/auditor`, account: OTHER };
const root: Caller = { arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT, root: true };

const doc = (...statements: object[]): Policy => parsePolicy({ Version: '2012-10-17', Statement: statements });
const allowAll = doc({ Effect: 'Allow', Action: 'ecr:*', Resource: '*' });

function decide(caller: Caller, action: string, identity: Policy[], resource: Policy[] = [], resourceArn = REPO, context: Context = {}): Decision {
  return evaluate(
    { caller, action, resource: resourceArn, context: { 'aws:PrincipalArn': caller.arn, 'aws:PrincipalAccount': caller.account, ...context } },
    { identity, resource, resourceAccount: ACCOUNT },
  );
}

describe('IAM policy evaluation', () => {
  it('denies implicitly when nothing allows', () => {
    expect(decide(ci, 'ecr:PutImage', [])).toEqual({ allowed: false, because: 'no-identity-allow' });
  });

  it('allows a principal of the account whose identity policy allows', () => {
    expect(decide(ci, 'ecr:PutImage', [allowAll])).toEqual({ allowed: true });
  });

  it('lets an explicit deny in an identity policy beat any allow', () => {
    const deny = doc({ Effect: 'Deny', Action: 'ecr:DeleteRepository', Resource: '*' });
    expect(decide(ci, 'ecr:DeleteRepository', [allowAll, deny])).toEqual({ allowed: false, because: 'explicit-identity-deny' });
    expect(decide(ci, 'ecr:PutImage', [allowAll, deny])).toEqual({ allowed: true });
  });

  it('lets an explicit deny in a repository policy beat the account root and its power users', () => {
    const repoPolicy = doc({ Effect: 'Deny', Principal: '*', Action: 'ecr:PutImage' });
    expect(decide(ci, 'ecr:PutImage', [managedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser')!], [repoPolicy])).toEqual({
      allowed: false,
      because: 'explicit-resource-deny',
    });
    expect(decide(root, 'ecr:PutImage', [], [repoPolicy])).toEqual({ allowed: false, because: 'explicit-resource-deny' });
  });

  it('allows a same-account principal that a repository policy names, without an identity policy', () => {
    const repoPolicy = doc({ Effect: 'Allow', Principal: { AWS: ci.arn }, Action: ['ecr:BatchGetImage'] });
    expect(decide(ci, 'ecr:BatchGetImage', [], [repoPolicy])).toEqual({ allowed: true });
  });

  it('treats a repository policy naming its own account as delegation: it grants nothing by itself', () => {
    const repoPolicy = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'ecr:*' });
    expect(decide(ci, 'ecr:BatchGetImage', [], [repoPolicy])).toEqual({ allowed: false, because: 'no-identity-allow' });
  });

  it('needs both sides for another account: its identity policy and a resource policy naming it or its account', () => {
    const read = managedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly')!;
    const byAccount = doc({ Effect: 'Allow', Principal: { AWS: OTHER }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] });
    const byArn = doc({ Effect: 'Allow', Principal: { AWS: [auditor.arn] }, Action: 'ecr:BatchGetImage' });
    expect(decide(auditor, 'ecr:BatchGetImage', [read], [byAccount])).toEqual({ allowed: true });
    expect(decide(auditor, 'ecr:BatchGetImage', [read], [byArn])).toEqual({ allowed: true });
    expect(decide(auditor, 'ecr:BatchGetImage', [read], [])).toEqual({ allowed: false, because: 'no-resource-allow' });
    expect(decide(auditor, 'ecr:BatchGetImage', [], [byAccount])).toEqual({ allowed: false, because: 'no-identity-allow' });
    expect(decide(auditor, 'ecr:PutImage', [allowAll], [byAccount])).toEqual({ allowed: false, because: 'no-resource-allow' });
  });

  it('decides actions without a resource type by the identity policies alone', () => {
    const everyone = doc({ Effect: 'Allow', Principal: '*', Action: 'ecr:*' });
    expect(decide(ci, 'ecr:GetAuthorizationToken', [], [everyone], '*')).toEqual({ allowed: false, because: 'no-identity-allow' });
    expect(decide(auditor, 'ecr:GetAuthorizationToken', [allowAll], [], '*')).toEqual({ allowed: true });
  });

  it('matches actions without case and with wildcards, and resources with * and ?', () => {
    const policy = doc({ Effect: 'Allow', Action: ['ECR:batchget*', 'ecr:List?mages'], Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-?/*` });
    expect(decide(ci, 'ecr:BatchGetImage', [policy])).toEqual({ allowed: true });
    expect(decide(ci, 'ecr:ListImages', [policy])).toEqual({ allowed: true });
    expect(decide(ci, 'ecr:ListImages', [policy], [], `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-ab/app`)).toEqual({
      allowed: false,
      because: 'no-identity-allow',
    });
    expect(decide(ci, 'ecr:PutImage', [policy])).toEqual({ allowed: false, because: 'no-identity-allow' });
  });

  it('reads NotAction and NotResource as everything but what they name', () => {
    const policy = doc({ Effect: 'Allow', NotAction: 'ecr:Delete*', NotResource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/prod/*` });
    expect(decide(ci, 'ecr:PutImage', [policy])).toEqual({ allowed: true });
    expect(decide(ci, 'ecr:DeleteRepository', [policy])).toEqual({ allowed: false, because: 'no-identity-allow' });
    expect(decide(ci, 'ecr:PutImage', [policy], [], `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/prod/api`)).toEqual({
      allowed: false,
      because: 'no-identity-allow',
    });
  });

  it('applies NotPrincipal to everyone but the principals it names', () => {
    const repoPolicy = doc({ Effect: 'Deny', NotPrincipal: { AWS: ci.arn }, Action: 'ecr:PutImage' });
    expect(decide(ci, 'ecr:PutImage', [allowAll], [repoPolicy])).toEqual({ allowed: true });
    expect(decide({ ...ci, arn: `arn:aws:iam::${ACCOUNT}:user/dev` }, 'ecr:PutImage', [allowAll], [repoPolicy])).toEqual({
      allowed: false,
      because: 'explicit-resource-deny',
    });
  });

  it('never lets a Service principal stand for a user', () => {
    const repoPolicy = doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage' });
    expect(decide(auditor, 'ecr:BatchGetImage', [allowAll], [repoPolicy])).toEqual({ allowed: false, because: 'no-resource-allow' });
  });

  it('substitutes ${aws:username} and ${aws:PrincipalAccount} in resources and condition values', () => {
    const own = doc({ Effect: 'Allow', Action: 'ecr:*', Resource: 'arn:aws:ecr:us-east-1:${aws:PrincipalAccount}:repository/${aws:username}/*' });
    expect(decide(ci, 'ecr:PutImage', [own], [], `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/ci/tool`)).toEqual({ allowed: true });
    expect(decide(ci, 'ecr:PutImage', [own])).toEqual({ allowed: false, because: 'no-identity-allow' });
  });

  it('evaluates the string, ARN, numeric, date, Bool, IP and Null operators', () => {
    const when = (condition: object, context: Context) =>
      decide(ci, 'ecr:PutImage', [doc({ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: condition })], [], REPO, context).allowed;
    expect(when({ StringEquals: { 'aws:ResourceTag/team': 'a' } }, { 'aws:ResourceTag/team': 'a' })).toBe(true);
    expect(when({ StringEquals: { 'aws:ResourceTag/team': 'a' } }, { 'aws:ResourceTag/team': 'b' })).toBe(false);
    expect(when({ StringEqualsIgnoreCase: { 'ecr:ResourceTag/team': 'A' } }, { 'ecr:ResourceTag/team': 'a' })).toBe(true);
    expect(when({ StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/c?' } }, {})).toBe(true);
    expect(when({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/*` } }, {})).toBe(true);
    expect(when({ ArnNotEquals: { 'aws:PrincipalArn': ci.arn } }, {})).toBe(false);
    expect(when({ NumericLessThan: { 'aws:EpochTime': '2000000000' } }, { 'aws:EpochTime': '1700000000' })).toBe(true);
    expect(when({ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2026-12-01T00:00:00Z' })).toBe(true);
    expect(when({ DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2026-12-01T00:00:00Z' })).toBe(false);
    expect(when({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' })).toBe(false);
    expect(when({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.7'] } }, { 'aws:SourceIp': '10.1.2.3' })).toBe(true);
    expect(when({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.1.2.3' })).toBe(false);
    expect(when({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db8::1' })).toBe(true);
    expect(when({ Null: { 'aws:ResourceTag/team': 'true' } }, {})).toBe(true);
    expect(when({ Null: { 'aws:ResourceTag/team': 'false' } }, {})).toBe(false);
  });

  it('fails a condition on a missing key, except a negated operator, ...IfExists and Null', () => {
    const when = (condition: object) => decide(ci, 'ecr:PutImage', [doc({ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: condition })]).allowed;
    expect(when({ StringEquals: { 'aws:ResourceTag/team': 'a' } })).toBe(false);
    expect(when({ StringNotEquals: { 'aws:ResourceTag/team': 'a' } })).toBe(true);
    expect(when({ StringEqualsIfExists: { 'aws:ResourceTag/team': 'a' } })).toBe(true);
    expect(when({ StringEquals: { 'no:SuchKey': 'x' } })).toBe(false);
  });

  it('applies ForAnyValue and ForAllValues to multivalued keys', () => {
    const when = (condition: object, tagKeys: string[]) =>
      decide(ci, 'ecr:TagResource', [doc({ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: condition })], [], REPO, { 'aws:TagKeys': tagKeys })
        .allowed;
    expect(when({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, ['team'])).toBe(true);
    expect(when({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, ['team', 'owner'])).toBe(false);
    expect(when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } }, ['team', 'owner'])).toBe(true);
    expect(when({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } }, ['team'])).toBe(false);
  });

  it('gives the managed read-only policy pulls but not pushes, and the pull-only policy nothing else', () => {
    const read = managedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly')!;
    const pull = managedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly')!;
    expect(decide(ci, 'ecr:BatchGetImage', [read]).allowed).toBe(true);
    expect(decide(ci, 'ecr:PutImage', [read]).allowed).toBe(false);
    expect(decide(ci, 'ecr:GetDownloadUrlForLayer', [pull]).allowed).toBe(true);
    expect(decide(ci, 'ecr:DescribeRepositories', [pull]).allowed).toBe(false);
    expect(decide(ci, 'ecr:DeleteRepository', [managedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess')!]).allowed).toBe(true);
  });

  it('words each refusal as AWS does', () => {
    const request = { caller: ci, action: 'ecr:PutImage', resource: REPO, context: {} };
    expect(refusal(request, { allowed: false, because: 'no-identity-allow' })).toBe(
      `User: ${ci.arn} is not authorized to perform: ecr:PutImage on resource: ${REPO} because no identity-based policy allows the ecr:PutImage action`,
    );
    expect(refusal(request, { allowed: false, because: 'explicit-resource-deny' })).toBe(
      `User: ${ci.arn} is not authorized to perform: ecr:PutImage on resource: ${REPO} with an explicit deny in a resource-based policy`,
    );
  });

  it('refuses documents that are not policies', () => {
    expect(() => parsePolicy('{')).toThrow(PolicyError);
    expect(() => parsePolicy({ Statement: [{ Effect: 'Maybe', Action: '*' }] })).toThrow(PolicyError);
    expect(() => parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', NotAction: '*' }] })).toThrow(PolicyError);
    expect(() => parsePolicy({ Version: '2020-01-01', Statement: [{ Effect: 'Allow', Action: '*' }] })).toThrow(PolicyError);
  });
});
