/** Repository operations: create, describe, delete, tag mutability, scanning configuration, tags. */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type {
  CreateRepositoryInput,
  DeleteRepositoryInput,
  DescribeRepositoriesInput,
  ListTagsForResourceInput,
  PutImageScanningConfigurationInput,
  PutImageTagMutabilityInput,
  TagResourceInput,
  UntagResourceInput,
  EncryptionConfiguration,
} from '../model/types.ts';
import {
  invalidParameter,
  InvalidTagParameterException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  TooManyTagsException,
} from '../errors.ts';
import type { ExclusionFilter, RepositoryRecord, ResourceTag } from '../store/types.ts';
import { ANY_RESOURCE, type Facts } from '../domain/authorize.ts';
import { authorize, checkRegistryId, openRepository, repositoryArn, repositoryNameFromArn, repositoryNotFound, repositoryView } from './common.ts';
import { nextToken, readToken } from './pagination.ts';
import { checkMutabilitySetting } from './tag-mutability.ts';
import { imageDeletedEvent } from './events.ts';
import { markManifests, markPartition, releasePartition } from '../gc/marks.ts';

export const MAX_TAGS = 50;
const DEFAULT_PAGE = 100;

/** CreateRepository: a new, empty repository; RepositoryAlreadyExistsException if the name is taken. */
export async function createRepository(deps: Deps, actor: Actor, input: CreateRepositoryInput) {
  checkRegistryId(deps, input.registryId);
  const repo = await createRepositoryRecord(deps, actor, {
    repositoryName: input.repositoryName,
    imageTagMutability: input.imageTagMutability,
    imageTagMutabilityExclusionFilters: input.imageTagMutabilityExclusionFilters,
    scanOnPush: input.imageScanningConfiguration?.scanOnPush,
    encryptionConfiguration: input.encryptionConfiguration,
    tags: input.tags,
  });
  return { repository: repositoryView(deps, actor, repo) };
}

/** The settings a repository is created with: CreateRepository's members, or a creation template's (with its policy). */
export type NewRepository = {
  repositoryName: string;
  imageTagMutability?: RepositoryRecord['imageTagMutability'];
  imageTagMutabilityExclusionFilters?: ExclusionFilter[];
  scanOnPush?: boolean;
  encryptionConfiguration?: EncryptionConfiguration;
  tags?: ResourceTag[];
  policyText?: string;
  /** The prefix of the pull through cache rule creating the repository, if one is. */
  pullThroughCache?: string;
};

/**
 * The one creation path, CreateRepository's and every creator's (shared/registry/creation-templates.ts): asks
 * ecr:CreateRepository on the new repository's ARN (its tags are the request's), validates the settings, and
 * writes the repository item once (REPOSITORY_NAME_IS_FREE); RepositoryAlreadyExistsException if the name is taken.
 */
export async function createRepositoryRecord(deps: Deps, actor: Actor, settings: NewRepository): Promise<RepositoryRecord> {
  const registryId = deps.config.registryId;
  await authorize(deps, actor, 'ecr:CreateRepository', repositoryArn(deps.config, settings.repositoryName), { requestTags: settings.tags ?? [] });
  const mutability = settings.imageTagMutability ?? 'MUTABLE';
  const filters = checkMutabilitySetting(mutability, settings.imageTagMutabilityExclusionFilters);
  const tags = mergeTags([], settings.tags ?? []);
  const encryption = checkEncryption(deps, settings.encryptionConfiguration);
  const repo: RepositoryRecord = {
    name: settings.repositoryName,
    uid: randomUUID(),
    createdAt: deps.now().getTime(),
    imageTagMutability: mutability,
    ...(filters ? { imageTagMutabilityExclusionFilters: filters } : {}),
    scanOnPush: settings.scanOnPush ?? false,
    ...encryption,
    tags,
    ...(settings.policyText !== undefined ? { policyText: settings.policyText } : {}),
    ...(settings.pullThroughCache !== undefined ? { pullThroughCache: settings.pullThroughCache } : {}),
  };
  if (!(await deps.repositories.create(repo))) {
    throw new RepositoryAlreadyExistsException(`The repository with name '${repo.name}' already exists in the registry with id '${registryId}'`);
  }
  return repo;
}

