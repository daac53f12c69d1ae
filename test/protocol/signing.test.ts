/**
 * Managed signing through the real ECR SDK v3 client and the OCI API against a real local registry: the signing
 * configuration's round trip and validation, pushes signed on push with the pusher's identity (COMPLETE, ACCESS_DENIED),
 * a profile without keys (SIGNING_KEY_NOT_FOUND), a repository outside the filters, and the signature found through
 * both referrer APIs and checked by an independent verifier (test/helpers/notary-verifier.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteSigningConfigurationCommand,
  DescribeImageSigningStatusCommand,
  type ECRClient,
  GetDownloadUrlForLayerCommand,
  GetSigningConfigurationCommand,
  ListImageReferrersCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageManifest, OCI_MANIFEST, pushBlobs, putManifest } from '../helpers/images.ts';
import { verifyNotarySignature } from '../helpers/notary-verifier.ts';
import { ociClient } from '../helpers/oci.ts';
import { principalClients, startTestRegistry, wireError, type TestRegistry } from '../helpers/registry.ts';
import { makeProfileKeys, makeTestCa } from '../helpers/signing-keys.ts';

const ACCOUNT = '123456789012';
const profile = (name: string) => `arn:aws:signer:us-east-1:${ACCOUNT}:/signing-profiles/${name}`;
const SIGNER = { accessKeyId: 'AKIASIGNINGCI000001', secretAccessKey: 'ci-secret-that-is-long' };
const NO_SIGN = { accessKeyId: 'AKIASIGNINGNOSIGN01', secretAccessKey: 'nosign-secret-that-is-long' };

let registry: TestRegistry;
let work: string;
let caPem: string;
const clients = principalClients(() => registry.endpoint);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'secr-signing-'));
  const keysDir = join(work, 'keys');
  caPem = makeTestCa(join(work, 'ca'));
  makeProfileKeys(keysDir, 'team_signer', join(work, 'ca'));
  const ecrAll = { Effect: 'Allow', Action: 'ecr:*', Resource: '*' };
  const principals = {
    principals: [
      {
        arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
        accessKeys: [SIGNER],
        policies: [{ Version: '2012-10-17', Statement: [ecrAll, { Effect: 'Allow', Action: 'signer:SignPayload', Resource: profile('team_signer') }] }],
      },
      { arn: `arn:aws:iam::${ACCOUNT}:user/nosign`, accessKeys: [NO_SIGN], policies: [{ Version: '2012-10-17', Statement: [ecrAll] }] },
    ],
  };
  const file = join(work, 'principals.json');
  writeFileSync(file, JSON.stringify(principals));
  registry = await startTestRegistry(join(work, 'data'), {
    REGISTRY_ID: ACCOUNT,
    REGISTRY_IAM_FILE: file,
    REGISTRY_SIGNING_KEYS_DIR: keysDir,
    LOG_LEVEL: 'silent',
  });
  for (const name of ['team/app', 'team/denied', 'team/root', 'team/multi', 'other/app', 'keyless/app'])
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  await registry.ecr.send(
    new PutSigningConfigurationCommand({
      signingConfiguration: {
        rules: [
          { signingProfileArn: profile('team_signer'), repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] },
          {
            signingProfileArn: profile('no_keys'),
            repositoryFilters: [
              { filter: 'keyless/*', filterType: 'WILDCARD_MATCH' },
              { filter: '*/multi', filterType: 'WILDCARD_MATCH' },
            ],
          },
        ],
      },
    }),
  );
});

afterAll(async () => {
  clients.destroy();
  await registry?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Pushes a new image through the ECR API as `ecr`; its digest, size and media type. */
async function push(ecr: ECRClient, repositoryName: string, tag: string) {
  const text = imageManifest(await pushBlobs(ecr, repositoryName, 1, 256));
  const digest = await putManifest(ecr, repositoryName, text, tag);
  return { mediaType: OCI_MANIFEST, digest, size: Buffer.byteLength(text) };
}

/** The image's signing statuses once none is IN_PROGRESS (the signing job runs in the registry's process). */
async function settledStatuses(repositoryName: string, imageDigest: string) {
  for (let i = 0; i < 200; i++) {
    const out = await registry.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName, imageId: { imageDigest } }));
    const statuses = out.signingStatuses ?? [];
    if (statuses.length && statuses.every((s) => s.status !== 'IN_PROGRESS')) return statuses;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the signing of ${repositoryName}@${imageDigest} did not settle`);
}

/** The image's signing statuses once there are two and neither is IN_PROGRESS. */
async function until2(repositoryName: string, imageDigest: string) {
  for (let i = 0; i < 200; i++) {
    const statuses = await settledStatuses(repositoryName, imageDigest);
    if (statuses.length === 2) return statuses;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the signing of ${repositoryName}@${imageDigest} did not reach two statuses`);
}

