/**
 * CreatePullThroughCacheRule, DescribePullThroughCacheRules, UpdatePullThroughCacheRule, DeletePullThroughCacheRule
 * and ValidatePullThroughCacheRule, validated as ECR validates them (the model's patterns and lengths are checked
 * before: shared/protocol/validate.ts). Registry-wide actions: authorized on `*` by identity policies, as ECR grants them.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { invalidParameter, LimitExceededException, PullThroughCacheRuleAlreadyExistsException, PullThroughCacheRuleNotFoundException } from '../errors.ts';
import type {
  CreatePullThroughCacheRuleInput,
  DeletePullThroughCacheRuleInput,
  DescribePullThroughCacheRulesInput,
  UpdatePullThroughCacheRuleInput,
  ValidatePullThroughCacheRuleInput,
} from '../model/types.ts';
import { authorize, checkRegistryId } from '../registry/common.ts';
import { nextToken, readToken } from '../registry/pagination.ts';
import { ruleKeyOf, type PullThroughRuleRecord } from '../store/pull-through.ts';
import { UpstreamClient, UpstreamError } from './client.ts';
import { resolveUpstream, type ResolvedUpstream } from './upstreams.ts';

/** ECR's quota of pull through cache rules per registry. */
export const RULE_LIMIT = 50;
const ROOT = 'ROOT';
const DEFAULT_PAGE = 100;
const LISTING = 'DescribePullThroughCacheRules';
const UPDATE_ATTEMPTS = 10;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

/** CreatePullThroughCacheRule: the secret it names is read (and must be readable) before the rule is stored. */
export async function createPullThroughCacheRule(deps: Deps, actor: Actor, input: CreatePullThroughCacheRuleInput) {
  const registryId = checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:CreatePullThroughCacheRule', ANY_RESOURCE);
  const upstream = resolveUpstream(input.upstreamRegistryUrl, input.upstreamRegistry);
  const upstreamRepositoryPrefix = input.upstreamRepositoryPrefix ?? ROOT;
  if (ruleKeyOf(input.ecrRepositoryPrefix) === ROOT && input.upstreamRepositoryPrefix === undefined) {
    throw invalidParameter('ecrRepositoryPrefix', 'ROOT can be used only together with an upstreamRepositoryPrefix');
  }
  if (input.upstreamRepositoryPrefix !== undefined && upstream.upstreamRegistry !== undefined && upstream.upstreamRegistry !== 'ecr') {
    throw invalidParameter('upstreamRepositoryPrefix', `is supported only for an ECR upstream (or another OCI registry), not ${upstream.upstreamRegistry}`);
  }
  checkCredential(upstream, input.credentialArn);
  checkRole(deps, upstream, input.customRoleArn);
  if (input.credentialArn) await deps.upstreamSecrets.read(input.credentialArn);
  const now = deps.now().getTime();
  const rule: PullThroughRuleRecord = {
    ecrRepositoryPrefix: input.ecrRepositoryPrefix,
    upstreamRegistryUrl: input.upstreamRegistryUrl,
    ...(upstream.upstreamRegistry ? { upstreamRegistry: upstream.upstreamRegistry } : {}),
    ...(input.credentialArn ? { credentialArn: input.credentialArn } : {}),
    ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}),
    upstreamRepositoryPrefix,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  // Best effort under concurrent creations: the count and the write are two requests.
  if ((await deps.pullThrough.count()) >= RULE_LIMIT) {
    throw new LimitExceededException(`The maximum number of pull through cache rules (${RULE_LIMIT}) for registry '${registryId}' has been reached.`);
  }
  if (!(await deps.pullThrough.create(rule))) {
    throw new PullThroughCacheRuleAlreadyExistsException(
      `A pull through cache rule with prefix '${input.ecrRepositoryPrefix}' already exists in the registry with id '${registryId}'`,
    );
  }
  const { updatedAt: _u, ...view } = ruleView(deps, rule);
  return view;
}

