/**
 * The Authorizer that decides as IAM does (./evaluate.ts): the caller's identity policies from the principals
 * directory, the resource policies of the registry's account when the resource is a repository (the repository's
 * policy and the registry policy, which in ECR's V2 scope applies to every repository action it names), and the
 * request context (who, from where,
 * when, over TLS, the repository's tags). Service actors (the registry's own jobs) act on the registry's behalf.
 */
import type { Actor } from '../domain/actor.ts';
import type { Authorizer, Facts } from '../domain/authorize.ts';
import { AccessDeniedException } from '../errors.ts';
import type { RepositoryRecord } from '../store/types.ts';
import type { Context } from './conditions.ts';
import { evaluate, refusal, usernameOf } from './evaluate.ts';
import { parsePolicy, type Policy } from './policy.ts';
import type { Directory } from './principals.ts';

export type PolicyAuthorizerOptions = {
  /** The principals as they are now (the file may change while the registry runs). */
  directory: () => Directory;
  registryId: string;
  region: string;
  /** The repository a repository ARN names, if it exists (its policy and tags take part in the decision). */
  repository: (name: string) => Promise<RepositoryRecord | undefined>;
  /** The registry policy's text, if any (read through a short cache: shared/store/registry.ts). */
  registryPolicy: () => Promise<string | undefined>;
  now: () => Date;
};

/**
 * The actions a replication copy performs at its destination (shared/replication/destination.ts): each is decided as
 * `ecr:ReplicateImage` on the repository when the request carries the signed replication marker. Creating the
 * repository stays `ecr:CreateRepository`, as in ECR.
 */
export const REPLICATION_COPY_ACTIONS: ReadonlySet<string> = new Set([
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
]);

export class PolicyAuthorizer implements Authorizer {
  private readonly repositoryPrefix: string;
  /** Repository and registry policies parsed once per text. */
  private readonly parsed = new Map<string, Policy | undefined>();

  constructor(private readonly options: PolicyAuthorizerOptions) {
    this.repositoryPrefix = `arn:aws:ecr:${options.region}:${options.registryId}:repository/`;
  }

  async authorize(actor: Actor, requested: string, resource: string, facts: Facts = {}): Promise<void> {
    if (actor.kind === 'service') return;
    // Another registry's replication copy: what the copy reads and writes is allowed by ecr:ReplicateImage alone.
    const action = actor.replicationFrom !== undefined && REPLICATION_COPY_ACTIONS.has(requested) ? 'ecr:ReplicateImage' : requested;
    const principal = this.options.directory().byArn(actor.arn);
    const caller = { arn: actor.arn, account: principal?.account ?? actor.account, root: principal?.root ?? false };
    const now = this.options.now();
    const context: Context = {
      'aws:PrincipalArn': actor.arn,
      'aws:PrincipalAccount': caller.account,
      'aws:username': usernameOf(actor.arn),
      'aws:SourceIp': actor.via.sourceIp?.replace(/^::ffff:/, ''),
      'aws:SecureTransport': String(actor.via.secureTransport === true),
      'aws:CurrentTime': now.toISOString(),
      'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    };
    // The request's tags, as AWS gives them to CreateRepository, TagResource (keys and values) and UntagResource (keys).
    for (const tag of facts.requestTags ?? []) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
    if (facts.requestTags || facts.tagKeys) context['aws:TagKeys'] = [...(facts.tagKeys ?? facts.requestTags!.map((t) => t.Key))];
    const resourcePolicies: Policy[] = [];
    if (resource.startsWith(this.repositoryPrefix)) {
      const repo =
        facts.repository === undefined ? await this.options.repository(resource.slice(this.repositoryPrefix.length)) : (facts.repository ?? undefined);
      for (const tag of repo?.tags ?? []) context[`aws:ResourceTag/${tag.Key}`] = context[`ecr:ResourceTag/${tag.Key}`] = tag.Value;
      const policy = repo?.policyText === undefined ? undefined : this.policyOf(repo.policyText);
      if (policy) resourcePolicies.push(policy);
      const registryText = await this.options.registryPolicy();
      const registryPolicy = registryText === undefined ? undefined : this.policyOf(registryText);
      if (registryPolicy) resourcePolicies.push(registryPolicy);
    }
    const request = { caller, action, resource, context };
    // A principal removed from the file has no identity policies left: only what a resource policy grants it remains.
    const decision = evaluate(request, { identity: principal?.policies ?? [], resource: resourcePolicies, resourceAccount: this.options.registryId });
    if (!decision.allowed) throw new AccessDeniedException(refusal(request, decision));
  }

  private policyOf(text: string): Policy | undefined {
    if (!this.parsed.has(text)) {
      let policy: Policy | undefined;
      try {
        policy = parsePolicy(text);
      } catch {
        // SetRepositoryPolicy and PutRegistryPolicy validate what they store: a text that does not parse here grants and denies nothing.
        policy = undefined;
      }
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(text, policy);
    }
    return this.parsed.get(text);
  }
}
