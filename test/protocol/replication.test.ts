/**
 * Replication between real registries: a source (account 111111111111, us-east-1) replicating to a destination in
 * another account (222222222222, eu-west-1, authorized by its registry policy) and to one of its own account in
 * another region (111111111111, us-west-2, authorized by the peer principal's identity policy). Each registry has its
 * data directory, principals file, and the source a peers file; every call goes through the real ECR SDK client,
 * and skopeo pulls from the destination.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  ListTagsForResourceCommand,
  DeleteRegistryPolicyCommand,
  DescribeImageReplicationStatusCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  PutAccountSettingCommand,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECRClient as Client } from '@aws-sdk/client-ecr';
import { startLocalRegistry, type LocalRegistry } from '../../infra/local/registry.ts';
import { errorName, rejection } from '../helpers/registry.ts';
import { imageManifest, indexManifest, pushBlobs, putManifest, OCI_INDEX } from '../helpers/images.ts';
import { pushLayer, randomLayer, sha256Digest } from '../helpers/layers.ts';
import {
  BatchDeleteImageCommand,
  DescribeReplicationBackfillResultsCommand,
  InitiateLayerUploadCommand,
  ListReplicationBackfillsCommand,
  StartReplicationBackfillCommand,
  StopReplicationBackfillCommand,
} from '@aws-sdk/client-ecr';
import { REPLICATION_HEADER } from '../../shared/domain/actor.ts';
import { DestinationClient } from '../../shared/replication/destination.ts';

const run = promisify(execFile);
const SOURCE = { registryId: '111111111111', region: 'us-east-1' };
const OTHER_ACCOUNT = { registryId: '222222222222', region: 'eu-west-1' };
const SAME_ACCOUNT = { registryId: '111111111111', region: 'us-west-2' };
const PEER_KEY = { accessKeyId: 'AKIAREPL000000000001', secretAccessKey: 'replication-secret-0001' };
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };

const REGISTRY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReplicationFromSource',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${SOURCE.registryId}:root` },
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
      Resource: `arn:aws:ecr:${OTHER_ACCOUNT.region}:${OTHER_ACCOUNT.registryId}:repository/*`,
    },
  ],
});

/** The replication role of the source in a destination's principals file: ReplicateImage and CreateRepository, and BatchDeleteImage for synced deletes. */
const principalsFile = () =>
  JSON.stringify({
    principals: [
      {
        arn: `arn:aws:iam::${SOURCE.registryId}:role/ecr-replication`,
        accessKeys: [PEER_KEY],
        policies: [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: ['ecr:ReplicateImage', 'ecr:CreateRepository', 'ecr:BatchDeleteImage'], Resource: '*' }],
          },
        ],
      },
    ],
  });

type Node = { registry: LocalRegistry; ecr: ECRClient; dataDir: string; env: NodeJS.ProcessEnv };

const work = mkdtempSync(join(tmpdir(), 'replication-'));
const peersFile = join(work, 'peers.json');
let source: Node;
let other: Node;
let same: Node;
/** The copy tasks wait for this before running (a test holds them to see IN_PROGRESS). */
let gate: Promise<void> = Promise.resolve();
/** InitiateLayerUpload calls the cross-account destination served. */
let uploadsAtOther = 0;

const client = (endpoint: string, region: string) => new Client({ endpoint, region, credentials: ROOT, maxAttempts: 1 });

async function start(dataDir: string, env: NodeJS.ProcessEnv, port = 0): Promise<Node> {
  const registry = await startLocalRegistry({
    dataDir,
    port,
    hostname: '127.0.0.1',
    env,
    jobRetryIntervalMs: 100,
    aroundJobTask: async (_machine, task) => {
      await gate;
      return task();
    },
  });
  return { registry, ecr: client(registry.endpoint, env.AWS_REGION!), dataDir, env };
}