/** DescribePullThroughCacheRules: the named prefixes' rules (PullThroughCacheRuleNotFoundException if one has none), or all, a page at a time in prefix order. */
export async function describePullThroughCacheRules(deps: Deps, actor: Actor, input: DescribePullThroughCacheRulesInput) {
  checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:DescribePullThroughCacheRules', ANY_RESOURCE);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  if (input.ecrRepositoryPrefixes?.length) {
    const offset = readToken<number>(deps, LISTING, 'prefixes', input.nextToken) ?? 0;
    const found = await deps.pullThrough.getMany(input.ecrRepositoryPrefixes);
    const have = new Set(found.map((r) => ruleKeyOf(r.ecrRepositoryPrefix)));
    const missing = input.ecrRepositoryPrefixes.find((p) => !have.has(ruleKeyOf(p)));
    if (missing !== undefined) throw ruleNotFound(deps, missing);
    found.sort((a, b) => (ruleKeyOf(a.ecrRepositoryPrefix) < ruleKeyOf(b.ecrRepositoryPrefix) ? -1 : 1));
    const page = found.slice(offset, offset + limit);
    return {
      pullThroughCacheRules: page.map((r) => ruleView(deps, r)),
      ...(offset + limit < found.length ? { nextToken: nextToken(deps, LISTING, 'prefixes', offset + limit) } : {}),
    };
  }
  const cursor = readToken<Record<string, any>>(deps, LISTING, 'all', input.nextToken);
  const page = await deps.pullThrough.list(limit, cursor);
  const more = page.cursor && (await deps.pullThrough.list(1, page.cursor)).items.length > 0;
  return {
    pullThroughCacheRules: page.items.map((r) => ruleView(deps, r)),
    ...(more ? { nextToken: nextToken(deps, LISTING, 'all', page.cursor) } : {}),
  };
}

/** UpdatePullThroughCacheRule: a new credential (read before it is stored) or custom role; omitted members stay as they were. */
export async function updatePullThroughCacheRule(deps: Deps, actor: Actor, input: UpdatePullThroughCacheRuleInput) {
  checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:UpdatePullThroughCacheRule', ANY_RESOURCE);
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await requireRule(deps, input.ecrRepositoryPrefix);
    const upstream = resolveUpstream(current.upstreamRegistryUrl, current.upstreamRegistry);
    const credentialArn = input.credentialArn ?? current.credentialArn;
    const customRoleArn = input.customRoleArn ?? current.customRoleArn;
    checkCredential(upstream, credentialArn);
    checkRole(deps, upstream, customRoleArn || undefined);
    if (input.credentialArn) await deps.upstreamSecrets.read(input.credentialArn);
    const { credentialArn: _c, customRoleArn: _r, ...rest } = current;
    const updated: PullThroughRuleRecord = {
      ...rest,
      ...(credentialArn ? { credentialArn } : {}),
      ...(customRoleArn ? { customRoleArn } : {}),
      updatedAt: deps.now().getTime(),
    };
    if (await deps.pullThrough.replace(updated, current.version)) {
      const { createdAt: _t, upstreamRegistry: _g, ...view } = ruleView(deps, updated);
      return view;
    }
  }
  throw new Error(`the pull through cache rule '${input.ecrRepositoryPrefix}' kept changing: ${UPDATE_ATTEMPTS} updates lost the race`);
}

/** DeletePullThroughCacheRule: returns the rule it removed. The repositories it created stay, with what they cached. */
export async function deletePullThroughCacheRule(deps: Deps, actor: Actor, input: DeletePullThroughCacheRuleInput) {
  checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:DeletePullThroughCacheRule', ANY_RESOURCE);
  const deleted = await deps.pullThrough.delete(input.ecrRepositoryPrefix);
  if (!deleted) throw ruleNotFound(deps, input.ecrRepositoryPrefix);
  const { updatedAt: _u, upstreamRegistry: _g, ...view } = ruleView(deps, deleted);
  return view;
}

