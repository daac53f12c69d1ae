/**
 * Managed signing end to end: skopeo pushes an image into a registry whose signing rule matches; the Notary
 * signature appears among the image's referrers (ECR ListImageReferrers and OCI referrers/<digest>), verifies with the
 * trust anchor, and is replicated with its image to a destination registry (another region of the account), where it
 * verifies too. A skopeo push into a repository outside the filters is not signed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImageReplicationStatusCommand,
  DescribeImageSigningStatusCommand,
  type ECRClient,
  ECRClient as Client,
  GetDownloadUrlForLayerCommand,
  ListImageReferrersCommand,
  PutReplicationConfigurationCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRegistry, type LocalRegistry } from '../../infra/local/registry.ts';
import { verifyNotarySignature } from '../helpers/notary-verifier.ts';
import { writeImage, writeIndex } from '../helpers/oci-layout.ts';
import { makeProfileKeys, makeTestCa } from '../helpers/signing-keys.ts';
import { PLAIN_HTTP, skopeo } from '../helpers/skopeo.ts';

const ACCOUNT = '111111111111';
const PROFILE = `arn:aws:signer:us-east-1:${ACCOUNT}:/signing-profiles/release`;
const PEER_KEY = { accessKeyId: 'AKIAREPLSIGN00000001', secretAccessKey: 'replication-secret-signing' };
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };
const SIGNATURE = 'application/vnd.cncf.notary.signature';

type Node = { registry: LocalRegistry; ecr: ECRClient };
let work: string;
let caPem: string;
let source: Node;
let destination: Node;
let authfile: string;
/** The source's registry token: base64 of `AWS:<password>`, the OCI API's Basic credentials. */
let token: string;

async function start(dataDir: string, env: NodeJS.ProcessEnv): Promise<Node> {
  const registry = await startLocalRegistry({ dataDir, port: 0, hostname: '127.0.0.1', env: { LOG_LEVEL: 'silent', ...env }, jobRetryIntervalMs: 100 });
  return { registry, ecr: new Client({ endpoint: registry.endpoint, region: env.AWS_REGION!, credentials: ROOT, maxAttempts: 1 }) };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'secr-signing-e2e-'));
  caPem = makeTestCa(join(work, 'ca'));
  makeProfileKeys(join(work, 'keys'), 'release', join(work, 'ca'));
  const iam = join(work, 'destination-principals.json');
  writeFileSync(
    iam,
    JSON.stringify({
      principals: [
        {
          arn: `arn:aws:iam::${ACCOUNT}:role/ecr-replication`,
          accessKeys: [PEER_KEY],
          policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'], Resource: '*' }] }],
        },
      ],
    }),
  );
  destination = await start(join(work, 'destination'), { REGISTRY_ID: ACCOUNT, AWS_REGION: 'us-west-2', REGISTRY_IAM_FILE: iam });
  const peers = join(work, 'peers.json');
  writeFileSync(peers, JSON.stringify({ peers: [{ region: 'us-west-2', registryId: ACCOUNT, endpoint: destination.registry.endpoint, ...PEER_KEY }] }));
  source = await start(join(work, 'source'), {
    REGISTRY_ID: ACCOUNT,
    AWS_REGION: 'us-east-1',
    REGISTRY_PEERS_FILE: peers,
    REGISTRY_SIGNING_KEYS_DIR: join(work, 'keys'),
  });
  for (const name of ['release/app', 'scratch/app']) await source.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  await source.ecr.send(
    new PutSigningConfigurationCommand({
      signingConfiguration: { rules: [{ signingProfileArn: PROFILE, repositoryFilters: [{ filter: 'release/*', filterType: 'WILDCARD_MATCH' }] }] },
    }),
  );
  await source.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [{ destinations: [{ region: 'us-west-2', registryId: ACCOUNT }], repositoryFilters: [{ filter: 'release/', filterType: 'PREFIX_MATCH' }] }],
      },
    }),
  );
  const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  token = (await source.ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
  authfile = join(work, 'auth.json');
  writeFileSync(authfile, JSON.stringify({ auths: { [new URL(source.registry.endpoint).host]: { auth: token } } }));
}, 60_000);

