/**
 * Managed signing on the in-memory stores: the claim protocol (SIGNING_NOT_CLAIMED, SIGNING_CLAIMED_BY_JOB) under
 * every interleaving of concurrent pushes, a stale claim taken over, a machine that does not start, the failure codes
 * Step Functions hands back, and the WILDCARD_MATCH filters.
 */
import { describe, expect, it } from 'vitest';
import { serviceActor } from '../../shared/domain/actor.ts';
import { ecrEvent } from '../../shared/events/publisher.ts';
import type { JobStarter } from '../../shared/jobs/starter.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { profilesFor, putSigningConfiguration, wildcardMatches } from '../../shared/signing/configuration.ts';
import { failureOf, recordFailureTask, SIGNING_STALE_MS, signImageTask, signOnPush, type SigningRequest } from '../../shared/signing/job.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';
import { interleave } from '../helpers/interleave.ts';

const PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/team';
const OTHER = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/other';

/** A job starter that records what it was asked to start. */
function recordingJobs(): JobStarter & { started: Record<string, unknown>[] } {
  const started: Record<string, unknown>[] = [];
  return {
    started,
    async start(_machine, input) {
      started.push(input);
      return { executionArn: `arn:aws:states:us-east-1:000000000000:execution:sign:${started.length}` };
    },
  };
}

async function registryWithImage(at = { now: new Date('2026-12-01T00:00:00Z') }) {
  const reg = memoryRegistry({ now: () => at.now });
  const jobs = recordingJobs();
  reg.deps.jobs = jobs;
  await reg.repository('team/app');
  await putSigningConfiguration(reg.deps, reg.actor, {
    signingConfiguration: {
      rules: [{ signingProfileArn: PROFILE, repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] }, { signingProfileArn: OTHER }],
    },
  });
  const out = await putImage(reg.deps, reg.actor, { repositoryName: 'team/app', imageManifest: imageManifest(await reg.blobs('team/app')), imageTag: 'v1' });
  const digest = out.image.imageId.imageDigest!;
  const event = ecrEvent('ECR Image Action', '000000000000', 'us-east-1', {
    result: 'SUCCESS',
    'repository-name': 'team/app',
    'image-digest': digest,
    'action-type': 'PUSH',
  });
  const uid = (await reg.deps.repositories.get('team/app'))!.uid;
  return { reg, jobs, digest, event, uid, at, actor: serviceActor(reg.deps.config, 'signing', 'test') };
}

