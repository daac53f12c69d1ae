/**
 * Pull-time update exclusions: Register/Deregister/ListPullTimeUpdateExclusions, at most 100 principals, and
 * `pullTimeRecorded`, which the pulls (BatchGetImage, the OCI manifest GET) ask before recording an image's pull time.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { ExclusionAlreadyExistsException, ExclusionNotFoundException, LimitExceededException } from '../errors.ts';
import type { DeregisterPullTimeUpdateExclusionInput, ListPullTimeUpdateExclusionsInput, RegisterPullTimeUpdateExclusionInput } from '../model/types.ts';
import { authorize } from './common.ts';
import { nextToken, readToken } from './pagination.ts';

/** The most principals a registry may exclude (the model's PullTimeUpdateExclusionList). */
export const EXCLUSION_LIMIT = 100;
/** A page of ListPullTimeUpdateExclusions when maxResults is not given. */
const DEFAULT_PAGE = 100;
const LISTING = 'ListPullTimeUpdateExclusions';

/** Whether a pull by `actor` records the image's pull time: not when its principal is excluded. */
export async function pullTimeRecorded(deps: Pick<Deps, 'registry'>, actor: Actor): Promise<boolean> {
  if (actor.kind !== 'principal') return true;
  return !(await deps.registry.exclusions()).some((e) => e.principalArn === actor.arn);
}

/** RegisterPullTimeUpdateExclusion: ExclusionAlreadyExistsException for a listed principal, LimitExceededException over 100. */
export async function registerPullTimeUpdateExclusion(deps: Deps, actor: Actor, input: RegisterPullTimeUpdateExclusionInput) {
  await authorize(deps, actor, 'ecr:RegisterPullTimeUpdateExclusion', ANY_RESOURCE);
  const createdAt = deps.now().getTime();
  const registryId = deps.config.registryId;
  const result = await deps.registry.addExclusion({ principalArn: input.principalArn, createdAt }, EXCLUSION_LIMIT);
  if (result === 'exists') {
    throw new ExclusionAlreadyExistsException(
      `The principal '${input.principalArn}' is already excluded from pull time updates in the registry with id '${registryId}'`,
    );
  }
  if (result === 'limit') {
    throw new LimitExceededException(
      `The pull time update exclusion list of the registry with id '${registryId}' already has ${EXCLUSION_LIMIT} principals, the most it may have`,
    );
  }
  return { principalArn: input.principalArn, createdAt: new Date(createdAt) };
}

/** DeregisterPullTimeUpdateExclusion: ExclusionNotFoundException for a principal not listed. */
export async function deregisterPullTimeUpdateExclusion(deps: Deps, actor: Actor, input: DeregisterPullTimeUpdateExclusionInput) {
  await authorize(deps, actor, 'ecr:DeregisterPullTimeUpdateExclusion', ANY_RESOURCE);
  if (!(await deps.registry.removeExclusion(input.principalArn))) {
    throw new ExclusionNotFoundException(
      `The principal '${input.principalArn}' is not excluded from pull time updates in the registry with id '${deps.config.registryId}'`,
    );
  }
  return { principalArn: input.principalArn };
}

/** ListPullTimeUpdateExclusions: the excluded principal ARNs in order, `maxResults` (default 100) a page. */
export async function listPullTimeUpdateExclusions(deps: Deps, actor: Actor, input: ListPullTimeUpdateExclusionsInput) {
  await authorize(deps, actor, 'ecr:ListPullTimeUpdateExclusions', ANY_RESOURCE);
  const registryId = deps.config.registryId;
  const after = readToken<string>(deps, LISTING, registryId, input.nextToken);
  const limit = input.maxResults ?? DEFAULT_PAGE;
  const rest = (await deps.registry.exclusions()).map((e) => e.principalArn).filter((arn) => after === undefined || arn > after);
  const page = rest.slice(0, limit);
  return {
    pullTimeUpdateExclusions: page,
    ...(rest.length > limit ? { nextToken: nextToken(deps, LISTING, registryId, page[page.length - 1]) } : {}),
  };
}
