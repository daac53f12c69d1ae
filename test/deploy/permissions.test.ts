/**
 * The IAM table (infra/deploy/permissions.ts) against what the code really does: every operation of each
 * function that has a handler (the ECR groups, the OCI sides, the job functions' tasks and EventBridge entry
 * points) runs against a real local registry while every AWS SDK call is recorded, and each function's role
 * must allow exactly the actions its operations made (none missing, none unused).
 *
 * Attribution: the calls an ECR or OCI request makes are the current phase's; the calls of a state machine
 * task are its job function's (the local job runner's aroundJobTask); the calls of the local host's own
 * triggers, which stand for the job functions' EventBridge rules, are set aside, and those entry points are
 * called explicitly in the job functions' phases instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobActor } from '../helpers/actors.ts';
import { randomBytes } from 'node:crypto';
import {
  DescribeImageReplicationStatusCommand,
  DescribeImageSigningStatusCommand,
  PutSigningConfigurationCommand,
  GetSigningConfigurationCommand,
  DeleteSigningConfigurationCommand,
  DescribeReplicationBackfillResultsCommand,
  ListReplicationBackfillsCommand,
  StartReplicationBackfillCommand,
  PutReplicationConfigurationCommand,
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeRepositoryCreationTemplatesCommand,
  InitiateLayerUploadCommand,
  UpdateRepositoryCreationTemplateCommand,
  DeleteRegistryPolicyCommand,
  DeleteRepositoryCommand,
  DeleteRepositoryPolicyCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
  ListImagesCommand,
  ListPullTimeUpdateExclusionsCommand,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutRegistryPolicyCommand,
  RegisterPullTimeUpdateExclusionCommand,
  SetRepositoryPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import {
  DeleteLifecyclePolicyCommand,
  DescribeImageScanFindingsCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  GetRegistryScanningConfigurationCommand,
  PutAccountSettingCommand,
  PutLifecyclePolicyCommand,
  PutRegistryScanningConfigurationCommand,
  BatchGetRepositoryScanningConfigurationCommand,
  StartImageScanCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PERMISSIONS } from '../../infra/deploy/permissions.ts';
import { deployedFunctions, FEED_PREFIX } from '../../infra/deploy/functions.ts';
import { GROUPS } from '../../infra/routing.ts';
import { ecrEvent } from '../../shared/events/publisher.ts';
import { onRegistryEvent } from '../../shared/lifecycle/triggers.ts';
import { runScheduledLifecycle } from '../../shared/lifecycle/runs.ts';
import { runConfiguredFeedImport } from '../../shared/scan/feed/job.ts';
import { scanOnPush } from '../../shared/scan/start.ts';
import { replicateOnPush } from '../../shared/replication/job.ts';
import { signOnPush } from '../../shared/signing/job.ts';
import { makeProfileKeys, makeTestCa } from '../helpers/signing-keys.ts';
import { tmpdir } from 'node:os';
import { runGc } from '../../shared/gc/run.ts';
import { gcTick } from '../../shared/gc/triggers.ts';
import { pascalCase } from '../../infra/deploy/state-machines.ts';
import { ociClient } from '../helpers/oci.ts';
import { osvRecord, osvZip } from '../helpers/scan-fixtures.ts';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { recordAwsCalls, type Recorder } from '../helpers/aws-calls.ts';
import { useS3Blobs } from '../helpers/aws-servers.ts';
import { imageManifest, indexManifest, pushBlobs, putManifest } from '../helpers/images.ts';
import { initiateUpload, pushLayer, sha256Digest, uploadPart } from '../helpers/layers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** The function folders with a handler: the roles the table must get exactly right. */
const FUNCTIONS = [...new Set(deployedFunctions(ROOT).map((f) => f.folder))].sort();
/** The job function whose tasks each state machine runs: the one its Task states' `${<Folder>FunctionArn}` names. */
const MACHINE_FUNCTION: Record<string, string> = Object.fromEntries(
  readdirSync(join(ROOT, 'infra'))
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => {
      const placeholder = /\$\{(\w+)FunctionArn\}/.exec(readFileSync(join(ROOT, 'infra', f), 'utf8'))![1];
      return [f.replace('.asl.json', ''), FUNCTIONS.find((folder) => pascalCase(folder) === placeholder)!];
    }),
);
/**
 * Grants of a row that the operations above do not make yet, each for a path this test does not drive (so
 * the table is not narrowed below what the code may need). The check is exact over both sets: a grant that
 * becomes used, or an unlisted one that stays unused, fails it, and the entry must then be mended.
 */