/** The encryption a repository gets: AES256 by default, KMS with ECR's AWS-managed key when none is named. */
export function checkEncryption(deps: Deps, config: EncryptionConfiguration | undefined): Pick<RepositoryRecord, 'encryptionType' | 'kmsKey'> {
  if (!config) return { encryptionType: 'AES256' };
  if (config.encryptionType === 'AES256') {
    if (config.kmsKey) throw invalidParameter('encryptionConfiguration', 'kmsKey can only be specified when encryptionType is KMS or KMS_DSSE');
    return { encryptionType: 'AES256' };
  }
  const { region, registryId } = deps.config;
  return { encryptionType: config.encryptionType, kmsKey: config.kmsKey ?? `arn:aws:kms:${region}:${registryId}:alias/aws/ecr` };
}

/** DescribeRepositories: the named repositories, or all of them a page at a time in name order. */
export async function describeRepositories(deps: Deps, actor: Actor, input: DescribeRepositoriesInput) {
  checkRegistryId(deps, input.registryId);
  if (input.repositoryNames) {
    if (input.nextToken !== undefined || input.maxResults !== undefined) {
      throw invalidParameter('maxResults', 'maxResults and nextToken cannot be specified with repositoryNames');
    }
    const repositories = [];
    for (const name of input.repositoryNames)
      repositories.push(repositoryView(deps, actor, await openRepository(deps, actor, 'ecr:DescribeRepositories', name)));
    return { repositories };
  }
  await authorize(deps, actor, 'ecr:DescribeRepositories', ANY_RESOURCE);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  let cursor = readToken<Record<string, any>>(deps, 'DescribeRepositories', 'repositories', input.nextToken);
  const page = await deps.repositories.list(limit, cursor);
  cursor = page.cursor;
  // A full page may be the last one: look ahead so the final page carries no token.
  const more = cursor && (await deps.repositories.list(1, cursor)).items.length > 0;
  return {
    repositories: page.items.map((r) => repositoryView(deps, actor, r)),
    ...(more ? { nextToken: nextToken(deps, 'DescribeRepositories', 'repositories', cursor) } : {}),
  };
}

/** DeleteRepository: refuses a repository with images unless `force`; with force removes its images too. */
export async function deleteRepository(deps: Deps, actor: Actor, input: DeleteRepositoryInput) {
  const repo = await openRepository(deps, actor, 'ecr:DeleteRepository', input.repositoryName, input.registryId);
  const { images } = deps;
  const first = await images.list(repo.uid, 1);
  if (first.items.length > 0 && !input.force) {
    throw new RepositoryNotEmptyException(
      `The repository with name '${repo.name}' in registry with id '${deps.config.registryId}' cannot be deleted because it still contains images`,
    );
  }
  // Garbage collection learns of the partition before the repository goes: a deletion killed halfway leaves the mark.
  await markPartition(deps, repo);
  if (!(await deps.repositories.delete(repo.name, repo.uid))) throw repositoryNotFound(deps, repo.name);
  // The repository is gone from here on; announce and remove what it held. Its blobs lose it as a referrer (R2a) and
  // are marked: garbage collection frees those no other repository references.
  let cursor: Record<string, any> | undefined;
  do {
    const page = await images.list(repo.uid, 100, cursor);
    const events = [];
    await markManifests(deps, repo.uid, page.items);
    for (const image of page.items) {
      const tags = await images.tagsOf(repo.uid, image.digest);
      events.push(...(tags.length ? tags : [undefined]).map((tag) => imageDeletedEvent(deps, repo.name, image.digest, tag)));
    }
    await deps.events.publish(events);
    cursor = page.cursor;
  } while (cursor);
  await releasePartition(deps, repo.uid);
  await deps.repositories.deleteContents(repo.uid);
  return { repository: repositoryView(deps, actor, repo) };
}

