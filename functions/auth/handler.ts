/** Lambda of the auth group: GetAuthorizationToken. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/auth.json' with { type: 'json' };
import { getAuthorizationToken } from '../../shared/registry/auth.ts';

export const operations = { GetAuthorizationToken: getAuthorizationToken } satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): none but the secret's SSM read. */
export const parts: DepsParts = {};
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
