/**
 * The IAM table (infra/deploy/permissions.ts) against what the code really does: every operation of each
 * group that has a handler runs against a real local registry while every AWS SDK call is recorded, and
 * each group's role must allow exactly the actions its operations made (none missing, none unused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobActor } from '../helpers/actors.ts';
import { randomBytes } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand, BatchDeleteImageCommand, BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand,
  DeleteRepositoryCommand, DeleteRepositoryPolicyCommand, DescribeImagesCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand, GetRepositoryPolicyCommand, ListImagesCommand, ListTagsForResourceCommand, PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand, SetRepositoryPolicyCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { PERMISSIONS } from '../../infra/deploy/permissions.ts';
import { FEED_PREFIX } from '../../infra/deploy/functions.ts';
import { runConfiguredFeedImport } from '../../shared/scan/feed/job.ts';
import { osvRecord, osvZip } from '../helpers/scan-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { recordAwsCalls, type Recorder } from '../helpers/aws-calls.ts';
import { imageManifest, indexManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { initiateUpload, pushLayer, sha256Digest, uploadPart } from '../helpers/layers.ts';

let registry: TestRegistry;
let recorder: Recorder;
const used: Record<string, Set<string>> = {};

/** Runs `work` as calls of `group`, recording what they do; event publications count as events:PutEvents. */
async function as(group: string, work: () => Promise<unknown>) {
  recorder.label(group);
  const before = recorder.calls.length;
  let published = 0;
  const unsubscribe = registry.bus.subscribe(() => { published++; });
  await work();
  unsubscribe();
  const actions = (used[group] ??= new Set());
  for (const call of recorder.calls.slice(before)) actions.add(call.action);
  if (published) actions.add('events:PutEvents');
  recorder.label('setup');
}

const granted = (group: string) => {
  const row = PERMISSIONS[group];
  return new Set([
    ...(row.table ?? []).map((a) => `dynamodb:${a}`),
    ...(row.bucket ?? []).map((a) => `s3:${a}`),
    ...(row.listPrefixes?.length ? ['s3:ListBucket'] : []),
    ...(row.publishEvents ? ['events:PutEvents'] : []),
  ]);
};

beforeAll(async () => {
  recorder = recordAwsCalls();
  registry = await startTestRegistry(undefined, { LAYER_PART_SIZE: String(2 * 1024 * 1024) });
  const ecr = registry.ecr;
  const repositoryName = 'iam/app';
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }] });

  await as('repositories', async () => {
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const arn = created.repository!.repositoryArn!;
    await ecr.send(new DescribeRepositoriesCommand({}));
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName, imageTagMutability: 'MUTABLE' }));
    await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: true } }));
    await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'team', Value: 'a' }] }));
    await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: policy }));
    await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }));
    await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName }));
  });

  let blobs: Awaited<ReturnType<typeof pushBlobs>> | undefined;
  await as('layers', async () => {
    // Small parts are kept pending, then coalesced into 5 MiB S3 parts: a 7 MiB layer in 2 MiB parts does both.
    blobs = await pushBlobs(ecr, repositoryName, 1, 1024);
    const big = randomBytes(7 * 1024 * 1024);
    await pushLayer(ecr, repositoryName, big);
    await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [sha256Digest(big), blobs.config.digest] }));
    await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: sha256Digest(big) }));
    // A wrong digest abandons the upload, and its multipart upload once 5 MiB have started one.
    const bad = await initiateUpload(ecr, repositoryName);
    const badBytes = randomBytes(6 * 1024 * 1024);
    for (let first = 0; first < badBytes.length; first += bad.partSize) {
      await uploadPart(ecr, repositoryName, bad.uploadId, badBytes, first, Math.min(bad.partSize, badBytes.length - first));
    }
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId: bad.uploadId, layerDigests: [sha256Digest(Buffer.from('x'))] })).catch(() => undefined);
  });

  await as('images', async () => {
    const small = imageManifest(blobs!);
    // Over 300 KB a manifest lives in S3.
    const large = imageManifest(blobs!, undefined, { annotations: { padding: 'x'.repeat(400 * 1024) } });
    await putManifest(ecr, repositoryName, small, 'v1');
    await putManifest(ecr, repositoryName, large, 'big');
    await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'v1' }, { imageTag: 'big' }] }));
    await ecr.send(new ListImagesCommand({ repositoryName }));
    await ecr.send(new DescribeImagesCommand({ repositoryName }));
    // Deleting an index also deletes its child references, in one batch.
    await putManifest(ecr, repositoryName, indexManifest([small]), 'multi');
    await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageTag: 'multi' }, { imageTag: 'v1' }] }));
  });

  await as('auth', () => ecr.send(new GetAuthorizationTokenCommand({})));

  // The feed import schedule of scanning-jobs, reading an export uploaded under the deployed feed prefix.
  await registry.deps.blobs.put(`${FEED_PREFIX}Debian/all.zip`, osvZip([osvRecord('DEBIAN-CVE-2024-9002', 'Debian:12', 'zlib', [{ introduced: '0' }])]));
  await as('scanning-jobs', () => runConfiguredFeedImport({ ...registry.deps, config: { ...registry.deps.config, scanFeedDir: undefined, scanFeedS3Prefix: FEED_PREFIX } }, jobActor(registry.deps.config)));
  await as('repositories', () => ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true })));
}, 120_000);

afterAll(async () => {
  recorder?.stop();
  await registry?.destroy();
});

describe('the least-privilege table', () => {
  it('lets every group with a handler do exactly what its operations did against DynamoDB, S3 and EventBridge', () => {
    for (const group of ['repositories', 'layers', 'images', 'auth']) {
      expect([...(used[group] ?? [])].sort(), group).toEqual([...granted(group)].sort());
    }
  });

  it('lets the scanning jobs’ feed import do only what their row grants, listing the bucket under the feed prefix included', () => {
    const feedImport = [...(used['scanning-jobs'] ?? [])];
    expect(feedImport).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:GetObject', 's3:PutObject']));
    for (const action of feedImport) expect(granted('scanning-jobs').has(action), action).toBe(true);
    expect(PERMISSIONS['scanning-jobs'].listPrefixes).toEqual([FEED_PREFIX]);
  });

  it('records the calls of the operations, so a missing grant would show', () => {
    expect(used.images?.has('s3:PutObject')).toBe(true);
    expect(used.layers?.has('s3:AbortMultipartUpload') || used.layers?.has('s3:DeleteObject')).toBe(true);
    expect(recorder.calls.some((c) => c.readUnits > 0)).toBe(true);
  });
});
