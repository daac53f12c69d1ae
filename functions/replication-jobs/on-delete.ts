/**
 * Lambda of the EventBridge rule on "ECR Image Action" DELETE events: with REPLICATION_SYNC_DELETES=1 (beyond ECR),
 * the deletion is replayed at each destination of the matching replication rules by the replicate state machine.
 * Enters the domain as the `replication` service actor.
 */
import { randomUUID } from 'node:crypto';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { replicateOnDelete } from '../../shared/replication/job.ts';

/** The clients this entry point builds: stores (the configuration), jobs (the replicate state machine). */
export const parts: DepsParts = { stores: dynamoStores, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

/** Replays the deletion at the destinations when deletions sync and a rule covers the repository; the started run, or null. */
export const onImageDelete = async (event: RegistryEvent) => {
  const deps = fromEnv();
  return { replication: await replicateOnDelete(deps, serviceActor(deps.config, 'replication', randomUUID()), event) };
};