async function startDestination(at: { registryId: string; region: string }, port = 0, dataDir = mkdtempSync(join(work, 'dest-'))) {
  const iam = join(dataDir, '..', `principals-${at.region}.json`);
  writeFileSync(iam, principalsFile());
  const node = await start(dataDir, { REGISTRY_ID: at.registryId, AWS_REGION: at.region, REGISTRY_IAM_FILE: iam }, port);
  const layers = node.registry.deps.layers;
  const createUpload = layers.createUpload.bind(layers);
  if (at === OTHER_ACCOUNT) {
    layers.createUpload = (...args) => {
      uploadsAtOther++;
      return createUpload(...args);
    };
  }
  return node;
}

function writePeers() {
  const peer = (at: { registryId: string; region: string }, node: Node) => ({ ...at, endpoint: node.registry.endpoint, ...PEER_KEY });
  writeFileSync(peersFile, JSON.stringify({ peers: [peer(OTHER_ACCOUNT, other), peer(SAME_ACCOUNT, same)] }));
}

/** The replication statuses of an image at the source once `done` says they are what the test waits for. */
async function statuses(repositoryName: string, imageDigest: string, done: (s: { status?: string; region?: string; failureCode?: string }[]) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const out = await source.ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId: { imageDigest } }));
    const list = out.replicationStatuses ?? [];
    if (done(list) || Date.now() > deadline) return list;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const settled = (s: { status?: string }[]) => s.length > 0 && s.every((x) => x.status !== 'IN_PROGRESS');

async function pushImage(ecr: ECRClient, repositoryName: string, tag: string, layers = 3) {
  const blobs = await pushBlobs(ecr, repositoryName, layers, 4096);
  const text = imageManifest(blobs);
  return { blobs, text, digest: await putManifest(ecr, repositoryName, text, tag) };
}

async function createRepo(ecr: ECRClient, repositoryName: string) {
  await ecr.send(new CreateRepositoryCommand({ repositoryName }));
}

beforeAll(async () => {
  other = await startDestination(OTHER_ACCOUNT);
  same = await startDestination(SAME_ACCOUNT);
  await other.ecr.send(new PutRegistryPolicyCommand({ policyText: REGISTRY_POLICY }));
  writePeers();
  source = await start(mkdtempSync(join(work, 'source-')), {
    REGISTRY_ID: SOURCE.registryId,
    AWS_REGION: SOURCE.region,
    REGISTRY_PEERS_FILE: peersFile,
    REPLICATION_SYNC_DELETES: '1',
  });
  await source.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [
          { destinations: [OTHER_ACCOUNT], repositoryFilters: [{ filter: 'team-a', filterType: 'PREFIX_MATCH' }] },
          { destinations: [SAME_ACCOUNT], repositoryFilters: [{ filter: 'regional', filterType: 'PREFIX_MATCH' }] },
        ],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const node of [source, other, same]) {
    node?.ecr.destroy();
    await node?.registry.stop();
  }
  rmSync(work, { recursive: true, force: true });
});

describe('PutReplicationConfiguration and DescribeRegistry', () => {
  it('returns the rules put, as DescribeRegistry does', async () => {
    const out = await source.ecr.send(new DescribeRegistryCommand({}));

    expect(out.registryId).toBe(SOURCE.registryId);
    expect(out.replicationConfiguration?.rules).toEqual([
      { destinations: [OTHER_ACCOUNT], repositoryFilters: [{ filter: 'team-a', filterType: 'PREFIX_MATCH' }] },
      { destinations: [SAME_ACCOUNT], repositoryFilters: [{ filter: 'regional', filterType: 'PREFIX_MATCH' }] },
    ]);
  });

  it('refuses a destination that is this very registry with InvalidParameterException, as ECR words it', async () => {
    const e = await rejection(source.ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [{ destinations: [SOURCE] }] } })));

    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe(
      "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'Replication destination cannot be the same as the source registry'",
    );
  });

  it('refuses more rules than the model allows (25) with ValidationException', async () => {
    const rules = Array.from({ length: 26 }, () => ({ destinations: [OTHER_ACCOUNT] }));

    expect(await errorName(source.ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } })))).toBe('ValidationException');
  });
});