describe('starting a signing on push', () => {
  it('starts one signing per profile that applies, however two deliveries of the push interleave', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      // Prepare
      const { reg, jobs, digest, event, uid, actor } = await registryWithImage();
      // Act
      const run = await interleave(reg.deps, [(d) => signOnPush(d, actor, event), (d) => signOnPush(d, actor, event)], seed);
      // Assess
      expect(run.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const signings = jobs.started.flatMap((input) => input.signings as SigningRequest[]);
      expect(signings.map((s) => s.signingProfileArn).sort(), `seed ${seed}`).toEqual([OTHER, PROFILE]);
      expect((await reg.deps.registry.signingStatuses(uid, digest)).map((s) => s.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);
    }
  });

  it('leaves a signing alone while its claim is fresh, and lets another job take over a stale one, whose old job then records nothing', async () => {
    // Prepare
    const { reg, jobs, digest, event, uid, at, actor } = await registryWithImage();
    await signOnPush(reg.deps, actor, event);
    const [old] = jobs.started[0].signings as SigningRequest[];
    // Act
    const fresh = await signOnPush(reg.deps, actor, event);
    at.now = new Date(at.now.getTime() + SIGNING_STALE_MS + 1);
    const takeover = await signOnPush(reg.deps, actor, event);
    await recordFailureTask(reg.deps, actor, { ...old, error: { Error: 'SigningFailure', Cause: 'SIGNING_KEY_NOT_FOUND: late' } });
    // Assess
    expect(fresh).toBeNull();
    expect(takeover?.signings).toHaveLength(2);
    expect(takeover!.signings.every((s) => s.jobId !== old.jobId)).toBe(true);
    const statuses = await reg.deps.registry.signingStatuses(uid, digest);
    expect(statuses.map((s) => s.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);
    expect(new Set(statuses.map((s) => s.jobId))).toEqual(new Set(takeover!.signings.map((s) => s.jobId)));
  });

  it('records FAILED with INTERNAL_ERROR, not IN_PROGRESS forever, when the state machine does not start', async () => {
    const { reg, digest, event, uid, actor } = await registryWithImage();
    reg.deps.jobs = { start: async () => Promise.reject(new Error('StateMachineDoesNotExist')) };

    await expect(signOnPush(reg.deps, actor, event)).rejects.toThrow('StateMachineDoesNotExist');

    const statuses = await reg.deps.registry.signingStatuses(uid, digest);
    expect(statuses.map((s) => [s.status, s.failureCode, s.failureReason])).toEqual([
      ['FAILED', 'INTERNAL_ERROR', 'The signing job did not start: StateMachineDoesNotExist'],
      ['FAILED', 'INTERNAL_ERROR', 'The signing job did not start: StateMachineDoesNotExist'],
    ]);
  });

  it('fails a signing with IMAGE_NOT_FOUND when its image is no longer in the repository when the task runs', async () => {
    const { reg, jobs, event, actor } = await registryWithImage();
    await signOnPush(reg.deps, actor, event);
    const [signing] = jobs.started[0].signings as SigningRequest[];

    await expect(signImageTask(reg.deps, actor, { ...signing, digest: `sha256:${'9'.repeat(64)}` })).rejects.toThrow(/^IMAGE_NOT_FOUND: /);
  });
});

describe('the failure a signing task ended with', () => {
  it('is the code its message opens with, from Step Functions’ Cause JSON or the local message, and INTERNAL_ERROR otherwise', () => {
    expect(
      failureOf({ Error: 'SigningFailure', Cause: JSON.stringify({ errorType: 'SigningFailure', errorMessage: 'ACCESS_DENIED: User: x is not authorized' }) }),
    ).toEqual({
      code: 'ACCESS_DENIED',
      reason: 'User: x is not authorized',
    });
    expect(failureOf({ Error: 'SigningRetryable', Cause: 'SIGNER_UNAVAILABLE: AWS Signer did not answer' })).toEqual({
      code: 'SIGNER_UNAVAILABLE',
      reason: 'AWS Signer did not answer',
    });
    expect(failureOf({ Error: 'States.Timeout', Cause: '' })).toEqual({ code: 'INTERNAL_ERROR', reason: 'States.Timeout: the signing task failed' });
    expect(failureOf({ Error: 'Error', Cause: 'NOT_A_CODE: something' }).code).toBe('INTERNAL_ERROR');
  });
});

describe('WILDCARD_MATCH repository filters', () => {
  it('take * as any run of characters, / included, and everything else literally', () => {
    expect(wildcardMatches('team/*', 'team/app')).toBe(true);
    expect(wildcardMatches('team/*', 'team/a/b')).toBe(true);
    expect(wildcardMatches('team/*', 'team')).toBe(false);
    expect(wildcardMatches('*/production', 'web/production')).toBe(true);
    expect(wildcardMatches('*/production', 'web/production-x')).toBe(false);
    expect(wildcardMatches('a.b', 'axb')).toBe(false);
    expect(wildcardMatches('app', 'app')).toBe(true);
    expect(wildcardMatches('app', 'app2')).toBe(false);
  });

  it('give each matching rule profile once, in rule order, and every profile of a rule without filters', () => {
    const configuration = {
      rules: [
        { signingProfileArn: OTHER, repositoryFilters: [{ filter: 'web/*', filterType: 'WILDCARD_MATCH' }] },
        { signingProfileArn: PROFILE },
        { signingProfileArn: OTHER, repositoryFilters: [{ filter: '*', filterType: 'WILDCARD_MATCH' }] },
      ],
    };
    expect(profilesFor(configuration, 'web/app')).toEqual([OTHER, PROFILE]);
    expect(profilesFor(configuration, 'api')).toEqual([PROFILE, OTHER]);
    expect(profilesFor(undefined, 'api')).toEqual([]);
  });
});
