/**
 * Lifecycle runs end to end: a push into a repository with a policy expires the images it made surplus (through
 * the apply state machine, the BatchDeleteImage path and its DELETE events), records an audit trail and
 * lastEvaluatedAt; a failing run is caught and recorded; the daily schedule runs every policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobActor } from '../helpers/actors.ts';
import {
  CreateRepositoryCommand,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { imageManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { eventually, TestClock } from '../helpers/clock.ts';
import type { RegistryEvent } from '../../shared/events/publisher.ts';
import { requestLifecycleRun, runScheduledLifecycle } from '../../shared/lifecycle/runs.ts';
import { onRegistryEvent } from '../../shared/lifecycle/triggers.ts';

let registry: TestRegistry;
const clock = new TestClock();
const events: RegistryEvent[] = [];
beforeAll(async () => {
  registry = await startTestRegistry(undefined, {}, { now: clock.now, jobRetryIntervalMs: 10, lifecycleTriggers: { debounceMs: 300 } });
  registry.bus.subscribe((e) => events.push(e));
});
afterAll(async () => {
  await registry?.destroy();
});

const policy = (...rules: unknown[]) => JSON.stringify({ rules });
const keepTwoReleases = policy({
  rulePriority: 1,
  description: 'keep the two newest v* images',
  selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 2 },
  action: { type: 'expire' },
});
const uidOf = async (name: string) => (await registry.deps.repositories.get(name))!.uid;
const applyRuns = () => registry.jobs.history.filter((e) => e.machine === 'lifecycle-apply');
const tagsIn = async (name: string) =>
  ((await registry.ecr.send(new ListImagesCommand({ repositoryName: name }))).imageIds ?? []).map((i) => i.imageTag).sort();

describe('a lifecycle run started by a push', () => {
  it('expires the image a burst of pushes made surplus, in one run, with DELETE events, audit records and lastEvaluatedAt', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'run/app' }));
    await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'run/app', lifecyclePolicyText: keepTwoReleases }));
    await eventually(
      async () => ((await registry.deps.lifecycle.getPolicy(await uidOf('run/app')))?.lastRun ? true : undefined),
      10_000,
      'the policy change run',
    );
    await registry.jobs.idle();
    const runsBefore = applyRuns().length;

    // Upload first, then push the three manifests in a quick burst: one debounced run follows.
    const manifests = [];
    for (let i = 0; i < 3; i++) manifests.push(imageManifest(await pushBlobs(registry.ecr, 'run/app', 1, 64)));
    const digests = await Promise.all(manifests.map((text, i) => putManifest(registry.ecr, 'run/app', text, `v${i + 1}`)));
    const pushedAt = Date.now();
    // v1, v2, v3 were pushed nearly together: the oldest by push time goes.
    const details = await registry.deps.images.list(await uidOf('run/app'), 10);
    const oldest = [...details.items].sort((a, b) => a.pushedAt - b.pushedAt || (a.digest < b.digest ? -1 : 1))[0];
    const survivors = digests.filter((d) => d !== oldest.digest);

    const tags = await eventually(
      async () => {
        const now = await tagsIn('run/app');
        return now.length === 2 ? now : undefined;
      },
      15_000,
      'the surplus image to expire',
    );
    expect(Date.now() - pushedAt).toBeLessThan(15_000);
    expect(tags).toEqual(['v1', 'v2', 'v3'].filter((t) => t !== `v${digests.indexOf(oldest.digest) + 1}`));
    await registry.jobs.idle();
    expect(applyRuns().length - runsBefore).toBe(1);

    const deleted = events.filter((e) => e.detail['action-type'] === 'DELETE' && e.detail['repository-name'] === 'run/app');
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      detail: { result: 'SUCCESS', 'image-digest': oldest.digest, 'image-tag': `v${digests.indexOf(oldest.digest) + 1}` },
    });

    const uid = await uidOf('run/app');
    const audit = (await registry.deps.lifecycle.listAudit(uid, 100, Date.now())).items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      digest: oldest.digest,
      action: 'EXPIRE',
      rulePriority: 1,
      trigger: 'PUSH',
      tags: [`v${digests.indexOf(oldest.digest) + 1}`],
    });
    expect(Math.abs(audit[0].at - Date.now())).toBeLessThan(60_000);
    const record = await registry.deps.lifecycle.getPolicy(uid);
    expect(record?.lastRun).toMatchObject({ status: 'SUCCEEDED', trigger: 'PUSH', expired: 1, transitioned: 0 });
    expect(record?.run).toBeUndefined();
    const got = await registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'run/app' }));
    expect(got.lastEvaluatedAt!.getTime()).toBeGreaterThanOrEqual(pushedAt - 1000);
    expect(survivors).toHaveLength(2);
  });

  it('expires by push age with the registry clock: images pushed 20 days ago go when the policy keeps 14 days', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'run/aged' }));
    const old = await clock.at(registry.endpoint, -20, async (ecr: ECRClient) => {
      const text = imageManifest(await pushBlobs(ecr, 'run/aged', 1, 64));
      await ecr.send(new PutImageCommand({ repositoryName: 'run/aged', imageManifest: text, imageTag: 'old' }));
      return text;
    });
    const fresh = await pushBlobs(registry.ecr, 'run/aged', 1, 64);
    await putManifest(registry.ecr, 'run/aged', imageManifest(fresh), 'fresh');
    await registry.jobs.idle();
    expect(await tagsIn('run/aged')).toEqual(['fresh', 'old']);
    const twoWeeks = policy({
      rulePriority: 1,
      selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    });
    await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'run/aged', lifecyclePolicyText: twoWeeks }));
    expect(await eventually(async () => ((await tagsIn('run/aged')).length === 1 ? tagsIn('run/aged') : undefined), 15_000, 'the old image to expire')).toEqual(
      ['fresh'],
    );
    expect(old).toBeTruthy();
    await registry.jobs.idle();
  });
});

describe('a lifecycle run that fails', () => {
  it('retries the failing task, then the catch marks the run FAILED with its error and releases the lease', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'run/broken' }));
    const uid = await uidOf('run/broken');
    // A policy text the API would have refused, stored behind its back: evaluating it fails every time.
    await registry.deps.lifecycle.putPolicy(uid, 'run/broken', '{"rules": "not a list"}', Date.now());
    expect(await requestLifecycleRun(registry.deps, 'run/broken', 'SCHEDULE')).toBe('started');
    await registry.jobs.idle();
    const record = await registry.deps.lifecycle.getPolicy(uid);
    expect(record?.lastRun).toMatchObject({ status: 'FAILED', trigger: 'SCHEDULE', expired: 0 });
    expect(record?.lastRun?.error).toContain('InvalidParameterException');
    expect(record?.run).toBeUndefined();
    expect(record?.lastEvaluatedAt).toBeUndefined();
    // Other repositories' runs may finish around this one: take this repository's execution.
    const execution = applyRuns()
      .filter((e) => (e.input.run as { repositoryName?: string })?.repositoryName === 'run/broken')
      .at(-1)!;
    expect(execution).toMatchObject({ status: 'FAILED' });
    expect(execution.error).toContain('LifecycleRunFailed');
    // The lease is free again: the next trigger starts a run.
    expect(await requestLifecycleRun(registry.deps, 'run/broken', 'SCHEDULE')).toBe('started');
    await registry.jobs.idle();
  });

  it('queues one more run when triggered while a run holds the lease', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'run/busy' }));
    const uid = await uidOf('run/busy');
    await registry.deps.lifecycle.putPolicy(uid, 'run/busy', keepTwoReleases, Date.now());
    const now = Date.now();
    expect(await registry.deps.lifecycle.claimRun(uid, { id: 'holder', trigger: 'PUSH', startedAt: now, expiresAt: now + 60_000 }, now)).toBe('started');
    expect(await requestLifecycleRun(registry.deps, 'run/busy', 'PUSH')).toBe('queued');
    expect((await registry.deps.lifecycle.getPolicy(uid))?.rerunRequested).toBe(true);
    expect(
      await registry.deps.lifecycle.finishRun(uid, {
        id: 'holder',
        trigger: 'PUSH',
        status: 'SUCCEEDED',
        startedAt: now,
        finishedAt: now,
        expired: 0,
        transitioned: 0,
        skipped: 0,
      }),
    ).toEqual({ released: true, rerun: true });
    expect(
      await registry.deps.lifecycle.finishRun(uid, {
        id: 'holder',
        trigger: 'PUSH',
        status: 'SUCCEEDED',
        startedAt: now,
        finishedAt: now,
        expired: 0,
        transitioned: 0,
        skipped: 0,
      }),
    ).toEqual({ released: false, rerun: false });
  });
});

describe('push events from EventBridge', () => {
  it('start a run for an EventBridge-shaped successful push (source serverless-ecr) and ignore other actions', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'run/bridge' }));
    await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'run/bridge', lifecyclePolicyText: keepTwoReleases }));
    await registry.jobs.idle();
    const event = (action: string) => ({
      version: '0',
      id: 'e1',
      'detail-type': 'ECR Image Action',
      source: 'serverless-ecr',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { result: 'SUCCESS', 'repository-name': 'run/bridge', 'image-digest': 'sha256:' + '0'.repeat(64), 'action-type': action, 'image-tag': 'v9' },
    });
    expect(await onRegistryEvent(registry.deps, jobActor(registry.deps.config), event('DELETE'))).toBe('none');
    expect(await onRegistryEvent(registry.deps, jobActor(registry.deps.config), event('PUSH'))).toBe('started');
    await registry.jobs.idle();
    expect((await registry.deps.lifecycle.getPolicy(await uidOf('run/bridge')))?.lastRun).toMatchObject({ trigger: 'PUSH', status: 'SUCCEEDED' });
  });
});

describe('the daily schedule', () => {
  it('starts a run for every repository with a lifecycle policy, and none for the others', async () => {
    for (const name of ['sched/a', 'sched/b', 'sched/none']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    for (const name of ['sched/a', 'sched/b'])
      await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: keepTwoReleases }));
    await registry.jobs.idle();
    const before = applyRuns().length;
    const requested = await runScheduledLifecycle(registry.deps, jobActor(registry.deps.config));
    await registry.jobs.idle();
    const withPolicies = (await registry.deps.lifecycle.listPolicies(100)).items.map((p) => p.repositoryName);
    expect(withPolicies).toEqual(expect.arrayContaining(['sched/a', 'sched/b']));
    expect(withPolicies).not.toContain('sched/none');
    expect(requested).toBe(withPolicies.length);
    expect(applyRuns().length - before).toBe(withPolicies.length);
    for (const name of ['sched/a', 'sched/b'])
      expect((await registry.deps.lifecycle.getPolicy(await uidOf(name)))?.lastRun).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED' });
  });
});
