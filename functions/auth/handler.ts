/** Lambda of the auth group: GetAuthorizationToken. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import { getAuthorizationToken } from '../../shared/registry/auth.ts';

export const operations = { GetAuthorizationToken: getAuthorizationToken };

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