/** The envelope of the image's one Notary signature, read through ListImageReferrers, BatchGetImage and the layer's download URL. */
async function signatureEnvelope(repositoryName: string, imageDigest: string) {
  const { referrers } = await registry.ecr.send(new ListImageReferrersCommand({ repositoryName, subjectId: { imageDigest } }));
  expect(referrers?.map((r) => r.artifactType)).toEqual(['application/vnd.cncf.notary.signature']);
  const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest: referrers![0].digest }] }));
  const manifest = JSON.parse(got.images![0].imageManifest!);
  const layer = manifest.layers[0];
  const { downloadUrl } = await registry.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: layer.digest }));
  return { manifest, digest: referrers![0].digest!, envelope: Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer()) };
}

describe('the signing configuration', () => {
  it('is put, got and deleted as put, and is SigningConfigurationNotFoundException when there is none', async () => {
    // Prepare
    const { signingConfiguration: before } = await registry.ecr.send(new GetSigningConfigurationCommand({}));
    const configuration = {
      rules: [
        { signingProfileArn: profile('other_profile') },
        { signingProfileArn: profile('x2'), repositoryFilters: [{ filter: 'a*/b', filterType: 'WILDCARD_MATCH' as const }] },
      ],
    };
    // Act
    const put = await registry.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: configuration }));
    const got = await registry.ecr.send(new GetSigningConfigurationCommand({}));
    const deleted = await registry.ecr.send(new DeleteSigningConfigurationCommand({}));
    // Assess
    expect(put.signingConfiguration).toEqual(configuration);
    expect(got).toMatchObject({ registryId: ACCOUNT, signingConfiguration: configuration });
    expect(deleted).toMatchObject({ registryId: ACCOUNT, signingConfiguration: configuration });
    const none = `SigningConfigurationNotFoundException: The signing configuration does not exist in the registry with id '${ACCOUNT}'`;
    expect(await wireError(registry.ecr.send(new GetSigningConfigurationCommand({})))).toBe(none);
    expect(await wireError(registry.ecr.send(new DeleteSigningConfigurationCommand({})))).toBe(none);
    await registry.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: before }));
  });

  it('takes an empty rule list, and refuses what the model refuses with ValidationException', async () => {
    const { signingConfiguration: before } = await registry.ecr.send(new GetSigningConfigurationCommand({}));
    const put = (rules: unknown[]) => wireError(registry.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules } as never })));
    const rule = (filters?: unknown[]) => ({ signingProfileArn: profile('team_signer'), ...(filters ? { repositoryFilters: filters } : {}) });
    const filter = (f: string, filterType = 'WILDCARD_MATCH') => ({ filter: f, filterType });

    expect(await put([])).toBe('no error');
    expect(await put(Array.from({ length: 11 }, () => rule()))).toMatch(
      /^ValidationException: 1 validation error detected: .*'signingConfiguration.rules'.*length less than or equal to 10/,
    );
    expect(await put([{ signingProfileArn: 'arn:aws:signer:us-east-1:123:/signing-profiles/x' }])).toMatch(
      /^ValidationException: 1 validation error detected: Value .* at 'signingConfiguration.rules.1.member.signingProfileArn' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    expect(await put([rule([])])).toMatch(/^ValidationException: .*repositoryFilters.*length greater than or equal to 1/);
    expect(await put([rule(Array.from({ length: 101 }, (_, i) => filter(`r${i}`)))])).toMatch(
      /^ValidationException: .*repositoryFilters.*length less than or equal to 100/,
    );
    expect(await put([rule([filter('Team/*')])])).toMatch(
      /^ValidationException: .*filter' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    expect(await put([rule([filter('team/*', 'PREFIX_MATCH')])])).toMatch(
      /^ValidationException: .*filterType' failed to satisfy constraint: Member must satisfy enum value set: \[WILDCARD_MATCH\]/,
    );
    await registry.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: before }));
  });
});

describe('signing on push', () => {
  it('signs an image pushed into a matching repository with the pusher identity: COMPLETE, and the signature verifies', async () => {
    // Act
    const image = await push(clients.as(SIGNER), 'team/app', 'v1');
    const statuses = await settledStatuses('team/app', image.digest);
    // Assess
    expect(statuses).toEqual([{ signingProfileArn: profile('team_signer'), status: 'COMPLETE' }]);
    const { manifest, envelope } = await signatureEnvelope('team/app', image.digest);
    expect(manifest).toMatchObject({
      artifactType: 'application/vnd.cncf.notary.signature',
      subject: image,
      config: { mediaType: 'application/vnd.oci.empty.v1+json' },
    });
    expect(manifest.layers).toEqual([expect.objectContaining({ mediaType: 'application/jose+json', size: envelope.length })]);
    expect(await verifyNotarySignature(envelope, image, caPem)).toMatchObject({ valid: true });
    expect(await verifyNotarySignature(envelope, { ...image, digest: `sha256:${'0'.repeat(64)}` }, caPem)).toMatchObject({ valid: false });
  });

  it('lists the signature in the OCI referrers API, filtered by artifactType, and never signs the signature', async () => {
    // Prepare
    const image = await push(clients.as(SIGNER), 'team/app', 'v2');
    await settledStatuses('team/app', image.digest);
    const { digest } = await signatureEnvelope('team/app', image.digest);
    const oci = await ociClient(registry);
    // Act
    const listed = await (await oci.fetch(`/v2/team/app/referrers/${image.digest}?artifactType=application/vnd.cncf.notary.signature`)).json();
    const none = await (await oci.fetch(`/v2/team/app/referrers/${image.digest}?artifactType=application/spdx+json`)).json();
    // Assess
    expect(listed.manifests).toEqual([expect.objectContaining({ digest, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.cncf.notary.signature' })]);
    expect(none.manifests).toEqual([]);
    const ofSignature = await registry.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'team/app', imageId: { imageDigest: digest } }));
    expect(ofSignature.signingStatuses).toEqual([]);
  });

  it('does not sign an image again when it is pushed again under another tag', async () => {
    const ecr = clients.as(SIGNER);
    const image = await push(ecr, 'team/app', 'v3');
    await settledStatuses('team/app', image.digest);
    const text = (await ecr.send(new BatchGetImageCommand({ repositoryName: 'team/app', imageIds: [{ imageDigest: image.digest }] }))).images![0]
      .imageManifest!;

    await putManifest(ecr, 'team/app', text, 'v3-again');

    expect(await settledStatuses('team/app', image.digest)).toEqual([{ signingProfileArn: profile('team_signer'), status: 'COMPLETE' }]);
    const { referrers } = await ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/app', subjectId: { imageDigest: image.digest } }));
    expect(referrers).toHaveLength(1);
  });

  it('records FAILED with ACCESS_DENIED when the pusher may not signer:SignPayload on the profile, and signs the root account push', async () => {
    // Act
    const denied = await push(clients.as(NO_SIGN), 'team/denied', 'v1');
    const byRoot = await push(registry.ecr, 'team/root', 'v1');
    // Assess
    const [status] = await settledStatuses('team/denied', denied.digest);
    expect(status).toEqual({
      signingProfileArn: profile('team_signer'),
      status: 'FAILED',
      failureCode: 'ACCESS_DENIED',
      failureReason: `User: arn:aws:iam::${ACCOUNT}:user/nosign is not authorized to perform: signer:SignPayload on resource: ${profile('team_signer')} because no identity-based policy allows the signer:SignPayload action`,
    });
    const { referrers } = await registry.ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/denied', subjectId: { imageDigest: denied.digest } }));
    expect(referrers).toEqual([]);
    expect(await settledStatuses('team/root', byRoot.digest)).toEqual([{ signingProfileArn: profile('team_signer'), status: 'COMPLETE' }]);
  });

  it('records FAILED with SIGNING_KEY_NOT_FOUND for a profile without keys, and signs nothing outside the filters', async () => {
    // Act
    const keyless = await push(registry.ecr, 'keyless/app', 'v1');
    const outside = await push(registry.ecr, 'other/app', 'v1');
    const [status] = await settledStatuses('keyless/app', keyless.digest);
    // Assess
    expect(status).toEqual({
      signingProfileArn: profile('no_keys'),
      status: 'FAILED',
      failureCode: 'SIGNING_KEY_NOT_FOUND',
      failureReason: 'No key.pem for signing profile no_keys in the keys directory',
    });
    const other = await registry.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'other/app', imageId: { imageTag: 'v1' } }));
    expect(other).toEqual(
      expect.objectContaining({
        repositoryName: 'other/app',
        registryId: ACCOUNT,
        imageId: { imageDigest: outside.digest, imageTag: 'v1' },
        signingStatuses: [],
      }),
    );
    const { referrers } = await registry.ecr.send(new ListImageReferrersCommand({ repositoryName: 'other/app', subjectId: { imageDigest: outside.digest } }));
    expect(referrers).toEqual([]);
  });

  it('reports one status per profile whose rule matches, each settling on its own', async () => {
    const image = await push(registry.ecr, 'team/multi', 'v1');

    const statuses = await until2('team/multi', image.digest);

    expect(statuses.map((s) => [s.signingProfileArn, s.status, s.failureCode])).toEqual([
      [profile('no_keys'), 'FAILED', 'SIGNING_KEY_NOT_FOUND'],
      [profile('team_signer'), 'COMPLETE', undefined],
    ]);
    const { referrers } = await registry.ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/multi', subjectId: { imageDigest: image.digest } }));
    expect(referrers).toHaveLength(1);
  });

  it('answers ImageNotFoundException and RepositoryNotFoundException for what is not there', async () => {
    expect(await wireError(registry.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'team/app', imageId: { imageTag: 'nope' } })))).toBe(
      `ImageNotFoundException: The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'team/app' in the registry with id '${ACCOUNT}'`,
    );
    expect(await wireError(registry.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'missing/app', imageId: { imageTag: 'v1' } })))).toBe(
      `RepositoryNotFoundException: The repository with name 'missing/app' does not exist in the registry with id '${ACCOUNT}'`,
    );
  });
});