const NOT_YET_EXERCISED: Record<string, string[]> = {
  // Not seen in a preview with results (read back whole): paging them, reading them in batches; a row to review.
  lifecycle: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query'],
  // Runs over indexes and manifests kept in S3 (an expiring run over plain images is driven above).
  'lifecycle-jobs': ['dynamodb:BatchGetItem', 's3:GetObject'],
  // PutImage now touches its links (UpdateItem) instead of reading them; a mount's read of its source (linkedBlob) is not driven here.
  'oci-push': ['dynamodb:BatchGetItem'],
  // Marks of the links a repository pass drops and a dead partition's removal (BatchWriteItem), expired multipart uploads
  // (test/domain/gc.test.ts drives those paths on the in-memory stores).
  'gc-jobs': ['dynamodb:BatchWriteItem', 's3:AbortMultipartUpload'],
  // A copy to a destination the peers document names (test/protocol/replication.test.ts drives it) reads blob links in batches.
  'replication-jobs': ['dynamodb:BatchGetItem'],
  // A signature blob another writer stored at the same moment: the signing job's own copy is dropped.
  'signing-jobs': ['s3:DeleteObject'],
  // Pull through cache imports (test/protocol/pull-through-cache.test.ts drives them against real upstreams): the
  // repository, the blobs' uploads (dropped when upstream sends other bytes), the image and its PUSH event.
  images: ['s3:AbortMultipartUpload', 's3:DeleteObject'],
  'oci-pull': [
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
    'dynamodb:PutItem',
    'events:PutEvents',
    's3:AbortMultipartUpload',
    's3:DeleteObject',
    's3:PutObject',
  ],
  // Findings paged from their items, scans of manifests kept in S3, rescans. No scanning operation was seen
  // to publish an event (the scan's own task announces its result): events:PutEvents is a row to review.
  scanning: [
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
    'events:PutEvents',
    's3:GetObject',
  ],
  // Not seen in a first feed import, a replacing one, or scans: continuous re-matching in batches, say; a row to review.
  'scanning-jobs': ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 's3:DeleteObject'],
};

/** Calls of the local host's triggers (the job functions' EventBridge rules in AWS), left out of every row. */
const LOCAL_TRIGGERS = 'local triggers';

let registry: TestRegistry;
let keysDir: string;
let stopS3: (() => Promise<void>) | undefined;
let recorder: Recorder;
const used: Record<string, Set<string>> = {};

/** Runs `work` as the requests of `group`: the calls they make are its (the tasks and triggers they start keep their own labels). */
async function as(group: string, work: () => Promise<unknown>) {
  recorder.label(group);
  try {
    await work();
  } finally {
    recorder.label('setup');
  }
}

