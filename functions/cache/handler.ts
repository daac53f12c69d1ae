/** Lambda of the cache group: repository creation templates and pull through cache rules. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/cache.json' with { type: 'json' };
import * as templates from '../../shared/registry/creation-template-operations.ts';
import * as rules from '../../shared/pull-through/rules.ts';

export const operations = {
  CreateRepositoryCreationTemplate: templates.createRepositoryCreationTemplate,
  DescribeRepositoryCreationTemplates: templates.describeRepositoryCreationTemplates,
  UpdateRepositoryCreationTemplate: templates.updateRepositoryCreationTemplate,
  DeleteRepositoryCreationTemplate: templates.deleteRepositoryCreationTemplate,
  CreatePullThroughCacheRule: rules.createPullThroughCacheRule,
  DescribePullThroughCacheRules: rules.describePullThroughCacheRules,
  UpdatePullThroughCacheRule: rules.updatePullThroughCacheRule,
  DeletePullThroughCacheRule: rules.deletePullThroughCacheRule,
  ValidatePullThroughCacheRule: rules.validatePullThroughCacheRule,
} satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores. */
export const parts: DepsParts = { stores: dynamoStores };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
