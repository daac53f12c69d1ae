/**
 * CreateRepositoryCreationTemplate, DescribeRepositoryCreationTemplates, UpdateRepositoryCreationTemplate and
 * DeleteRepositoryCreationTemplate. A template's members are validated as the operations they stand for validate
 * them (CreateRepository's tags, tag mutability and encryption, SetRepositoryPolicy's policy, PutLifecyclePolicy's
 * policy), all refused as InvalidParameterException, the one error these operations list for bad members.
 * Registry-wide actions: authorized on `*` by identity policies, as ECR grants them.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import {
  type EcrError,
  invalidParameter,
  InvalidTagParameterException,
  LimitExceededException,
  TemplateAlreadyExistsException,
  TemplateNotFoundException,
  TooManyTagsException,
} from '../errors.ts';
import { parsePolicy as parseLifecyclePolicy } from '../lifecycle/policy.ts';
import type {
  CreateRepositoryCreationTemplateInput,
  DeleteRepositoryCreationTemplateInput,
  DescribeRepositoryCreationTemplatesInput,
  EncryptionConfigurationForRepositoryCreationTemplate,
  RCTAppliedFor,
  UpdateRepositoryCreationTemplateInput,
} from '../model/types.ts';
import { templateKeyOf, type CreationTemplateRecord } from '../store/templates.ts';
import type { ExclusionFilter, ResourceTag } from '../store/types.ts';
import { authorize, checkRegistryId } from './common.ts';
import { nextToken, readToken } from './pagination.ts';
import { validateRepositoryPolicy } from './policy.ts';
import { mergeTags } from './repositories.ts';
import { checkMutabilitySetting } from './tag-mutability.ts';

/**
 * The most templates a registry holds. ECR's published quotas name no number for templates (the model lists
 * LimitExceededException); this is the quota of its sibling, pull through cache rules per registry.
 */
export const TEMPLATE_LIMIT = 50;
const DEFAULT_PAGE = 100;
const LISTING = 'DescribeRepositoryCreationTemplates';
/** How often an update reads again after another update landed between its read and its write. */
const UPDATE_ATTEMPTS = 10;