/** PutImageTagMutability: changes the setting (and exclusion filters) of an existing repository. */
export async function putImageTagMutability(deps: Deps, actor: Actor, input: PutImageTagMutabilityInput) {
  const repo = await openRepository(deps, actor, 'ecr:PutImageTagMutability', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const filters = checkMutabilitySetting(input.imageTagMutability, input.imageTagMutabilityExclusionFilters);
  const updated = await deps.repositories.update(
    repo.name,
    repo.uid,
    { imageTagMutability: input.imageTagMutability, imageTagMutabilityExclusionFilters: filters },
    filters ? [] : ['imageTagMutabilityExclusionFilters'],
  );
  if (!updated) throw repositoryNotFound(deps, repo.name);
  return {
    registryId,
    repositoryName: repo.name,
    imageTagMutability: updated.imageTagMutability,
    ...(filters ? { imageTagMutabilityExclusionFilters: filters } : {}),
  };
}

/** PutImageScanningConfiguration: turns scan on push on or off for a repository. */
export async function putImageScanningConfiguration(deps: Deps, actor: Actor, input: PutImageScanningConfigurationInput) {
  const repo = await openRepository(deps, actor, 'ecr:PutImageScanningConfiguration', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const updated = await deps.repositories.update(repo.name, repo.uid, { scanOnPush: input.imageScanningConfiguration.scanOnPush ?? false });
  if (!updated) throw repositoryNotFound(deps, repo.name);
  return { registryId, repositoryName: repo.name, imageScanningConfiguration: { scanOnPush: updated.scanOnPush } };
}

/** The repository a resource ARN names, for `action` (TagResource and friends). */
async function repositoryOfArn(deps: Deps, actor: Actor, action: string, arn: string, request: Omit<Facts, 'repository'> = {}) {
  const name = repositoryNameFromArn(deps, arn);
  if (!name) throw invalidParameter('resourceArn', `Invalid ARN: ${arn}`);
  return openRepository(deps, actor, action, name, undefined, request);
}

/** TagResource: adds or overwrites tags on a repository, at most 50 in all. */
export async function tagResource(deps: Deps, actor: Actor, input: TagResourceInput) {
  const repo = await repositoryOfArn(deps, actor, 'ecr:TagResource', input.resourceArn, { requestTags: input.tags });
  const tags = mergeTags(repo.tags, input.tags);
  if (!(await deps.repositories.update(repo.name, repo.uid, { tags }))) throw repositoryNotFound(deps, repo.name);
  return {};
}

/** UntagResource: removes tags by key; unknown keys are ignored. */
export async function untagResource(deps: Deps, actor: Actor, input: UntagResourceInput) {
  const repo = await repositoryOfArn(deps, actor, 'ecr:UntagResource', input.resourceArn, { tagKeys: input.tagKeys });
  const remove = new Set<string>(input.tagKeys);
  const tags = repo.tags.filter((t) => !remove.has(t.Key));
  if (!(await deps.repositories.update(repo.name, repo.uid, { tags }))) throw repositoryNotFound(deps, repo.name);
  return {};
}

/** ListTagsForResource: a repository's tags. */
export async function listTagsForResource(deps: Deps, actor: Actor, input: ListTagsForResourceInput) {
  const repo = await repositoryOfArn(deps, actor, 'ecr:ListTagsForResource', input.resourceArn);
  return { tags: repo.tags };
}

/** Tags after adding `added` to `current` (same key overwrites), checked as ECR checks them. */
export function mergeTags(current: ResourceTag[], added: ResourceTag[]): ResourceTag[] {
  const merged = new Map(current.map((t) => [t.Key, t.Value]));
  for (const tag of added) {
    if (
      tag.Key.length < 1 ||
      tag.Key.length > 128 ||
      tag.Value.length > 256 ||
      /^aws:/i.test(tag.Key) ||
      !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(tag.Key + tag.Value)
    ) {
      throw new InvalidTagParameterException(
        `Invalid tag: key '${tag.Key}'. Tag keys must be 1-128 and values 0-256 Unicode letters, digits, white space or _.:/=+-@, and keys may not start with 'aws:'.`,
      );
    }
    merged.set(tag.Key, tag.Value);
  }
  if (merged.size > MAX_TAGS) throw new TooManyTagsException(`A repository can have at most ${MAX_TAGS} tags; the request would give it ${merged.size}.`);
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}