describe('replication on push', () => {
  it('copies a multi-layer image byte for byte with its tag, the status IN_PROGRESS until the copy is done, then COMPLETE', async () => {
    await createRepo(source.ecr, 'team-a/app');
    let release!: () => void;
    gate = new Promise((r) => {
      release = r;
    });
    const { digest, text, blobs } = await pushImage(source.ecr, 'team-a/app', 'v1', 3);

    const during = await statuses('team-a/app', digest, (s) => s.length > 0);
    release();
    const after = await statuses('team-a/app', digest, settled);

    expect(during).toEqual([{ ...OTHER_ACCOUNT, status: 'IN_PROGRESS' }]);
    expect(after).toEqual([{ ...OTHER_ACCOUNT, status: 'COMPLETE' }]);
    const got = await other.ecr.send(new BatchGetImageCommand({ repositoryName: 'team-a/app', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.images?.[0]?.imageId?.imageDigest).toBe(digest);
    expect(got.images?.[0]?.imageManifest).toBe(text);
    // skopeo pulls every blob from the destination: the very bytes pushed to the source.
    const dir = mkdtempSync(join(work, 'pulled-'));
    const token = await other.ecr.send(new GetAuthorizationTokenCommand({}));
    const creds = Buffer.from(token.authorizationData![0].authorizationToken!, 'base64').toString('utf8');
    const host = new URL(other.registry.endpoint).host;
    await run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${host}/team-a/app:v1`, `dir:${dir}`]);
    expect(sha256Digest(readFileSync(join(dir, 'manifest.json')))).toBe(digest);
    for (const blob of [blobs.config, ...blobs.layers]) expect(readFileSync(join(dir, blob.digest.slice('sha256:'.length)))).toEqual(blob.bytes);
  }, 60_000);

  it('sends a base layer two images share once: the second copy uploads only what the destination lacks', async () => {
    await createRepo(source.ecr, 'team-a/base');
    const base = randomLayer(8192);
    const baseDigest = await pushLayer(source.ecr, 'team-a/base', base);
    const image = async (tag: string) => {
      const own = await pushBlobs(source.ecr, 'team-a/base', 1, 2048);
      const text = imageManifest({ config: own.config, layers: [{ bytes: base, size: base.length, digest: baseDigest }, ...own.layers] });
      return putManifest(source.ecr, 'team-a/base', text, tag);
    };
    const first = await image('one');
    await statuses('team-a/base', first, settled);
    const before = uploadsAtOther;

    const second = await image('two');
    const after = await statuses('team-a/base', second, settled);

    expect(after).toEqual([{ ...OTHER_ACCOUNT, status: 'COMPLETE' }]);
    // Its config and its own layer; the shared base layer is not sent again.
    expect(uploadsAtOther - before).toBe(2);
  }, 60_000);

  it('does not send a layer the destination stores in another repository when it allows mounting, and sends it when it does not', async () => {
    const shared = randomLayer(8192);
    await createRepo(other.ecr, 'elsewhere');
    const sharedDigest = await pushLayer(other.ecr, 'elsewhere', shared);
    await createRepo(source.ecr, 'team-a/mounts');
    await pushLayer(source.ecr, 'team-a/mounts', shared);
    const image = async (tag: string) => {
      const own = await pushBlobs(source.ecr, 'team-a/mounts', 1, 2048);
      const text = imageManifest({ config: own.config, layers: [{ bytes: shared, size: shared.length, digest: sharedDigest }, ...own.layers] });
      return { text, digest: await putManifest(source.ecr, 'team-a/mounts', text, tag) };
    };

    await other.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
    let before = uploadsAtOther;
    const mounted = await image('mounted');
    expect(await statuses('team-a/mounts', mounted.digest, settled)).toEqual([{ ...OTHER_ACCOUNT, status: 'COMPLETE' }]);
    // Its config and its own layer only: the destination linked the layer it already held.
    expect(uploadsAtOther - before).toBe(2);
    const got = await other.ecr.send(new BatchGetImageCommand({ repositoryName: 'team-a/mounts', imageIds: [{ imageTag: 'mounted' }] }));
    expect(got.images?.[0]?.imageManifest).toBe(mounted.text);
    const url = await other.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'team-a/mounts', layerDigest: sharedDigest }));
    expect(Buffer.from(await (await fetch(url.downloadUrl!)).arrayBuffer())).toEqual(shared);

    await other.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' }));
    await createRepo(source.ecr, 'team-a/no-mounts');
    await pushLayer(source.ecr, 'team-a/no-mounts', shared);
    const own = await pushBlobs(source.ecr, 'team-a/no-mounts', 1, 2048);
    const text = imageManifest({ config: own.config, layers: [{ bytes: shared, size: shared.length, digest: sharedDigest }, ...own.layers] });
    before = uploadsAtOther;
    const sent = await putManifest(source.ecr, 'team-a/no-mounts', text, 'sent');
    expect(await statuses('team-a/no-mounts', sent, settled)).toEqual([{ ...OTHER_ACCOUNT, status: 'COMPLETE' }]);
    // Mounting disabled: the shared layer crosses too.
    expect(uploadsAtOther - before).toBe(3);
  }, 60_000);

  it('copies a multi-arch index with its children, the same digests at the destination', async () => {
    await createRepo(source.ecr, 'team-a/multi');
    const children: string[] = [];
    for (const arch of ['amd64', 'arm64']) {
      const blobs = await pushBlobs(source.ecr, 'team-a/multi', 2, 2048);
      const text = imageManifest(blobs, undefined, { annotations: { arch } });
      await putManifest(source.ecr, 'team-a/multi', text);
      children.push(text);
    }
    const index = indexManifest(children);
    const digest = await putManifest(source.ecr, 'team-a/multi', index, 'latest');

    expect(await statuses('team-a/multi', digest, settled)).toEqual([{ ...OTHER_ACCOUNT, status: 'COMPLETE' }]);
    const got = await other.ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'team-a/multi',
        imageIds: [{ imageTag: 'latest' }, ...children.map((c) => ({ imageDigest: sha256Digest(Buffer.from(c)) }))],
        acceptedMediaTypes: [OCI_INDEX, 'application/vnd.oci.image.manifest.v1+json'],
      }),
    );
    expect(got.failures).toEqual([]);
    expect(got.images?.map((i) => i.imageManifest)).toEqual([index, ...children]);
  }, 60_000);

  it('replicates only repositories a rule filter matches', async () => {
    await createRepo(source.ecr, 'team-b/app');
    await createRepo(source.ecr, 'team-a/after');
    const skipped = await pushImage(source.ecr, 'team-b/app', 'v1', 1);
    const copied = await pushImage(source.ecr, 'team-a/after', 'v1', 1);

    await statuses('team-a/after', copied.digest, settled);

    expect(
      (await source.ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName: 'team-b/app', imageId: { imageTag: 'v1' } }))).replicationStatuses,
    ).toEqual([]);
    expect(await errorName(other.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team-b/app'] })))).toBe('RepositoryNotFoundException');
    expect(skipped.digest).toMatch(/^sha256:/);
  }, 60_000);

  it('ends FAILED with TAG_IMMUTABLE when the tag is immutable at the destination and points elsewhere there', async () => {
    await other.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team-a/pinned', imageTagMutability: 'IMMUTABLE' }));
    await pushImage(other.ecr, 'team-a/pinned', 'v1', 1);
    await createRepo(source.ecr, 'team-a/pinned');

    const { digest } = await pushImage(source.ecr, 'team-a/pinned', 'v1', 1);

    expect(await statuses('team-a/pinned', digest, settled)).toEqual([{ ...OTHER_ACCOUNT, status: 'FAILED', failureCode: 'TAG_IMMUTABLE' }]);
  }, 60_000);

  it('in another account, fails with ACCESS_DENIED without the destination registry policy, and copies once it is put back', async () => {
    await createRepo(source.ecr, 'team-a/guarded');
    await other.ecr.send(new DeleteRegistryPolicyCommand({}));
    const refused = await pushImage(source.ecr, 'team-a/guarded', 'v1', 1);
    const failed = await statuses('team-a/guarded', refused.digest, settled);

    await other.ecr.send(new PutRegistryPolicyCommand({ policyText: REGISTRY_POLICY }));
    const allowed = await pushImage(source.ecr, 'team-a/guarded', 'v2', 1);
    const copied = await statuses('team-a/guarded', allowed.digest, settled);

    expect(failed).toEqual([{ ...OTHER_ACCOUNT, status: 'FAILED', failureCode: 'ACCESS_DENIED' }]);
    expect(copied).toEqual([{ ...OTHER_ACCOUNT, status: 'COMPLETE' }]);
  }, 60_000);

  it("in the same account, creates the repository and copies on the peer principal's identity policy alone", async () => {
    await createRepo(source.ecr, 'regional/app');

    const { digest, text } = await pushImage(source.ecr, 'regional/app', 'v1', 2);

    expect(await statuses('regional/app', digest, settled)).toEqual([{ ...SAME_ACCOUNT, status: 'COMPLETE' }]);
    const got = await same.ecr.send(new BatchGetImageCommand({ repositoryName: 'regional/app', imageIds: [{ imageDigest: digest }] }));
    expect(got.images?.[0]?.imageManifest).toBe(text);
  }, 60_000);

  it("creates a missing destination repository from the destination's REPLICATION creation template, its settings applied", async () => {
    // Prepare: a template at the destination for the regional/templated namespace only.
    await same.ecr.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'regional/templated',
        appliedFor: ['REPLICATION'],
        imageTagMutability: 'IMMUTABLE',
        resourceTags: [{ Key: 'origin', Value: 'replica' }],
      }),
    );
    await createRepo(source.ecr, 'regional/templated/app');

    // Act
    const { digest } = await pushImage(source.ecr, 'regional/templated/app', 'v1', 1);

    // Assess
    expect(await statuses('regional/templated/app', digest, settled)).toEqual([{ ...SAME_ACCOUNT, status: 'COMPLETE' }]);
    const [repo] = (await same.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['regional/templated/app'] }))).repositories!;
    expect(repo.imageTagMutability).toBe('IMMUTABLE');
    const tags = await same.ecr.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }));
    expect(tags.tags).toEqual([{ Key: 'origin', Value: 'replica' }]);
  }, 60_000);

  it('keeps a copy to a stopped destination IN_PROGRESS while retries last, then FAILED, and copies after a restart and a backfill', async () => {
    await createRepo(source.ecr, 'regional/outage');
    const { port, dataDir } = { port: same.registry.port, dataDir: same.dataDir };
    same.ecr.destroy();
    await same.registry.stop();
    let release!: () => void;
    gate = new Promise((r) => {
      release = r;
    });
    const { digest, text } = await pushImage(source.ecr, 'regional/outage', 'v1', 1);
    const during = await statuses('regional/outage', digest, (s) => s.length > 0);
    release();
    const failed = await statuses('regional/outage', digest, settled);

    same = await startDestination(SAME_ACCOUNT, port, dataDir);
    const { replicationBackfillId } = await source.ecr.send(new StartReplicationBackfillCommand({ destination: SAME_ACCOUNT }));
    let backfill = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId }));
    for (const deadline = Date.now() + 60_000; !['COMPLETE', 'FAILED', 'STOPPED'].includes(backfill.status!) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      backfill = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId }));
    }
    const copied = await statuses('regional/outage', digest, (s) => s[0]?.status === 'COMPLETE');

    expect(during).toEqual([{ ...SAME_ACCOUNT, status: 'IN_PROGRESS' }]);
    expect(failed).toEqual([{ ...SAME_ACCOUNT, status: 'FAILED', failureCode: 'DESTINATION_UNREACHABLE' }]);
    expect(backfill.status).toBe('COMPLETE');
    expect(copied).toEqual([{ ...SAME_ACCOUNT, status: 'COMPLETE' }]);
    const got = await same.ecr.send(new BatchGetImageCommand({ repositoryName: 'regional/outage', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.images?.[0]?.imageManifest).toBe(text);
  }, 60_000);
});

describe('the replication marker at a destination', () => {
  it('lets the peer key write under ecr:ReplicateImage only when the marker is signed: without it, or unsigned, the write is refused', async () => {
    await createRepo(other.ecr, 'team-a/marker');
    const peer = { ...OTHER_ACCOUNT, endpoint: other.registry.endpoint, ...PEER_KEY };
    const plain = new Client({ endpoint: peer.endpoint, region: peer.region, credentials: PEER_KEY, maxAttempts: 1 });
    const forged = new Client({ endpoint: peer.endpoint, region: peer.region, credentials: PEER_KEY, maxAttempts: 1 });
    // Added after the signature (the deserialize step runs after finalizeRequest): the marker is sent but not signed.
    forged.middlewareStack.add(
      (next) => async (args: any) => {
        args.request.headers[REPLICATION_HEADER] = `${SOURCE.region}/${SOURCE.registryId}`;
        return next(args);
      },
      { step: 'deserialize', priority: 'high' },
    );

    const marked = await new DestinationClient(peer, `${SOURCE.region}/${SOURCE.registryId}`).call('InitiateLayerUpload', { repositoryName: 'team-a/marker' });

    expect(typeof marked.uploadId).toBe('string');
    expect(await errorName(plain.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/marker' })))).toBe('AccessDeniedException');
    expect(await errorName(forged.send(new InitiateLayerUploadCommand({ repositoryName: 'team-a/marker' })))).toBe('AccessDeniedException');
    plain.destroy();
    forged.destroy();
  });
});

describe('replication backfill', () => {
  const rules = [
    { destinations: [OTHER_ACCOUNT], repositoryFilters: [{ filter: 'team-a', filterType: 'PREFIX_MATCH' as const }] },
    { destinations: [SAME_ACCOUNT], repositoryFilters: [{ filter: 'regional', filterType: 'PREFIX_MATCH' as const }] },
  ];

  it('copies the 200 images pushed before their rule, COMPLETE with every result listed page by page', async () => {
    await createRepo(source.ecr, 'regional-old/app');
    const layer = randomLayer(1024);
    const layerDigest = await pushLayer(source.ecr, 'regional-old/app', layer);
    const digests: string[] = [];
    for (let i = 0; i < 200; i++) {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: i }));
      const configDigest = await pushLayer(source.ecr, 'regional-old/app', config);
      const text = imageManifest({
        config: { bytes: config, size: config.length, digest: configDigest },
        layers: [{ bytes: layer, size: layer.length, digest: layerDigest }],
      });
      digests.push(await putManifest(source.ecr, 'regional-old/app', text, `v${i}`));
    }
    await source.ecr.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [...rules, { destinations: [SAME_ACCOUNT], repositoryFilters: [{ filter: 'regional-old', filterType: 'PREFIX_MATCH' }] }],
        },
      }),
    );

    const started = await source.ecr.send(new StartReplicationBackfillCommand({ destination: SAME_ACCOUNT }));
    const id = started.replicationBackfillId!;
    let described = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id }));
    for (const deadline = Date.now() + 120_000; !['COMPLETE', 'FAILED', 'STOPPED'].includes(described.status!) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      described = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id }));
    }
    const results: { repositoryName?: string; imageId?: { imageDigest?: string }; status?: string }[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const page = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id, maxResults: 50, nextToken: token }));
      results.push(...(page.results ?? []));
      token = page.nextToken;
      pages++;
    } while (token);

    expect(started.status).toBe('PREPARING');
    expect(described.status).toBe('COMPLETE');
    expect(described.progress?.failedReplicationCount).toBe(0);
    expect(described.progress?.completedReplicationCount).toBe(described.progress?.totalReplicationCount);
    expect(results).toHaveLength(described.progress!.totalReplicationCount!);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(results.length / 50));
    const copied = results.filter((r) => r.repositoryName === 'regional-old/app');
    expect(copied.map((r) => r.imageId?.imageDigest).sort()).toEqual([...digests].sort());
    expect(results.every((r) => r.status === 'COMPLETE')).toBe(true);
    expect((await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id, resultStatusFilter: 'FAILED' }))).results).toEqual(
      [],
    );
    const atDestination = await same.ecr.send(new BatchGetImageCommand({ repositoryName: 'regional-old/app', imageIds: [{ imageTag: 'v199' }] }));
    expect(atDestination.images?.[0]?.imageId?.imageDigest).toBe(digests[199]);
    const listed = await source.ecr.send(new ListReplicationBackfillsCommand({}));
    expect(listed.backfills?.[0]).toMatchObject({ replicationBackfillId: id, destination: SAME_ACCOUNT, status: 'COMPLETE' });
  }, 180_000);

  it('stops a running backfill (STOPPING, then STOPPED), refuses a second one to the same region meanwhile, and a second stop', async () => {
    await source.ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } }));
    let release!: () => void;
    gate = new Promise((r) => {
      release = r;
    });
    const started = await source.ecr.send(new StartReplicationBackfillCommand({ destination: OTHER_ACCOUNT }));
    const id = started.replicationBackfillId!;

    const second = await errorName(source.ecr.send(new StartReplicationBackfillCommand({ destination: OTHER_ACCOUNT })));
    const stopped = await source.ecr.send(new StopReplicationBackfillCommand({ replicationBackfillId: id }));
    release();
    let described = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id }));
    for (const deadline = Date.now() + 30_000; described.status !== 'STOPPED' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      described = await source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id }));
    }

    expect(second).toBe('ReplicationBackfillInProgressException');
    expect(stopped.status).toBe('STOPPING');
    expect(described.status).toBe('STOPPED');
    expect(described.endedAt).toBeInstanceOf(Date);
    expect(await errorName(source.ecr.send(new StopReplicationBackfillCommand({ replicationBackfillId: id })))).toBe(
      'ReplicationBackfillInvalidStatusException',
    );
  }, 60_000);

  it('refuses a destination the configuration does not name, and an unknown backfill id', async () => {
    expect(await errorName(source.ecr.send(new StartReplicationBackfillCommand({ destination: { region: 'ap-south-1', registryId: '333333333333' } })))).toBe(
      'InvalidParameterException',
    );
    expect(
      await errorName(source.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: '00000000-0000-4000-8000-000000000000' }))),
    ).toBe('ReplicationBackfillNotFoundException');
  });
});

describe('REPLICATION_SYNC_DELETES=1', () => {
  /** The destination's answer for an image id, once `done` says it is what the test waits for. */
  async function atDestination(repositoryName: string, imageId: { imageDigest?: string; imageTag?: string }, done: (found: boolean) => boolean) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const out = await same.ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [imageId] }));
      const found = (out.images ?? []).length > 0;
      if (done(found) || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('deletes at the destination an image deleted here, and removes there a tag removed here (the other tag stays)', async () => {
    await createRepo(source.ecr, 'regional/sync');
    const gone = await pushImage(source.ecr, 'regional/sync', 'gone', 1);
    const kept = await pushImage(source.ecr, 'regional/sync', 'a', 1);
    await putManifest(source.ecr, 'regional/sync', kept.text, 'b');
    await statuses('regional/sync', gone.digest, settled);
    await statuses('regional/sync', kept.digest, settled);
    expect(await atDestination('regional/sync', { imageTag: 'b' }, (found) => found)).toBe(true);

    await source.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'regional/sync', imageIds: [{ imageDigest: gone.digest }, { imageTag: 'a' }] }));

    expect(await atDestination('regional/sync', { imageDigest: gone.digest }, (found) => !found)).toBe(false);
    expect(await atDestination('regional/sync', { imageTag: 'a' }, (found) => !found)).toBe(false);
    expect(await atDestination('regional/sync', { imageTag: 'b' }, (found) => found)).toBe(true);
  }, 60_000);
});
