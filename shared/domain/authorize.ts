/**
 * The one decision point: every domain entry point names the IAM action and the resource it needs and asks
 * `authorize` before acting. No protocol adapter decides anything itself. The registry's Authorizer decides as IAM
 * does (shared/iam/authorizer.ts); `allowAuthenticated` is for tests that are about something else.
 */
import type { Config } from '../config.ts';
import type { RepositoryRecord, ResourceTag } from '../store/types.ts';
import type { Actor } from './actor.ts';

/** Decides whether an actor may perform `action` (`ecr:PutImage`) on `resource` (an ARN, or `*`); throws AccessDeniedException when not. */
export interface Authorizer {
  authorize(actor: Actor, action: string, resource: string, facts?: Facts): Promise<void>;
}

/**
 * What the decision may need beyond the actor, action and resource: `repository`, what the caller already read of the
 * resource, so the decision need not read it again (`null`: it does not exist); `requestTags`, the tags the request
 * sets (CreateRepository, TagResource: aws:RequestTag/<key> and aws:TagKeys); `tagKeys`, the tag keys it names
 * (UntagResource: aws:TagKeys).
 */
export type Facts = { repository?: RepositoryRecord | null; requestTags?: readonly ResourceTag[]; tagKeys?: readonly string[] };

/** Allows every authenticated actor everything: authentication already happened in the protocol adapter. */
export const allowAuthenticated: Authorizer = { authorize: async () => undefined };

/** The ARN of a repository of this registry: the resource of every repository action. */
export const repositoryArn = (config: Pick<Config, 'region' | 'registryId'>, name: string) =>
  `arn:aws:ecr:${config.region}:${config.registryId}:repository/${name}`;

/** Resource of the actions that have no resource type (registry-wide ones, GetAuthorizationToken). */
export const ANY_RESOURCE = '*';
