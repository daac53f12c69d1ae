/**
 * The destination's side of creating a replicated image's repository: CreateRepository called by another registry's
 * replication copy (the signed replication marker) creates the repository through one function,
 * createDestinationRepository, whatever settings the call names.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { CreateRepositoryInput, CreateRepositoryOutput } from '../model/types.ts';
import { createRepositoryFromTemplate } from '../registry/creation-templates.ts';
import { repositoryView } from '../registry/common.ts';
import { createRepository } from '../registry/repositories.ts';

/**
 * Creates the repository a replication copy needs at this registry (the destination), needing `ecr:CreateRepository`:
 * from this registry's REPLICATION creation template for the longest matching prefix (or ROOT), else with default
 * settings, as ECR does. A repository created meanwhile by another copy is answered as created.
 */
export async function createDestinationRepository(deps: Deps, actor: Actor, repositoryName: string): Promise<CreateRepositoryOutput> {
  const repo = await createRepositoryFromTemplate(deps, actor, repositoryName, 'REPLICATION');
  return { repository: repositoryView(deps, actor, repo) };
}

/** CreateRepository as the ECR API serves it: a replication copy's call goes to createDestinationRepository. */
export async function createRepositoryOrReplica(deps: Deps, actor: Actor, input: CreateRepositoryInput): Promise<CreateRepositoryOutput> {
  if (actor.replicationFrom !== undefined) return createDestinationRepository(deps, actor, input.repositoryName);
  return createRepository(deps, actor, input);
}