/** ValidatePullThroughCacheRule: reads the rule's secret and authenticates against the upstream; `isValid` false with the reason when either fails. */
export async function validatePullThroughCacheRule(deps: Deps, actor: Actor, input: ValidatePullThroughCacheRuleInput) {
  checkRegistryId(deps, input.registryId);
  await authorize(deps, actor, 'ecr:ValidatePullThroughCacheRule', ANY_RESOURCE);
  const rule = await requireRule(deps, input.ecrRepositoryPrefix);
  const failure = await upstreamFailure(deps, rule);
  const { createdAt: _t, updatedAt: _u, upstreamRegistry: _g, ...view } = ruleView(deps, rule);
  return { ...view, isValid: failure === undefined, ...(failure !== undefined ? { failure } : {}) };
}

/** Why the rule cannot pull from its upstream (its secret unreadable or incomplete, the upstream unreachable or refusing), or undefined. */
async function upstreamFailure(deps: Deps, rule: PullThroughRuleRecord): Promise<string | undefined> {
  try {
    const client = await upstreamClient(deps, rule);
    await client.check();
    return undefined;
  } catch (e) {
    if (e instanceof UpstreamError || (e as Error).name?.endsWith('Exception')) return (e as Error).message;
    throw e;
  }
}

/** A client of the rule's upstream with its credential, read now; UpstreamError for a secret without username and accessToken. */
export async function upstreamClient(deps: Deps, rule: PullThroughRuleRecord): Promise<UpstreamClient> {
  const { baseUrl } = resolveUpstream(rule.upstreamRegistryUrl, rule.upstreamRegistry);
  if (!rule.credentialArn) return new UpstreamClient(baseUrl, undefined, () => deps.now().getTime());
  const credential = await deps.upstreamSecrets.read(rule.credentialArn);
  if (!credential.username || !credential.accessToken)
    throw new UpstreamError(`The secret '${rule.credentialArn}' must hold JSON with username and accessToken`);
  return new UpstreamClient(baseUrl, credential, () => deps.now().getTime());
}

/** The rule of a prefix, or PullThroughCacheRuleNotFoundException. */
async function requireRule(deps: Deps, prefix: string): Promise<PullThroughRuleRecord> {
  const rule = await deps.pullThrough.get(prefix);
  if (!rule) throw ruleNotFound(deps, prefix);
  return rule;
}

/** ECR's credential rules: required for the registries that need one, refused for those that take none. */
function checkCredential(upstream: ResolvedUpstream, credentialArn: string | undefined) {
  const name = upstream.upstreamRegistry ?? 'this upstream';
  if (upstream.credential === 'required' && !credentialArn) throw invalidParameter('credentialArn', `a credential is required for ${name}`);
  if (upstream.credential === 'none' && credentialArn) throw invalidParameter('credentialArn', `a credential cannot be specified for ${name}`);
}

/** customRoleArn: only for an ECR upstream, and an IAM role of the registry's account. */
function checkRole(deps: Deps, upstream: ResolvedUpstream, arn: string | undefined) {
  if (!arn) return;
  if (upstream.upstreamRegistry !== 'ecr') throw invalidParameter('customRoleArn', 'can be specified only for an ECR upstream registry');
  if (ROLE_ARN.exec(arn)?.[2] !== deps.config.registryId) {
    throw invalidParameter('customRoleArn', `must be the ARN of an IAM role in the registry's account (${deps.config.registryId})`);
  }
}

function ruleNotFound(deps: Deps, prefix: string) {
  return new PullThroughCacheRuleNotFoundException(
    `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${deps.config.registryId}'`,
  );
}

/** The PullThroughCacheRule structure of the ECR API. */
function ruleView(deps: Deps, r: PullThroughRuleRecord) {
  return {
    ecrRepositoryPrefix: r.ecrRepositoryPrefix,
    upstreamRegistryUrl: r.upstreamRegistryUrl,
    createdAt: new Date(r.createdAt),
    registryId: deps.config.registryId,
    ...(r.credentialArn ? { credentialArn: r.credentialArn } : {}),
    ...(r.customRoleArn ? { customRoleArn: r.customRoleArn } : {}),
    upstreamRepositoryPrefix: r.upstreamRepositoryPrefix,
    ...(r.upstreamRegistry ? { upstreamRegistry: r.upstreamRegistry } : {}),
    updatedAt: new Date(r.updatedAt),
  };
}
