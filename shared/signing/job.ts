/**
 * Managed signing as a job: a push into a repository a signing rule matches claims IN_PROGRESS for each of the rules'
 * profiles (SIGNING_NOT_CLAIMED: never twice at once, never once COMPLETE) and starts infra/sign.asl.json, whose
 * SignImage task (one per profile) authorizes `signer:SignPayload` on the profile with the pusher's identity, has the
 * signer sign the image's descriptor, pushes the signature into the repository and records COMPLETE; RecordFailure
 * records FAILED with the failure code and reason. Entered from the EventBridge rule in AWS
 * (functions/signing-jobs/on-push.ts) and from the in-process bus locally (./triggers.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { AccessDeniedException } from '../errors.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import type { SigningStatusRecord } from '../store/registry.ts';
import { profilesFor } from './configuration.ts';
import { type Descriptor, NOTARY_SIGNATURE_ARTIFACT, notaryPayload } from './envelope.ts';
import { pushSignature } from './push-signature.ts';
import { SIGNING_FAILURE_CODES, SigningFailure, type SigningFailureCode } from './signer.ts';

/** The state machine (infra/sign.asl.json). */
export const SIGN_MACHINE = 'sign';
/** An IN_PROGRESS status older than this belongs to a job that died (the machine times out well before): another may take over. */
export const SIGNING_STALE_MS = 60 * 60 * 1000;

/** One signing: an image of a repository (by its incarnation `uid`) and a profile, claimed by job `jobId`. */
export type SigningRequest = { repositoryName: string; uid: string; digest: string; signingProfileArn: string; jobId: string };

/** What a started signing covers: one request per profile that applies and was not signed or being signed already. */
export type StartedSigning = { executionArn: string; signings: SigningRequest[] };

/**
 * Starts signing a pushed image with every profile whose rule matches its repository; null when none applies, the
 * image is itself a signature, or every profile's signature is COMPLETE or under way. When the machine cannot be
 * started, the claimed statuses are recorded FAILED (INTERNAL_ERROR) rather than left IN_PROGRESS.
 */