afterAll(async () => {
  for (const node of [source, destination]) {
    node?.ecr.destroy();
    await node?.registry.stop();
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Polls `read` until `done` holds of what it answers (the jobs run in the registries' processes). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('what the test waited for did not happen');
}

/** Pushes a new one-layer image from an OCI layout with skopeo; its descriptor. */
async function skopeoPush(repositoryName: string, tag: string) {
  const src = join(work, `layout-${repositoryName.replace('/', '-')}-${tag}`);
  const image = writeImage(src, [2048]);
  writeIndex(src, [{ tag, manifest: image.manifest }]);
  await skopeo(
    'copy',
    ...PLAIN_HTTP,
    '--authfile',
    authfile,
    '--preserve-digests',
    `oci:${src}:${tag}`,
    `docker://${new URL(source.registry.endpoint).host}/${repositoryName}:${tag}`,
  );
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: Buffer.byteLength(image.manifest) };
}

/** The envelope of the signature `digest` in a registry's repository, through BatchGetImage and the layer's download URL. */
async function envelopeOf(ecr: ECRClient, repositoryName: string, digest: string) {
  const got = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }));
  const layer = JSON.parse(got.images![0].imageManifest!).layers[0];
  const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: layer.digest }));
  return Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer());
}

describe('an image pushed with skopeo into a repository a signing rule matches', () => {
  it('is signed (COMPLETE), the signature is listed by both referrer APIs, verifies, and is replicated with its image', async () => {
    // Act
    const image = await skopeoPush('release/app', 'v1');
    const statuses = await until(
      () => source.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'release/app', imageId: { imageTag: 'v1' } })),
      (out) => (out.signingStatuses ?? []).some((s) => s.status !== 'IN_PROGRESS'),
    );
    // Assess: the signature at the source.
    expect(statuses.signingStatuses).toEqual([{ signingProfileArn: PROFILE, status: 'COMPLETE' }]);
    const { referrers } = await source.ecr.send(new ListImageReferrersCommand({ repositoryName: 'release/app', subjectId: { imageDigest: image.digest } }));
    expect(referrers).toEqual([expect.objectContaining({ artifactType: SIGNATURE, mediaType: image.mediaType, artifactStatus: 'ACTIVE' })]);
    const signature = referrers![0].digest!;
    const oci = await fetch(`${source.registry.endpoint}/v2/release/app/referrers/${image.digest}`, { headers: { authorization: `Basic ${token}` } });
    expect((await oci.json()).manifests).toEqual([expect.objectContaining({ digest: signature, artifactType: SIGNATURE })]);
    const envelope = await envelopeOf(source.ecr, 'release/app', signature);
    expect(await verifyNotarySignature(envelope, image, caPem)).toMatchObject({ valid: true });
    expect((await verifyNotarySignature(envelope, { ...image, digest: `sha256:${'1'.repeat(64)}` }, caPem)).valid).toBe(false);
    // Assess: the signature at the destination, with its image.
    await until(
      () => source.ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName: 'release/app', imageId: { imageDigest: signature } })),
      (out) => (out.replicationStatuses ?? []).some((s) => s.status === 'COMPLETE'),
    );
    const replicated = await destination.ecr.send(new ListImageReferrersCommand({ repositoryName: 'release/app', subjectId: { imageDigest: image.digest } }));
    expect(replicated.referrers?.map((r) => [r.digest, r.artifactType])).toEqual([[signature, SIGNATURE]]);
    expect(await verifyNotarySignature(await envelopeOf(destination.ecr, 'release/app', signature), image, caPem)).toMatchObject({ valid: true });
  });
});

describe('an image pushed with skopeo into a repository outside the filters', () => {
  it('is not signed: no status, no referrer', async () => {
    const image = await skopeoPush('scratch/app', 'v1');
    await source.registry.jobs.idle();

    const out = await source.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'scratch/app', imageId: { imageTag: 'v1' } }));
    expect(out.signingStatuses).toEqual([]);
    const { referrers } = await source.ecr.send(new ListImageReferrersCommand({ repositoryName: 'scratch/app', subjectId: { imageDigest: image.digest } }));
    expect(referrers).toEqual([]);
  });
});
