/**
 * Lambda of the EventBridge rule on "ECR Image Action" PUSH events: replication on push where the registry's
 * replication rules match the repository, by recording IN_PROGRESS and starting the replicate state machine. Enters
 * the domain as the `replication` service actor.
 */
import { randomUUID } from 'node:crypto';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { replicateOnPush } from '../../shared/replication/job.ts';

/** The clients this entry point builds: stores (configuration, statuses), jobs (the replicate state machine). */
export const parts: DepsParts = { stores: dynamoStores, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

/** Replicates the pushed image when a replication rule covers its repository; the started replication, or null. */
export const onImageAction = async (event: RegistryEvent) => {
  const deps = fromEnv();
  return { replication: await replicateOnPush(deps, serviceActor(deps.config, 'replication', randomUUID()), event) };
};