/** CreateRepositoryCreationTemplate: TemplateAlreadyExistsException for a prefix that has one, LimitExceededException past the quota. */
export async function createRepositoryCreationTemplate(deps: Deps, actor: Actor, input: CreateRepositoryCreationTemplateInput) {
  const registryId = checkRegistryId(deps, undefined);
  await authorize(deps, actor, 'ecr:CreateRepositoryCreationTemplate', ANY_RESOURCE);
  const now = deps.now().getTime();
  const template = checkTemplate(deps, {
    prefix: input.prefix,
    ...definedMembers(input),
    resourceTags: input.resourceTags ?? [],
    imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
    appliedFor: input.appliedFor,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  // Best effort under concurrent creations: the count and the write are two requests.
  if ((await deps.templates.count()) >= TEMPLATE_LIMIT) {
    throw new LimitExceededException(`The maximum number of repository creation templates (${TEMPLATE_LIMIT}) for registry '${registryId}' has been reached.`);
  }
  if (!(await deps.templates.create(template))) {
    throw new TemplateAlreadyExistsException(
      `The repository creation template with prefix '${input.prefix}' already exists in the registry with id '${registryId}'`,
    );
  }
  return { registryId, repositoryCreationTemplate: templateView(template) };
}

/** DescribeRepositoryCreationTemplates: the named prefixes' templates (those that exist), or all, a page at a time in prefix order. */
export async function describeRepositoryCreationTemplates(deps: Deps, actor: Actor, input: DescribeRepositoryCreationTemplatesInput) {
  const registryId = checkRegistryId(deps, undefined);
  await authorize(deps, actor, 'ecr:DescribeRepositoryCreationTemplates', ANY_RESOURCE);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  if (input.prefixes?.length) {
    // A short list read at once; its pages are offsets into it.
    const offset = readToken<number>(deps, LISTING, 'prefixes', input.nextToken) ?? 0;
    const found = (await deps.templates.getMany(input.prefixes)).sort((a, b) => compare(templateKeyOf(a.prefix), templateKeyOf(b.prefix)));
    const page = found.slice(offset, offset + limit);
    return {
      registryId,
      repositoryCreationTemplates: page.map(templateView),
      ...(offset + limit < found.length ? { nextToken: nextToken(deps, LISTING, 'prefixes', offset + limit) } : {}),
    };
  }
  const cursor = readToken<Record<string, any>>(deps, LISTING, 'all', input.nextToken);
  const page = await deps.templates.list(limit, cursor);
  // A full page may be the last one: look ahead so the final page carries no token.
  const more = page.cursor && (await deps.templates.list(1, page.cursor)).items.length > 0;
  return {
    registryId,
    repositoryCreationTemplates: page.items.map(templateView),
    ...(more ? { nextToken: nextToken(deps, LISTING, 'all', page.cursor) } : {}),
  };
}

/**
 * UpdateRepositoryCreationTemplate, as ECR's API reference says of each member: an omitted imageTagMutability is
 * MUTABLE again (its exclusion filters kept only for a *_WITH_EXCLUSION setting given without new ones); every other
 * omitted member stays as it was; an empty string or list clears a member.
 */
export async function updateRepositoryCreationTemplate(deps: Deps, actor: Actor, input: UpdateRepositoryCreationTemplateInput) {
  const registryId = checkRegistryId(deps, undefined);
  await authorize(deps, actor, 'ecr:UpdateRepositoryCreationTemplate', ANY_RESOURCE);
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await deps.templates.get(input.prefix);
    if (!current) throw templateNotFound(deps, input.prefix);
    const mutability = input.imageTagMutability ?? 'MUTABLE';
    const keepFilters = input.imageTagMutabilityExclusionFilters === undefined && mutability.endsWith('_WITH_EXCLUSION');
    const { imageTagMutabilityExclusionFilters: _filters, ...rest } = current;
    const updated = checkTemplate(deps, {
      ...rest,
      ...definedMembers(input),
      ...(keepFilters && current.imageTagMutabilityExclusionFilters ? { imageTagMutabilityExclusionFilters: current.imageTagMutabilityExclusionFilters } : {}),
      ...(input.resourceTags !== undefined ? { resourceTags: input.resourceTags } : {}),
      ...(input.appliedFor !== undefined ? { appliedFor: input.appliedFor } : {}),
      imageTagMutability: mutability,
      updatedAt: deps.now().getTime(),
    });
    const outcome = await deps.templates.replace(updated, current.version);
    if (outcome === 'missing') throw templateNotFound(deps, input.prefix);
    if (outcome === 'replaced') return { registryId, repositoryCreationTemplate: templateView({ ...updated, version: current.version + 1 }) };
  }
  throw new Error(`the creation template '${input.prefix}' kept changing: ${UPDATE_ATTEMPTS} updates lost the race`);
}

/** DeleteRepositoryCreationTemplate: returns the template it removed; TemplateNotFoundException when there was none. */
export async function deleteRepositoryCreationTemplate(deps: Deps, actor: Actor, input: DeleteRepositoryCreationTemplateInput) {
  const registryId = checkRegistryId(deps, undefined);
  await authorize(deps, actor, 'ecr:DeleteRepositoryCreationTemplate', ANY_RESOURCE);
  const deleted = await deps.templates.delete(input.prefix);
  if (!deleted) throw templateNotFound(deps, input.prefix);
  return { registryId, repositoryCreationTemplate: templateView(deleted) };
}

type OptionalMembers = Pick<
  CreateRepositoryCreationTemplateInput,
  'description' | 'encryptionConfiguration' | 'imageTagMutabilityExclusionFilters' | 'repositoryPolicy' | 'lifecyclePolicy' | 'customRoleArn'
>;

/** The optional members a request gives (an empty string clears its member: it is dropped when checked). */
function definedMembers(input: OptionalMembers): Partial<CreationTemplateRecord> {
  const members: Partial<CreationTemplateRecord> = {};
  if (input.description !== undefined) members.description = input.description;
  if (input.encryptionConfiguration !== undefined) members.encryptionConfiguration = input.encryptionConfiguration;
  if (input.imageTagMutabilityExclusionFilters !== undefined)
    members.imageTagMutabilityExclusionFilters = input.imageTagMutabilityExclusionFilters as ExclusionFilter[];
  if (input.repositoryPolicy !== undefined) members.repositoryPolicy = input.repositoryPolicy;
  if (input.lifecyclePolicy !== undefined) members.lifecyclePolicy = input.lifecyclePolicy;
  if (input.customRoleArn !== undefined) members.customRoleArn = input.customRoleArn;
  return members;
}

/** Validates a whole template as its members' own operations would; returns it with empty members dropped. */
function checkTemplate(deps: Deps, t: CreationTemplateRecord): CreationTemplateRecord {
  const appliedFor = [...new Set<RCTAppliedFor>(t.appliedFor)];
  if (appliedFor.length === 0) throw invalidParameter('appliedFor', 'must name at least one of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH');
  const filters = checkMutabilitySetting(t.imageTagMutability, t.imageTagMutabilityExclusionFilters);
  const tags = checkTags(t.resourceTags);
  const encryption = checkEncryption(t.encryptionConfiguration);
  if (t.repositoryPolicy) validateRepositoryPolicy(t.repositoryPolicy);
  if (t.lifecyclePolicy) parseLifecyclePolicy(t.lifecyclePolicy);
  if (t.customRoleArn) checkRole(deps, t.customRoleArn);
  const { imageTagMutabilityExclusionFilters: _f, encryptionConfiguration: _e, description, repositoryPolicy, lifecyclePolicy, customRoleArn, ...rest } = t;
  return {
    ...rest,
    appliedFor,
    resourceTags: tags,
    ...(filters ? { imageTagMutabilityExclusionFilters: filters } : {}),
    ...(encryption ? { encryptionConfiguration: encryption } : {}),
    ...(description ? { description } : {}),
    ...(repositoryPolicy ? { repositoryPolicy } : {}),
    ...(lifecyclePolicy ? { lifecyclePolicy } : {}),
    ...(customRoleArn ? { customRoleArn } : {}),
  };
}

/** CreateRepository's tag rules, refused as this operation's InvalidParameterException. */
function checkTags(tags: ResourceTag[]): ResourceTag[] {
  try {
    return mergeTags([], tags);
  } catch (e) {
    if (e instanceof InvalidTagParameterException || e instanceof TooManyTagsException) throw invalidParameter('resourceTags', (e as EcrError).message);
    throw e;
  }
}

function checkEncryption(config: EncryptionConfigurationForRepositoryCreationTemplate | undefined) {
  if (!config) return undefined;
  const kmsKey = config.kmsKey || undefined;
  if (config.encryptionType === 'AES256' && kmsKey) {
    throw invalidParameter('encryptionConfiguration', 'kmsKey can only be specified when encryptionType is KMS or KMS_DSSE');
  }
  return { encryptionType: config.encryptionType, ...(kmsKey ? { kmsKey } : {}) };
}

const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

/** The role must be an IAM role of the registry's own account, as ECR requires. */
function checkRole(deps: Deps, arn: string): void {
  const account = ROLE_ARN.exec(arn)?.[2];
  if (account !== deps.config.registryId) {
    throw invalidParameter('customRoleArn', `must be the ARN of an IAM role in the registry's account (${deps.config.registryId})`);
  }
}

function templateNotFound(deps: Deps, prefix: string) {
  return new TemplateNotFoundException(
    `The repository creation template with prefix '${prefix}' does not exist in the registry with id '${deps.config.registryId}'`,
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The RepositoryCreationTemplate structure of the ECR API. */
export function templateView(t: CreationTemplateRecord) {
  return {
    prefix: t.prefix,
    ...(t.description !== undefined ? { description: t.description } : {}),
    encryptionConfiguration: t.encryptionConfiguration ?? { encryptionType: 'AES256' },
    resourceTags: t.resourceTags,
    imageTagMutability: t.imageTagMutability,
    ...(t.imageTagMutabilityExclusionFilters?.length ? { imageTagMutabilityExclusionFilters: t.imageTagMutabilityExclusionFilters } : {}),
    ...(t.repositoryPolicy !== undefined ? { repositoryPolicy: t.repositoryPolicy } : {}),
    ...(t.lifecyclePolicy !== undefined ? { lifecyclePolicy: t.lifecyclePolicy } : {}),
    appliedFor: t.appliedFor,
    ...(t.customRoleArn !== undefined ? { customRoleArn: t.customRoleArn } : {}),
    createdAt: new Date(t.createdAt),
    updatedAt: new Date(t.updatedAt),
  };
}
