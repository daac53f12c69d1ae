/**
 * Lifecycle policies through the real @aws-sdk/client-ecr: put/get/delete, validation, previews with the SDK's
 * LifecyclePolicyPreviewComplete waiter and paginator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  paginateGetLifecyclePolicyPreview,
  waitUntilLifecyclePolicyPreviewComplete,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { errorName, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { imageManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { eventually, TestClock } from '../helpers/clock.ts';

let registry: TestRegistry;
const clock = new TestClock();
beforeAll(async () => {
  registry = await startTestRegistry(undefined, {}, { now: clock.now, jobRetryIntervalMs: 10, lifecycleTriggers: { debounceMs: 200 } });
});
afterAll(async () => {
  await registry?.destroy();
});

const rule = (rulePriority: number, selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }) => ({
  rulePriority,
  description: `rule ${rulePriority}`,
  selection,
  action,
});
const policy = (...rules: unknown[]) => JSON.stringify({ rules });
const keepOneUntagged = policy(rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }));

/** Pushes `count` distinct untagged images, the i-th `daysAgo[i]` days ago; returns their digests. */
async function pushUntagged(repositoryName: string, daysAgo: number[]): Promise<string[]> {
  const digests: string[] = [];
  for (const days of daysAgo) {
    digests.push(
      await clock.at(registry.endpoint, -days, async (ecr: ECRClient) =>
        putManifest(ecr, repositoryName, imageManifest(await pushBlobs(ecr, repositoryName, 1, 64))),
      ),
    );
  }
  return digests;
}

