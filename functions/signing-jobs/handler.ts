/**
 * Lambda of the signing jobs: the Task states of infra/sign.asl.json, keyed by state name (the local registry runs
 * the same tasks). Every task enters the domain as the `signing` service actor; SignImage authorizes the signing
 * itself with the pusher's identity, so this function reads the principals document. The EventBridge entry point
 * (signing on push) has a module of its own: on-push.ts.
 */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { awsSignerPart } from '../../shared/deps/signer.ts';
import { bindTasks, taskHandler, type Tasks } from '../../shared/jobs/starter.ts';
import { SIGNING_TASKS } from '../../shared/signing/job.ts';

/** The clients the tasks build: stores (images, statuses), blobs (the signature's blobs), events (its PUSH event), signer (AWS Signer). */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents, signer: awsSignerPart };
const fromEnv = lambdaDeps(parts);

/** The tasks of infra/sign.asl.json keyed by state name; each takes the state's `signing` (one image, one profile). */
export function createTasks(deps: () => Deps): Tasks {
  return bindTasks('signing', SIGNING_TASKS, deps, (input) => input.signing ?? input);
}

/** Step Functions task entry point: runs the task named by the state's `task` parameter. */
export const handler = taskHandler(createTasks(fromEnv));
