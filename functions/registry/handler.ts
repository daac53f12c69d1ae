/** Lambda of the registry group: the registry, its policy, its replication and signing configurations and its pull-time update exclusions. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/registry.json' with { type: 'json' };
import * as registry from '../../shared/registry/registry-policy.ts';
import { putReplicationConfiguration } from '../../shared/registry/replication-configuration.ts';
import * as backfill from '../../shared/registry/replication-backfill.ts';
import * as exclusions from '../../shared/registry/pull-time-exclusions.ts';
import * as signing from '../../shared/signing/configuration.ts';

export const operations = {
  DescribeRegistry: registry.describeRegistry,
  PutRegistryPolicy: registry.putRegistryPolicy,
  GetRegistryPolicy: registry.getRegistryPolicy,
  DeleteRegistryPolicy: registry.deleteRegistryPolicy,
  PutReplicationConfiguration: putReplicationConfiguration,
  StartReplicationBackfill: backfill.startReplicationBackfill,
  StopReplicationBackfill: backfill.stopReplicationBackfill,
  ListReplicationBackfills: backfill.listReplicationBackfills,
  DescribeReplicationBackfillResults: backfill.describeReplicationBackfillResults,
  RegisterPullTimeUpdateExclusion: exclusions.registerPullTimeUpdateExclusion,
  DeregisterPullTimeUpdateExclusion: exclusions.deregisterPullTimeUpdateExclusion,
  ListPullTimeUpdateExclusions: exclusions.listPullTimeUpdateExclusions,
  PutSigningConfiguration: signing.putSigningConfiguration,
  GetSigningConfiguration: signing.getSigningConfiguration,
  DeleteSigningConfiguration: signing.deleteSigningConfiguration,
} satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, jobs (the backfill state machine). */
export const parts: DepsParts = { stores: dynamoStores, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
