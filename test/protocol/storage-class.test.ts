/**
 * Archived images through the real @aws-sdk/client-ecr: UpdateImageStorageClass to ARCHIVE and back, how archived
 * images are listed, described and refused to pulls, and lifecycle rules that archive and expire archived images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ListImagesCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  UpdateImageStorageClassCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { errorName, rejection, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { imageManifest, indexManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { DAY_MS, eventually, TestClock } from '../helpers/clock.ts';

let registry: TestRegistry;
const clock = new TestClock();
beforeAll(async () => {
  registry = await startTestRegistry(undefined, {}, { now: clock.now, jobRetryIntervalMs: 10, lifecycleTriggers: { debounceMs: 200 } });
});
afterAll(async () => {
  await registry?.destroy();
});

const update = (repositoryName: string, imageId: { imageDigest?: string; imageTag?: string }, targetStorageClass: 'ARCHIVE' | 'STANDARD') =>
  registry.ecr.send(new UpdateImageStorageClassCommand({ repositoryName, imageId, targetStorageClass }));
const describe_ = async (repositoryName: string, imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ANY') =>
  (await registry.ecr.send(new DescribeImagesCommand({ repositoryName, ...(imageStatus ? { filter: { imageStatus } } : {}) }))).imageDetails!;
const listed = async (repositoryName: string, imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ANY') =>
  ((await registry.ecr.send(new ListImagesCommand({ repositoryName, ...(imageStatus ? { filter: { imageStatus } } : {}) }))).imageIds ?? [])
    .map((i) => i.imageTag ?? i.imageDigest)
    .sort();

async function repoWithImages(name: string, tags: string[]) {
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  const digests: string[] = [];
  for (const tag of tags) digests.push(await putManifest(registry.ecr, name, imageManifest(await pushBlobs(registry.ecr, name, 1, 64)), tag));
  return digests;
}

describe('UpdateImageStorageClass', () => {
  it('archives an image: described and listed only when ARCHIVED is asked for, and not pullable', async () => {
    const [old] = await repoWithImages('arc/app', ['v1', 'v2']);
    const before = Date.now();
    const out = await update('arc/app', { imageTag: 'v1' }, 'ARCHIVE');
    expect(out).toEqual(
      expect.objectContaining({
        registryId: '000000000000',
        repositoryName: 'arc/app',
        imageId: { imageDigest: old, imageTag: 'v1' },
        imageStatus: 'ARCHIVED',
      }),
    );

    expect((await describe_('arc/app')).map((d) => d.imageTags)).toEqual([['v2']]);
    expect((await describe_('arc/app'))[0].imageStatus).toBe('ACTIVE');
    const [archived] = await describe_('arc/app', 'ARCHIVED');
    expect(archived).toMatchObject({ imageDigest: old, imageTags: ['v1'], imageStatus: 'ARCHIVED' });
    expect(archived.lastArchivedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await describe_('arc/app', 'ANY')).toHaveLength(2);
    const [byId] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'arc/app', imageIds: [{ imageTag: 'v1' }] }))).imageDetails!;
    expect(byId.imageStatus).toBe('ARCHIVED');
    expect(await listed('arc/app')).toEqual(['v2']);
    expect(await listed('arc/app', 'ARCHIVED')).toEqual(['v1']);
    expect(await listed('arc/app', 'ANY')).toEqual(['v1', 'v2']);

    const pull = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'arc/app', imageIds: [{ imageTag: 'v1' }, { imageTag: 'v2' }] }));
    expect(pull.images!.map((i) => i.imageId!.imageTag)).toEqual(['v2']);
    expect(pull.failures).toEqual([expect.objectContaining({ imageId: { imageTag: 'v1' }, failureCode: 'ImageNotFound' })]);
    expect(pull.failures![0].failureReason).toContain('archived');
    const oci = await fetch(`${registry.endpoint}/v2/arc/app/manifests/v1`, {
      headers: { authorization: `Basic ${Buffer.from('AWS:' + (await token())).toString('base64')}` },
    });
    expect(oci.status).toBe(404);
  });

  it('restores an archived image: active, pullable and stamped with lastActivatedAt', async () => {
    const [digest] = await repoWithImages('arc/restore', ['v1']);
    await update('arc/restore', { imageDigest: digest }, 'ARCHIVE');
    const out = await update('arc/restore', { imageDigest: digest }, 'STANDARD');
    expect(out).toMatchObject({ imageId: { imageDigest: digest }, imageStatus: 'ACTIVE' });
    const [detail] = await describe_('arc/restore');
    expect(detail).toMatchObject({ imageDigest: digest, imageStatus: 'ACTIVE' });
    expect(detail.lastActivatedAt).toBeInstanceOf(Date);
    expect(detail.lastArchivedAt).toBeInstanceOf(Date);
    const pull = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'arc/restore', imageIds: [{ imageTag: 'v1' }] }));
    expect(pull.failures).toEqual([]);
  });

  it('restores an archived image that is pushed again', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'arc/repush' }));
    const text = imageManifest(await pushBlobs(registry.ecr, 'arc/repush', 1, 64));
    const digest = await putManifest(registry.ecr, 'arc/repush', text, 'v1');
    await update('arc/repush', { imageDigest: digest }, 'ARCHIVE');
    await putManifest(registry.ecr, 'arc/repush', text, 'again');
    expect((await describe_('arc/repush'))[0]).toMatchObject({ imageDigest: digest, imageStatus: 'ACTIVE', imageTags: ['again', 'v1'] });
  });

  it('refuses a move to the class the image is in, an image a live manifest list references, and unknown images', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'arc/refuse' }));
    const child = imageManifest(await pushBlobs(registry.ecr, 'arc/refuse', 1, 64));
    const childDigest = await putManifest(registry.ecr, 'arc/refuse', child);
    const listDigest = await putManifest(registry.ecr, 'arc/refuse', indexManifest([child]), 'multi');
    const referenced = await rejection(update('arc/refuse', { imageDigest: childDigest }, 'ARCHIVE'));
    expect(referenced.name).toBe('ImageStorageClassUpdateNotSupportedException');
    expect(referenced.message).toContain(listDigest);
    expect(await errorName(update('arc/refuse', { imageTag: 'multi' }, 'STANDARD'))).toBe('ImageStorageClassUpdateNotSupportedException');
    await update('arc/refuse', { imageTag: 'multi' }, 'ARCHIVE');
    expect(await errorName(update('arc/refuse', { imageTag: 'multi' }, 'ARCHIVE'))).toBe('ImageStorageClassUpdateNotSupportedException');
    expect((await update('arc/refuse', { imageDigest: childDigest }, 'ARCHIVE')).imageStatus).toBe('ARCHIVED');

    const missing = await rejection(update('arc/refuse', { imageTag: 'nope' }, 'ARCHIVE'));
    expect(missing.name).toBe('ImageNotFoundException');
    expect(missing.message).toBe(
      "The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'arc/refuse' in the registry with id '000000000000'",
    );
    expect(await errorName(update('arc/none', { imageTag: 'v1' }, 'ARCHIVE'))).toBe('RepositoryNotFoundException');
    expect(
      await errorName(
        registry.ecr.send(
          new UpdateImageStorageClassCommand({ repositoryName: 'arc/refuse', imageId: { imageTag: 'multi' }, targetStorageClass: 'GLACIER' as any }),
        ),
      ),
    ).toBe('ValidationException');
  });

  it('deletes an archived image with BatchDeleteImage', async () => {
    const [digest] = await repoWithImages('arc/delete', ['v1']);
    await update('arc/delete', { imageDigest: digest }, 'ARCHIVE');
    const out = await registry.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'arc/delete', imageIds: [{ imageDigest: digest }] }));
    expect(out.imageIds).toEqual([{ imageDigest: digest, imageTag: 'v1' }]);
    expect(await describe_('arc/delete', 'ANY')).toEqual([]);
  });
});

describe('lifecycle rules on storage classes', () => {
  it('archives images idle for 30 days, then expires those archived for over 90 days', async () => {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'arc/rules' }));
    const push = (days: number, tag: string) =>
      clock.at(registry.endpoint, -days, async (ecr: ECRClient) => {
        const text = imageManifest(await pushBlobs(ecr, 'arc/rules', 1, 64));
        return (await ecr.send(new PutImageCommand({ repositoryName: 'arc/rules', imageManifest: text, imageTag: tag }))).image!.imageId!.imageDigest!;
      });
    const ancient = await push(200, 'ancient');
    await push(40, 'idle');
    await push(1, 'fresh');
    // "ancient" went to the archive 120 days ago.
    await clock.at(registry.endpoint, -120, (ecr) =>
      ecr.send(new UpdateImageStorageClassCommand({ repositoryName: 'arc/rules', imageId: { imageDigest: ancient }, targetStorageClass: 'ARCHIVE' })),
    );
    await registry.jobs.idle();
    const text = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 },
          action: { type: 'transition', targetStorageClass: 'archive' },
        },
        {
          rulePriority: 2,
          selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 },
          action: { type: 'expire' },
        },
      ],
    });
    await registry.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'arc/rules', lifecyclePolicyText: text }));
    await eventually(async () => ((await listed('arc/rules', 'ANY')).length === 2 ? true : undefined), 15_000, 'the archived image to expire');
    await registry.jobs.idle();
    expect(await listed('arc/rules', 'ANY')).toEqual(['fresh', 'idle']);
    expect(await listed('arc/rules', 'ARCHIVED')).toEqual(['idle']);
    const [idle] = await describe_('arc/rules', 'ARCHIVED');
    expect(Math.abs(idle.lastArchivedAt!.getTime() - Date.now())).toBeLessThan(DAY_MS);
    const audit = (await registry.deps.lifecycle.listAudit((await registry.deps.repositories.get('arc/rules'))!.uid, 10, Date.now())).items;
    expect(audit.map((a) => [a.tags[0], a.action, a.rulePriority]).sort()).toEqual([
      ['ancient', 'EXPIRE', 2],
      ['idle', 'TRANSITION', 1],
    ]);
  });
});

async function token(): Promise<string> {
  const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const out = await registry.ecr.send(new GetAuthorizationTokenCommand({}));
  return Buffer.from(out.authorizationData![0].authorizationToken!, 'base64').toString('utf8').slice('AWS:'.length);
}