export async function signOnPush(deps: Deps, _actor: Actor, event: RegistryEvent): Promise<StartedSigning | null> {
  const detail = event.detail as Record<string, string | undefined>;
  if (event['detail-type'] !== 'ECR Image Action' || detail['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS') return null;
  const name = detail['repository-name'] ?? '';
  const profiles = profilesFor(await deps.registry.getSigningConfiguration(), name);
  if (!profiles.length) return null;
  const repo = await deps.repositories.get(name);
  const image = repo && (await deps.images.get(repo.uid, detail['image-digest'] ?? ''));
  if (!repo || !image || image.artifactType === NOTARY_SIGNATURE_ARTIFACT) return null;
  const jobId = randomUUID();
  const now = deps.now().getTime();
  const signings: SigningRequest[] = [];
  for (const signingProfileArn of profiles) {
    const claimed = await deps.registry.claimSigning(
      repo.uid,
      image.digest,
      { signingProfileArn, status: 'IN_PROGRESS', jobId, updatedAt: now },
      now - SIGNING_STALE_MS,
    );
    if (claimed) signings.push({ repositoryName: repo.name, uid: repo.uid, digest: image.digest, signingProfileArn, jobId });
  }
  if (!signings.length) return null;
  try {
    const { executionArn } = await deps.jobs.start(SIGN_MACHINE, { signings });
    return { executionArn, signings };
  } catch (e) {
    for (const s of signings)
      await finish(deps, s, { status: 'FAILED', failureCode: 'INTERNAL_ERROR', failureReason: `The signing job did not start: ${(e as Error).message}` });
    throw e;
  }
}

/**
 * SignImage: authorizes `signer:SignPayload` on the profile as the principal whose push created the image (the
 * registry's root for an image a service job stored), signs its descriptor, pushes the signature and records
 * COMPLETE; throws SigningFailure (retried when retryable, else caught by RecordFailure).
 */
export async function signImageTask(deps: Deps, actor: Actor, input: SigningRequest) {
  const repo = await deps.repositories.get(input.repositoryName);
  const image = repo?.uid === input.uid ? await deps.images.get(repo.uid, input.digest) : undefined;
  if (!repo || !image) throw new SigningFailure('IMAGE_NOT_FOUND', `The image ${input.digest} is no longer in the repository ${input.repositoryName}`);
  const pusher = image.pushedBy ?? { arn: `arn:aws:iam::${deps.config.registryId}:root`, account: deps.config.registryId };
  const signer: Actor = { kind: 'principal', arn: pusher.arn, account: pusher.account, via: actor.via };
  try {
    await deps.authorizer.authorize(signer, 'signer:SignPayload', input.signingProfileArn);
  } catch (e) {
    if (e instanceof AccessDeniedException) throw new SigningFailure('ACCESS_DENIED', e.message);
    throw e;
  }
  const manifestSize = image.manifestSize ?? Buffer.byteLength(image.manifest ?? (await deps.blobs.getBytes(image.manifestObject!)).toString('utf8'));
  const subject: Descriptor = { mediaType: image.manifestMediaType, digest: image.digest, size: manifestSize };
  const signed = await deps.signer.sign(input.signingProfileArn, notaryPayload(subject));
  let signatureDigest: string;
  try {
    signatureDigest = await pushSignature(deps, actor, repo.name, subject, signed.envelope, signed.annotations);
  } catch (e) {
    throw new SigningFailure('SIGNATURE_PUSH_FAILED', `The signature could not be stored: ${(e as Error).name}: ${(e as Error).message}`);
  }
  const recorded = await finish(deps, input, { status: 'COMPLETE', signatureDigest });
  return { signatureDigest, recorded };
}

/** RecordFailure: records FAILED with the code and reason the task's last error carried (Step Functions' `{Error, Cause}`). */
export async function recordFailureTask(deps: Deps, _actor: Actor, input: SigningRequest & { error?: { Error?: string; Cause?: string } }) {
  const { code, reason } = failureOf(input.error);
  await finish(deps, input, { status: 'FAILED', failureCode: code, failureReason: reason });
  return { failureCode: code };
}

/** EndRun: the run's end (its line is logged by the task handler); how many signings it covered. */
export async function endRunTask(_deps: Deps, _actor: Actor, input: { signings?: unknown[] }) {
  return { signings: input.signings?.length ?? 0 };
}

/** The tasks of infra/sign.asl.json, keyed by state name. */
export const SIGNING_TASKS = { SignImage: signImageTask, RecordFailure: recordFailureTask, EndRun: endRunTask };

/**
 * The failure code and reason in a caught error: a SigningFailure's message is `<CODE>: <reason>` (Step Functions puts
 * the Lambda's errorMessage in Cause, as JSON; the local interpreter the message itself); anything else, a timeout
 * included, is INTERNAL_ERROR with what was said.
 */
export function failureOf(error: { Error?: string; Cause?: string } | undefined): { code: SigningFailureCode; reason: string } {
  let message = `${error?.Cause ?? ''}`;
  try {
    const parsed = JSON.parse(message);
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the message itself.
  }
  const m = /^(?:\w+: )?([A-Z_]+): ([\s\S]*)$/.exec(message);
  if (m && (SIGNING_FAILURE_CODES as readonly string[]).includes(m[1])) return { code: m[1] as SigningFailureCode, reason: m[2] };
  return { code: 'INTERNAL_ERROR', reason: `${error?.Error ?? 'Error'}: ${message || 'the signing task failed'}`.slice(0, 1000) };
}

function finish(deps: Deps, s: SigningRequest, end: Pick<SigningStatusRecord, 'status' | 'failureCode' | 'failureReason' | 'signatureDigest'>) {
  return deps.registry.finishSigning(s.uid, s.digest, { signingProfileArn: s.signingProfileArn, jobId: s.jobId, updatedAt: deps.now().getTime(), ...end });
}