describe('PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy', () => {
  it('stores a policy, returns it with lastEvaluatedAt once its first run evaluated it, and deletes it', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/crud' }));
    const put = await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/crud', lifecyclePolicyText: keepOneUntagged }));
    expect(put).toMatchObject({ registryId: '000000000000', repositoryName: 'lc/crud', lifecyclePolicyText: keepOneUntagged });
    const got = await eventually(
      async () => {
        const out = await registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/crud' }));
        return out.lastEvaluatedAt ? out : undefined;
      },
      10_000,
      'the first evaluation',
    );
    expect(got.lifecyclePolicyText).toBe(keepOneUntagged);
    expect(Math.abs(got.lastEvaluatedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    const deleted = await registry.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc/crud' }));
    expect(deleted).toMatchObject({ repositoryName: 'lc/crud', lifecyclePolicyText: keepOneUntagged, lastEvaluatedAt: got.lastEvaluatedAt });
    expect(await errorName(registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/crud' })))).toBe('LifecyclePolicyNotFoundException');
    expect(await errorName(registry.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc/crud' })))).toBe('LifecyclePolicyNotFoundException');
  });

  it('answers LifecyclePolicyNotFoundException with ECR wording, and RepositoryNotFoundException for a missing repository', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/none' }));
    const error = await rejection(registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/none' })));
    expect(error.name).toBe('LifecyclePolicyNotFoundException');
    expect(error.message).toBe("Lifecycle policy does not exist for the repository with name 'lc/none' in the registry with id '000000000000'");
    expect(await errorName(registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/missing', lifecyclePolicyText: keepOneUntagged })))).toBe(
      'RepositoryNotFoundException',
    );
  });

  it('refuses invalid policies with InvalidParameterException and ECR messages', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/invalid' }));
    const refused = async (text: string) =>
      rejection(registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/invalid', lifecyclePolicyText: text })));
    const prefix = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";
    const cases: [string, string][] = [
      [
        policy(rule(1, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 5 })),
        'Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.',
      ],
      [
        policy(
          rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }),
          rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
        ),
        'Rule for tagStatus=ANY must have the lowest priority per storage class',
      ],
      [
        policy(rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 0 })),
        'numeric instance is lower than the required minimum (minimum: 1, found: 0)',
      ],
      [`{"rules": [${'x'.repeat(120)}`, 'Could not map policyString into LifecyclePolicy.'],
    ];
    for (const [text, detail] of cases) {
      const error = await refused(text);
      expect(error.name).toBe('InvalidParameterException');
      expect(error.message).toBe(`${prefix}${detail}'`);
    }
    const short = await refused('{"rules":[]}');
    expect(short.name).toBe('ValidationException');
    expect(short.message).toContain('Member must have length greater than or equal to 100');
    expect(await errorName(registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/invalid' })))).toBe('LifecyclePolicyNotFoundException');
  });
});

describe('StartLifecyclePolicyPreview and GetLifecyclePolicyPreview', () => {
  it('previews a policy text without applying it, completes for the SDK waiter, and pages through the results', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/preview' }));
    const digests = await pushUntagged('lc/preview', [5, 4, 3, 2, 1]);
    const text = policy(rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 2 }));
    const started = await registry.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', lifecyclePolicyText: text }));
    expect(started).toMatchObject({ repositoryName: 'lc/preview', lifecyclePolicyText: text, status: 'IN_PROGRESS' });
    const waited = await waitUntilLifecyclePolicyPreviewComplete(
      { client: registry.ecr, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 },
      { repositoryName: 'lc/preview' },
    );
    expect(waited.state).toBe('SUCCESS');

    const pages = [];
    for await (const page of paginateGetLifecyclePolicyPreview({ client: registry.ecr, pageSize: 2 }, { repositoryName: 'lc/preview' })) pages.push(page);
    expect(pages.map((p) => p.previewResults!.length)).toEqual([2, 1]);
    const results = pages.flatMap((p) => p.previewResults!);
    expect(results.map((r) => r.imageDigest)).toEqual(digests.slice(0, 3));
    expect(results[0]).toMatchObject({ action: { type: 'EXPIRE' }, appliedRulePriority: 1, storageClass: 'STANDARD' });
    expect(results[0].imageTags).toBeUndefined();
    expect(results[0].imagePushedAt!.getTime()).toBeLessThan(Date.now() - 4.5 * 24 * 3600_000);
    expect(pages[0]).toMatchObject({ status: 'COMPLETE', lifecyclePolicyText: text, summary: { expiringImageTotalCount: 3 } });

    const tagged = await registry.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', filter: { tagStatus: 'TAGGED' } }));
    expect(tagged.previewResults).toEqual([]);
    const one = await registry.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', imageIds: [{ imageDigest: digests[1] }] }));
    expect(one.previewResults!.map((r) => r.imageDigest)).toEqual([digests[1]]);
    // A preview applies nothing, and the repository has no policy.
    expect(await errorName(registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/preview' })))).toBe('LifecyclePolicyNotFoundException');
    await registry.jobs.idle();
    const listed = await registry.deps.images.list((await registry.deps.repositories.get('lc/preview'))!.uid, 10);
    expect(listed.items).toHaveLength(5);
  });

  it('previews the repository policy when no text is given, reporting archive transitions in the summary', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/preview-own' }));
    const [old] = await pushUntagged('lc/preview-own', [40]);
    const text = policy(
      rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 400 }, { type: 'transition', targetStorageClass: 'archive' }),
    );
    await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/preview-own', lifecyclePolicyText: text }));
    await registry.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview-own' }));
    await waitUntilLifecyclePolicyPreviewComplete({ client: registry.ecr, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 }, { repositoryName: 'lc/preview-own' });
    const nothing = await registry.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview-own' }));
    expect(nothing).toMatchObject({
      lifecyclePolicyText: text,
      previewResults: [],
      summary: { expiringImageTotalCount: 0, transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 0 }] },
    });

    const sooner = text.replace('400', '30');
    await registry.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview-own', lifecyclePolicyText: sooner }));
    await waitUntilLifecyclePolicyPreviewComplete({ client: registry.ecr, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 }, { repositoryName: 'lc/preview-own' });
    const archived = await registry.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview-own' }));
    expect(archived.previewResults).toMatchObject([
      { imageDigest: old, action: { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, appliedRulePriority: 1 },
    ]);
    expect(archived.summary!.transitioningImageTotalCounts).toEqual([{ targetStorageClass: 'ARCHIVE', imageTotalCount: 1 }]);
  });

  it('answers the not-found, in-progress and invalid-policy errors with their exception names', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/preview-errors' }));
    const get = () => registry.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview-errors' }));
    const start = (lifecyclePolicyText?: string) =>
      registry.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview-errors', lifecyclePolicyText }));
    expect(await errorName(get())).toBe('LifecyclePolicyPreviewNotFoundException');
    expect(await errorName(start())).toBe('LifecyclePolicyNotFoundException');
    expect(await errorName(start(policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 3 }))))).toBe('InvalidParameterException');
    expect(
      await errorName(registry.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/nope', lifecyclePolicyText: keepOneUntagged }))),
    ).toBe('RepositoryNotFoundException');

    // A preview whose execution is still running (here: one that never started) blocks a second one until it times out.
    const { uid } = (await registry.deps.repositories.get('lc/preview-errors'))!;
    const now = Date.now();
    await registry.deps.lifecycle.startPreview(
      uid,
      { runId: 'stuck', status: 'IN_PROGRESS', policyText: keepOneUntagged, startedAt: now, expiresAt: now + 60_000 },
      now,
    );
    expect((await get()).status).toBe('IN_PROGRESS');
    expect(await errorName(start(keepOneUntagged))).toBe('LifecyclePolicyPreviewInProgressException');
    await registry.deps.lifecycle.startPreview(
      uid,
      { runId: 'lost', status: 'IN_PROGRESS', policyText: keepOneUntagged, startedAt: now - 3600_000, expiresAt: now - 1 },
      now + 120_000,
    );
    expect((await get()).status).toBe('FAILED');
    expect((await start(keepOneUntagged)).status).toBe('IN_PROGRESS');
    const done = await waitUntilLifecyclePolicyPreviewComplete(
      { client: registry.ecr, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 },
      { repositoryName: 'lc/preview-errors' },
    );
    expect(done.state).toBe('SUCCESS');
  });
});
