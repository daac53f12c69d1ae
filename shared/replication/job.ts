/**
 * Replication as a job: a push into a repository a rule matches records IN_PROGRESS for each of the rule's
 * destinations and starts infra/replicate.asl.json, whose CopyImage task (one per destination, retried with backoff
 * while the destination is unreachable) records COMPLETE, and whose RecordFailure task records FAILED with the
 * failure code once the copy failed for good. Entered from the EventBridge rule in AWS
 * (functions/replication-jobs/on-push.ts) and from the in-process bus locally (./triggers.ts).
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import { destinationsFor } from '../registry/replication-configuration.ts';
import type { ReplicationStatusRecord } from '../store/registry.ts';
import { copyImage, type CopyRequest } from './copy.ts';
import { deleteAtDestination } from './delete.ts';
import { FAILURE_CODES, type FailureCode } from './destination.ts';

/** The state machine (infra/replicate.asl.json). */
export const REPLICATE_MACHINE = 'replicate';

/** What a started replication covers: the image and one copy per destination. */
export type StartedReplication = { executionArn: string; copies: CopyRequest[] };

/** Starts replicating a pushed image when a rule of the replication configuration matches its repository; null when none does. */
export async function replicateOnPush(deps: Deps, _actor: Actor, event: RegistryEvent): Promise<StartedReplication | null> {
  const detail = event.detail as Record<string, string | undefined>;
  if (event['detail-type'] !== 'ECR Image Action' || detail['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS') return null;
  const name = detail['repository-name'] ?? '';
  const destinations = destinationsFor(await deps.registry.getReplicationConfiguration(), name);
  if (!destinations.length) return null;
  const repo = await deps.repositories.get(name);
  const image = repo && (await deps.images.get(repo.uid, detail['image-digest'] ?? ''));
  if (!repo || !image) return null;
  const tag = detail['image-tag'];
  const copies: CopyRequest[] = destinations.map((destination) => ({
    repositoryName: repo.name,
    uid: repo.uid,
    digest: image.digest,
    ...(tag !== undefined ? { tag } : {}),
    destination,
  }));
  const updatedAt = deps.now().getTime();
  for (const copy of copies) await record(deps, copy, { status: 'IN_PROGRESS', updatedAt });
  const { executionArn } = await deps.jobs.start(REPLICATE_MACHINE, { copies });
  return { executionArn, copies };
}

/**
 * With REPLICATION_SYNC_DELETES=1 (beyond ECR), a deleted image or removed tag in a repository a rule matches is
 * deleted at each destination too, through the same state machine (its items marked `action: DELETE`); null otherwise.
 */
export async function replicateOnDelete(deps: Deps, _actor: Actor, event: RegistryEvent): Promise<StartedReplication | null> {
  const detail = event.detail as Record<string, string | undefined>;
  if (!deps.config.replicationSyncDeletes) return null;
  if (event['detail-type'] !== 'ECR Image Action' || detail['action-type'] !== 'DELETE' || detail.result !== 'SUCCESS') return null;
  const name = detail['repository-name'] ?? '';
  const destinations = destinationsFor(await deps.registry.getReplicationConfiguration(), name);
  if (!destinations.length || !detail['image-digest']) return null;
  const tag = detail['image-tag'];
  const copies: CopyRequest[] = destinations.map((destination) => ({
    action: 'DELETE',
    repositoryName: name,
    uid: '',
    digest: detail['image-digest']!,
    ...(tag !== undefined ? { tag } : {}),
    destination,
  }));
  const { executionArn } = await deps.jobs.start(REPLICATE_MACHINE, { copies });
  return { executionArn, copies };
}

/** CopyImage: copies the image to one destination and records COMPLETE (or deletes it there, for a synced delete); throws ReplicationFailure (retried or caught by the machine). */
export async function copyTask(deps: Deps, _actor: Actor, input: CopyRequest) {
  if (input.action === 'DELETE') return deleteAtDestination(deps, input);
  const result = await copyImage(deps, input);
  await record(deps, input, { status: 'COMPLETE', updatedAt: deps.now().getTime() });
  return result;
}

/** RecordFailure: records FAILED with the code the copy's last error carried (Step Functions' `{Error, Cause}`). */
export async function recordFailureTask(deps: Deps, _actor: Actor, input: CopyRequest & { error?: { Error?: string; Cause?: string } }) {
  const failureCode = failureCodeOf(input.error);
  // A synced delete has no image left to report on: its failure is the task's log line.
  if (input.action === 'DELETE') return { failureCode };
  await record(deps, input, { status: 'FAILED', failureCode, updatedAt: deps.now().getTime() });
  return { failureCode };
}

/**
 * The failure code in a caught error: the code a ReplicationFailure's message opens with (Step Functions puts the
 * Lambda's errorMessage in Cause, as JSON; the local interpreter the message itself); a timeout or an error of the
 * task itself counts as DESTINATION_UNREACHABLE, since retrying later may succeed.
 */
export function failureCodeOf(error: { Error?: string; Cause?: string } | undefined): FailureCode {
  const text = `${error?.Cause ?? ''}`;
  let message = text;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the message itself.
  }
  const code = /^(?:\w+: )?([A-Z_]+):/.exec(message)?.[1];
  return (FAILURE_CODES as readonly string[]).includes(code ?? '') ? (code as FailureCode) : 'DESTINATION_UNREACHABLE';
}

/** EndRun: the run's end (its line is logged by the task handler); how many copies it made or recorded as failed. */
export async function endRunTask(_deps: Deps, _actor: Actor, input: { copies?: unknown[] }) {
  return { copies: input.copies?.length ?? 0 };
}

/** The tasks of infra/replicate.asl.json, keyed by state name. */
export const REPLICATION_TASKS = { CopyImage: copyTask, RecordFailure: recordFailureTask, EndRun: endRunTask };

function record(deps: Deps, copy: CopyRequest, status: Omit<ReplicationStatusRecord, 'region' | 'registryId'>) {
  return deps.registry.putReplicationStatus(copy.uid, copy.digest, { region: copy.destination.region, registryId: copy.destination.registryId, ...status });
}