/** Each label's actions: its recorded calls, and events:PutEvents when it published an event. */
function collectUsed(published: string[]) {
  for (const call of recorder.calls) (used[call.label] ??= new Set()).add(call.action);
  for (const label of published) (used[label] ??= new Set()).add('events:PutEvents');
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
  recorder.label('setup');
  keysDir = mkdtempSync(join(tmpdir(), 'secr-permissions-keys-'));
  makeTestCa(join(keysDir, 'ca'));
  makeProfileKeys(keysDir, 'iam_signer', join(keysDir, 'ca'));
  registry = await startTestRegistry(
    undefined,
    { LAYER_PART_SIZE: String(2 * 1024 * 1024), REGISTRY_SIGNING_KEYS_DIR: keysDir },
    {
      aroundJobTask: (machine, task) => recorder.within(MACHINE_FUNCTION[machine] ?? `machine ${machine}`, task),
    },
  );
  // The operations' S3 calls are what AWS's role must grant: the blobs go through the S3 adapter here, as in AWS.
  stopS3 = await useS3Blobs(registry, join(registry.dataDir, 's3-adapter'));
  // Who publishes (events:PutEvents in AWS) is whoever calls publish; everything the triggers' listeners start
  // on a published event (at once or after a debounce) is theirs.
  const published: string[] = [];
  const publish = registry.bus.publish.bind(registry.bus);
  registry.bus.publish = async (events) => {
    if (events.length) published.push(recorder.labelNow());
    return publish(events);
  };
  const emit = registry.bus.emit.bind(registry.bus);
  registry.bus.emit = (...args: Parameters<typeof emit>) => recorder.within(LOCAL_TRIGGERS, () => emit(...args));
  const ecr = registry.ecr;
  const repositoryName = 'iam/app';
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }] });

  await as('repositories', async () => {
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const arn = created.repository!.repositoryArn!;
    await ecr.send(new DescribeRepositoriesCommand({}));
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName, imageTagMutability: 'MUTABLE' }));
    await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: true } }));
    // Off again, so that the images below are scanned only when this test says so.
    await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: false } }));
    await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'team', Value: 'a' }] }));
    await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: policy }));
    await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }));
    await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName }));
  });

  // A CREATE_ON_PUSH template, which the layers' first push below applies (its lifecycle policy included).
  const templateLifecycle = JSON.stringify({
    rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } }],
  });
  await as('cache', async () => {
    await ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'auto', appliedFor: ['CREATE_ON_PUSH'], lifecyclePolicy: templateLifecycle }));
    await ecr.send(new DescribeRepositoryCreationTemplatesCommand({}));
    await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['auto'] }));
    await ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'auto', description: 'created on push' }));
  });

  let blobs: Awaited<ReturnType<typeof pushBlobs>> | undefined;
  await as('layers', async () => {
    await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'auto/app' }));
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
    await ecr
      .send(new CompleteLayerUploadCommand({ repositoryName, uploadId: bad.uploadId, layerDigests: [sha256Digest(Buffer.from('x'))] }))
      .catch(() => undefined);
  });

  await as('images', async () => {
    const small = imageManifest(blobs!);
    // Over 300 KB a manifest lives in S3.
    const large = imageManifest(blobs!, undefined, { annotations: { padding: 'x'.repeat(400 * 1024) } });
    await putManifest(ecr, repositoryName, small, 'v1');
    await putManifest(ecr, repositoryName, large, 'big');
    await putManifest(ecr, repositoryName, imageManifest(blobs!, undefined, { annotations: { scan: 'me' } }), 'scan-me');
    await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'v1' }, { imageTag: 'big' }] }));
    await ecr.send(new ListImagesCommand({ repositoryName }));
    await ecr.send(new DescribeImagesCommand({ repositoryName }));
    // Deleting an index also deletes its child references, in one batch.
    await putManifest(ecr, repositoryName, indexManifest([small]), 'multi');
    await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageTag: 'multi' }, { imageTag: 'v1' }] }));
  });

  await as('auth', () => ecr.send(new GetAuthorizationTokenCommand({})));
  await as('cache', () => ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'auto' })));

  await as('registry', async () => {
    const principalArn = 'arn:aws:iam::210987654321:user/ci';
    await ecr.send(new DescribeRegistryCommand({}));
    await ecr.send(new PutRegistryPolicyCommand({ policyText: policy }));
    await ecr.send(new GetRegistryPolicyCommand({}));
    await ecr.send(new DeleteRegistryPolicyCommand({}));
    await ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
    await ecr.send(new ListPullTimeUpdateExclusionsCommand({}));
    await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn }));
  });

  // The OCI sides: a monolithic and a chunked blob upload, a manifest, then every kind of read, then deletes.
  const oci = await ociClient(registry);
  const configBlob = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
  const layerBlob = randomBytes(64 * 1024);
  const ociManifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(configBlob), size: configBlob.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layerBlob), size: layerBlob.length }],
  });
  await as('oci-push', async () => {
    await oci.pushBlob(repositoryName, configBlob);
    const start = await oci.fetch(`/v2/${repositoryName}/blobs/uploads/`, { method: 'POST' });
    expect(start.status).toBe(202);
    const location = start.headers.get('location')!;
    const half = layerBlob.length / 2;
    expect((await oci.fetch(location, { method: 'PATCH', body: layerBlob.subarray(0, half), headers: { 'content-range': `0-${half - 1}` } })).status).toBe(202);
    expect(
      (
        await oci.fetch(`${location}?digest=${sha256Digest(layerBlob)}`, {
          method: 'PUT',
          body: layerBlob.subarray(half),
          headers: { 'content-range': `${half}-${layerBlob.length - 1}` },
        })
      ).status,
    ).toBe(201);
    expect((await oci.pushManifest(repositoryName, 'oci', ociManifest)).status).toBe(201);
    // A tag moved to another manifest, and an index over both.
    const other = JSON.stringify({ ...JSON.parse(ociManifest), annotations: { other: 'yes' } });
    expect((await oci.pushManifest(repositoryName, 'oci-moved', ociManifest)).status).toBe(201);
    expect((await oci.pushManifest(repositoryName, 'oci-moved', other)).status).toBe(201);
    const ociIndex = indexManifest([ociManifest, other]);
    expect((await oci.pushManifest(repositoryName, 'oci-index', ociIndex, 'application/vnd.oci.image.index.v1+json')).status).toBe(201);
    // A chunked upload cancelled after its first 6 MiB went to S3 as a multipart part.
    const cancelled = (await oci.fetch(`/v2/${repositoryName}/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    const big = randomBytes(6 * 1024 * 1024);
    expect((await oci.fetch(cancelled, { method: 'PATCH', body: big, headers: { 'content-range': `0-${big.length - 1}` } })).status).toBe(202);
    expect((await oci.fetch(cancelled, { method: 'DELETE' })).status).toBe(204);
  });
  await as('oci-pull', async () => {
    expect((await oci.fetch('/v2/')).status).toBe(200);
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    expect((await oci.fetch(`/v2/${repositoryName}/manifests/oci`, { method: 'HEAD', headers: accept })).status).toBe(200);
    expect((await oci.fetch(`/v2/${repositoryName}/manifests/oci`, { headers: accept })).status).toBe(200);
    expect((await oci.fetch(`/v2/${repositoryName}/blobs/${sha256Digest(layerBlob)}`, { method: 'HEAD' })).status).toBe(200);
    expect((await oci.fetch(`/v2/${repositoryName}/blobs/${sha256Digest(layerBlob)}`)).status).toBe(307);
    expect((await oci.fetch(`/v2/${repositoryName}/tags/list`)).status).toBe(200);
  });
  await as('oci-push', async () => {
    expect((await oci.fetch(`/v2/${repositoryName}/manifests/oci-index`, { method: 'DELETE' })).status).toBe(202);
    expect((await oci.fetch(`/v2/${repositoryName}/manifests/oci`, { method: 'DELETE' })).status).toBe(202);
  });

  // A push event as EventBridge delivers it to the job functions' rules.
  const push = ecrEvent('ECR Image Action', registry.config.registryId, registry.config.region, {
    result: 'SUCCESS',
    'repository-name': repositoryName,
    'image-digest': sha256Digest(Buffer.from(ociManifest)),
    'action-type': 'PUSH',
    'image-tag': 'big',
  });
  // The scanning operations; a scan's state machine runs the scanning-jobs tasks.
  await as('scanning', async () => {
    await ecr.send(new GetRegistryScanningConfigurationCommand({}));
    await ecr.send(
      new PutRegistryScanningConfigurationCommand({
        scanType: 'BASIC',
        rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'iam/*', filterType: 'WILDCARD' }] }],
      }),
    );
    await ecr.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: [repositoryName] }));
    const setting = await ecr.send(new GetAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION' }));
    await ecr.send(new PutAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION', value: setting.value! }));
    await ecr.send(new StartImageScanCommand({ repositoryName, imageId: { imageTag: 'scan-me' } }));
    await registry.jobs.idle();
    await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageTag: 'scan-me' } }));
  });
  // The scanning-jobs push entry point (its EventBridge rule), on an image not scanned yet that the registry's rule above scans on push.
  await as('scanning-jobs', async () => {
    await scanOnPush(registry.deps, jobActor(registry.deps.config, 'scan'), {
      ...push,
      detail: {
        ...push.detail,
        'image-digest': (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'big' }] }))).images![0].imageId!.imageDigest!,
      },
    });
    await registry.jobs.idle();
  });

  // Replication: its configuration (registry), the replication-jobs push entry point and the copy it starts (to a
  // destination the peers document does not name, so the copy ends FAILED at once), and the status (images).
  await as('registry', () =>
    ecr.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [
            {
              destinations: [{ region: 'eu-west-1', registryId: '210987654321' }],
              repositoryFilters: [{ filter: repositoryName, filterType: 'PREFIX_MATCH' }],
            },
          ],
        },
      }),
    ),
  );
  await as('replication-jobs', async () => {
    const digest = (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'big' }] }))).images![0].imageId!.imageDigest!;
    await replicateOnPush(registry.deps, jobActor(registry.deps.config, 'replication'), { ...push, detail: { ...push.detail, 'image-digest': digest } });
    await registry.jobs.idle();
  });
  await as('images', () => ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId: { imageTag: 'big' } })));
  // A backfill to that destination: its state machine runs the replication-jobs tasks, which record every image FAILED.
  await as('registry', async () => {
    const started = await ecr.send(new StartReplicationBackfillCommand({ destination: { region: 'eu-west-1', registryId: '210987654321' } }));
    await registry.jobs.idle();
    await ecr.send(new ListReplicationBackfillsCommand({}));
    await ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: started.replicationBackfillId }));
  });

  // Managed signing: its configuration (registry), the signing-jobs push entry point and the signing it starts (the
  // signature pushed into the repository), the status (images).
  const signingProfileArn = `arn:aws:signer:${registry.config.region}:${registry.config.registryId}:/signing-profiles/iam_signer`;
  await as('registry', async () => {
    await ecr.send(
      new PutSigningConfigurationCommand({
        signingConfiguration: { rules: [{ signingProfileArn, repositoryFilters: [{ filter: repositoryName, filterType: 'WILDCARD_MATCH' }] }] },
      }),
    );
    await ecr.send(new GetSigningConfigurationCommand({}));
  });
  await as('signing-jobs', async () => {
    const digest = (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'big' }] }))).images![0].imageId!.imageDigest!;
    await signOnPush(registry.deps, jobActor(registry.deps.config, 'signing'), { ...push, detail: { ...push.detail, 'image-digest': digest } });
    await registry.jobs.idle();
  });
  await as('images', () => ecr.send(new DescribeImageSigningStatusCommand({ repositoryName, imageId: { imageTag: 'big' } })));
  await as('registry', () => ecr.send(new DeleteSigningConfigurationCommand({})));

  // The feed import schedule of scanning-jobs, reading an export uploaded under the deployed feed prefix.
  await registry.deps.blobs.put(`${FEED_PREFIX}Debian/all.zip`, osvZip([osvRecord('DEBIAN-CVE-2024-9002', 'Debian:12', 'zlib', [{ introduced: '0' }])]));
  const feedDeps = { ...registry.deps, config: { ...registry.deps.config, scanFeedDir: undefined, scanFeedS3Prefix: FEED_PREFIX } };
  await as('scanning-jobs', () => runConfiguredFeedImport(feedDeps, jobActor(registry.deps.config)));
  // A changed export replaces the imported feed.
  await registry.deps.blobs.put(`${FEED_PREFIX}Debian/all.zip`, osvZip([osvRecord('DEBIAN-CVE-2024-9003', 'Debian:12', 'zlib', [{ introduced: '0' }])]));
  await as('scanning-jobs', () => runConfiguredFeedImport(feedDeps, jobActor(registry.deps.config)));
  // The lifecycle operations, after the scans: the policy keeps one image. The preview's state machine runs the lifecycle-jobs tasks.
  const lifecyclePolicyText = JSON.stringify({
    rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
  });
  await as('lifecycle', async () => {
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText }));
    await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName }));
    await registry.jobs.idle();
    await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }));
  });
  // The lifecycle-jobs entry points (its EventBridge rules): a push, whose run expires the other images, and the daily schedule.
  await as('lifecycle-jobs', async () => {
    await onRegistryEvent(registry.deps, jobActor(registry.deps.config, 'lifecycle'), push);
    await runScheduledLifecycle(registry.deps, jobActor(registry.deps.config, 'lifecycle'));
    await registry.jobs.idle();
  });
  await as('lifecycle', () => ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName })));

  await as('repositories', () => ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true })));
  await registry.jobs.idle();
  // Garbage collection, past the grace period and the uploads' TTL: the tick starts the machine (a sweep), then a
  // marks run and a sweep free what the deleted repository held.
  await as('gc-jobs', async () => {
    await gcTick(registry.deps, jobActor(registry.deps.config, 'gc'));
    await registry.jobs.idle();
    const later = { ...registry.deps, now: () => new Date(Date.now() + 3 * 24 * 3600_000) };
    await runGc(later, jobActor(registry.deps.config, 'gc'), 'marks');
    await runGc(later, jobActor(registry.deps.config, 'gc'), 'sweep');
  });
  collectUsed(published);
}, 120_000);

afterAll(async () => {
  recorder?.stop();
  await registry?.destroy();
  await stopS3?.();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
});

describe('the least-privilege table', () => {
  it('covers every function with a handler: the ECR groups, both OCI sides and both job functions', () => {
    expect(FUNCTIONS).toEqual([
      'auth',
      'cache',
      'gc-jobs',
      'images',
      'layers',
      'lifecycle',
      'lifecycle-jobs',
      'oci-pull',
      'oci-push',
      'registry',
      'replication-jobs',
      'repositories',
      'scanning',
      'scanning-jobs',
      'signing-jobs',
    ]);
    expect(FUNCTIONS).toEqual(
      readdirSync(join(ROOT, 'functions'))
        .filter((d) => existsSync(join(ROOT, 'functions', d, 'handler.ts')))
        .sort(),
    );
    // auth seals tokens with the derived key and touches no data: its row is empty, and so are its calls.
    for (const fn of FUNCTIONS.filter((f) => granted(f).size > 0)) expect(used[fn]?.size, `${fn} made calls`).toBeGreaterThan(0);
    expect(granted('auth').size).toBe(0);
    for (const fn of Object.keys(NOT_YET_EXERCISED)) expect(FUNCTIONS, fn).toContain(fn);
  });

  it.each(FUNCTIONS)('lets %s do what its operations did against DynamoDB, S3 and EventBridge, and nothing but the listed grants on top', (fn) => {
    const made = [...(used[fn] ?? [])].sort();
    const unexercised = NOT_YET_EXERCISED[fn] ?? [];
    for (const action of made) expect(granted(fn).has(action), `${fn} needs ${action}`).toBe(true);
    expect(
      made.filter((a) => unexercised.includes(a)),
      `${fn}: listed as not exercised, but used`,
    ).toEqual([]);
    expect([...made, ...unexercised].sort(), `${fn}: every grant is used or listed`).toEqual([...granted(fn)].sort());
  });

  it('has a row for every function with a handler, and otherwise only for the ECR groups whose handler has not landed', () => {
    for (const fn of FUNCTIONS) expect(Object.hasOwn(PERMISSIONS, fn), fn).toBe(true);
    const rest = Object.keys(PERMISSIONS).filter((name) => !FUNCTIONS.includes(name));
    for (const name of rest) {
      expect(GROUPS as readonly string[], name).toContain(name);
      expect(existsSync(join(ROOT, 'functions', name, 'handler.ts')), name).toBe(false);
    }
  });

  it('attributes no call to anything but a function, the setup or the local triggers', () => {
    const labels = new Set(recorder.calls.map((c) => c.label));
    for (const label of labels) expect(['setup', LOCAL_TRIGGERS, ...FUNCTIONS], label).toContain(label);
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
