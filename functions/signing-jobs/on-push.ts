/**
 * Lambda of the EventBridge rule on "ECR Image Action" PUSH events: managed signing on push where the registry's
 * signing rules match the repository, by claiming IN_PROGRESS per profile and starting the sign state machine.
 * Enters the domain as the `signing` service actor.
 */
import { randomUUID } from 'node:crypto';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { signOnPush } from '../../shared/signing/job.ts';

/** The clients this entry point builds: stores (configuration, statuses), jobs (the sign state machine). */
export const parts: DepsParts = { stores: dynamoStores, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

/** Signs the pushed image when a signing rule covers its repository; the started signing, or null. */
export const onImageAction = async (event: RegistryEvent) => {
  const deps = fromEnv();
  return { signing: await signOnPush(deps, serviceActor(deps.config, 'signing', randomUUID()), event) };
};
