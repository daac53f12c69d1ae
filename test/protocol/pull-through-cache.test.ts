/**
 * The pull through cache pulling for real, with skopeo and the ECR SDK, from upstreams started on loopback: CNCF
 * distribution with htpasswd (HTTP Basic), a bearer-token front (the token spec's challenge) over an anonymous
 * distribution, and a second instance of this registry (Basic with a GetAuthorizationToken password). A 3-layer
 * image and a multi-arch index, by tag and by digest; the second pull served with upstream stopped; a tag moved
 * upstream and refreshed after the interval (the registry's clock moved); concurrent first pulls fetching once;
 * bad credentials; the PULL_THROUGH_CACHE template's settings applied.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetImageCommand,
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  ListImageReferrersCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.ts';
import { ociClient, ociCode } from '../helpers/oci.ts';
import { imageManifest, pushBlobs } from '../helpers/images.ts';
import { OCI_INDEX, writeImage, writeIndex, writeMultiArch, type LayoutImage } from '../helpers/oci-layout.ts';
import { ecrClient, startTestRegistry, wireError, type TestRegistry } from '../helpers/registry.ts';
import { PLAIN_HTTP, skopeo } from '../helpers/skopeo.ts';
import { startBearerFront, startDistribution, type BearerFront, type Distribution } from '../helpers/upstreams.ts';

const ACCOUNT = '123456789012';
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:ecr-pullthroughcache/${name}`;
const USER = { username: 'puller', password: 'right-password' };

const key = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: `${accessKeyId.toLowerCase()}-secret` });
const READER = key('AKIAREADER000000001');
const IMPORTER = key('AKIAIMPORTER0000001');
const principals = {
  principals: [
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/reader`,
      accessKeys: [READER],
      policies: [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:CreateRepository'], Resource: '*' }] },
      ],
    },
    {
      arn: `arn:aws:iam::${ACCOUNT}:user/importer`,
      accessKeys: [IMPORTER],
      policies: [
        'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:CreateRepository', 'ecr:DescribeImages'], Resource: '*' }] },
      ],
    },
  ],
};
let dir: string;
let cache: TestRegistry;
let peer: TestRegistry;
let basic: Distribution;
let anonymous: Distribution;
let bearer: BearerFront;
let ecr: ECRClient;
let cacheHost: string;
let cacheCreds: string;
const clock = new TestClock();
let app: LayoutImage;
let multi: { index: string; images: LayoutImage[] };

const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const password = async (client: ECRClient) => {
  const token = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!;
  return Buffer.from(token, 'base64').toString('utf8');
};
const batchGet = (client: ECRClient, repositoryName: string, imageIds: { imageTag?: string; imageDigest?: string }[]) =>
  client.send(new BatchGetImageCommand({ repositoryName, imageIds }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secr-ptc-'));
  const layout = join(dir, 'layout');
  app = writeImage(layout, [3000, 4000, 5000]);
  const arm = writeImage(layout, [2000], 'arm64');
  const amd = writeImage(layout, [2500], 'amd64');
  multi = { index: writeMultiArch(layout, [amd, arm], ['amd64', 'arm64']), images: [amd, arm] };
  writeIndex(layout, [
    { tag: 'team/app:v1', manifest: app.manifest },
    { tag: 'team/multi:v1', manifest: multi.index, mediaType: OCI_INDEX },
  ]);

  basic = await startDistribution(join(dir, 'basic'), USER);
  anonymous = await startDistribution(join(dir, 'anonymous'));
  bearer = await startBearerFront(anonymous.url, USER);
  for (const target of [basic, anonymous]) {
    await skopeo(
      'copy',
      ...PLAIN_HTTP,
      '--preserve-digests',
      '--dest-creds',
      `${USER.username}:${USER.password}`,
      `oci:${layout}:team/app:v1`,
      `docker://${target.host}/team/app:v1`,
    );
    await skopeo(
      'copy',
      ...PLAIN_HTTP,
      '--all',
      '--preserve-digests',
      '--dest-creds',
      `${USER.username}:${USER.password}`,
      `oci:${layout}:team/multi:v1`,
      `docker://${target.host}/team/multi:v1`,
    );
  }
  peer = await startTestRegistry(undefined, { LOG_LEVEL: 'silent' });

  const secretsFile = join(dir, 'secrets.json');
  writeFileSync(
    secretsFile,
    JSON.stringify({
      secrets: {
        [secretArn('basic')]: { username: USER.username, accessToken: USER.password },
        [secretArn('bearer')]: { username: USER.username, accessToken: USER.password },
        [secretArn('wrong')]: { username: USER.username, accessToken: 'wrong' },
        [secretArn('peer')]: { username: 'AWS', accessToken: (await password(peer.ecr)).slice(4) },
      },
    }),
  );
  const principalsFile = join(dir, 'principals.json');
  writeFileSync(principalsFile, JSON.stringify(principals));
  cache = await startTestRegistry(
    undefined,
    { REGISTRY_ID: ACCOUNT, REGISTRY_SECRETS_FILE: secretsFile, REGISTRY_IAM_FILE: principalsFile, LOG_LEVEL: 'silent' },
    { now: clock.now },
  );
  ecr = cache.ecr;
  cacheHost = new URL(cache.endpoint).host;
  cacheCreds = await password(ecr);
  const rule = (ecrRepositoryPrefix: string, upstreamRegistryUrl: string, credential?: string) =>
    ecr.send(
      new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix, upstreamRegistryUrl, ...(credential ? { credentialArn: secretArn(credential) } : {}) }),
    );
  await rule('basic', basic.url, 'basic');
  await rule('bearer', bearer.url, 'bearer');
  await rule('wrong', basic.url, 'wrong');
  await rule('peer', peer.endpoint, 'peer');
  await rule('anon', anonymous.url);
}, 120_000);

afterAll(async () => {
  await cache?.destroy();
  await peer?.destroy();
  await bearer?.close();
  await basic?.stop();
  await anonymous?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('pulling through the cache with skopeo', () => {
  it('pulls a 3-layer image by tag from a Basic-auth distribution, then again with the upstream stopped, by tag and by digest', async () => {
    const out = join(dir, 'pulled-app');

    await skopeo('copy', ...PLAIN_HTTP, '--src-creds', cacheCreds, `docker://${cacheHost}/basic/team/app:v1`, `oci:${out}:v1`);
    await basic.stop();
    try {
      await skopeo('copy', ...PLAIN_HTTP, '--src-creds', cacheCreds, `docker://${cacheHost}/basic/team/app:v1`, `oci:${out}:again`);
      await skopeo('copy', ...PLAIN_HTTP, '--src-creds', cacheCreds, `docker://${cacheHost}/basic/team/app@${app.digest}`, `oci:${out}:bydigest`);
    } finally {
      await basic.start();
    }

    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([app.digest, app.digest, app.digest]);
    const repo = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['basic/team/app'] }))).repositories![0];
    expect(repo.repositoryName).toBe('basic/team/app');
  });

  it('pulls a multi-arch index with all its children through a bearer-token upstream', async () => {
    const out = join(dir, 'pulled-multi');

    await skopeo('copy', ...PLAIN_HTTP, '--all', '--src-creds', cacheCreds, `docker://${cacheHost}/bearer/team/multi:v1`, `oci:${out}:v1`);

    const pulled = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(pulled.manifests[0].digest).toBe(digestOf(multi.index));
    const children = await batchGet(
      ecr,
      'bearer/team/multi',
      multi.images.map((i) => ({ imageDigest: i.digest })),
    );
    expect(children.images!.map((i) => i.imageManifest)).toEqual(multi.images.map((i) => i.manifest));
    expect(bearer.tokenRequests.length).toBeGreaterThan(0);
  });
});

describe('pulling through the cache with the OCI API', () => {
  it('creates nothing for an image upstream lacks (NAME_UNKNOWN, then MANIFEST_UNKNOWN once cached), UNAVAILABLE (503) while upstream is down', async () => {
    const oci = await ociClient(cache);

    const unknownRepo = await oci.fetch('/v2/anon/team/app/manifests/absent');
    const created = await wireError(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['anon/team/app'] })));
    await anonymous.stop();
    const down = await oci.fetch('/v2/anon/team/app/manifests/v1').finally(() => anonymous.start());
    const pulled = await oci.fetch('/v2/anon/team/multi/manifests/v1', { headers: { accept: OCI_INDEX } });
    const unknownTag = await oci.fetch('/v2/anon/team/multi/manifests/absent');

    expect([unknownRepo.status, await ociCode(unknownRepo)]).toEqual([404, 'NAME_UNKNOWN']);
    expect(created).toMatch(/^RepositoryNotFoundException: /);
    expect([down.status, await ociCode(down)]).toEqual([503, 'UNAVAILABLE']);
    expect(pulled.status).toBe(200);
    expect([unknownTag.status, await ociCode(unknownTag)]).toEqual([404, 'MANIFEST_UNKNOWN']);
  });
});

describe('pulling through the cache with the SDK', () => {
  it('imports on BatchGetImage by tag from a second instance of this registry (Basic auth)', async () => {
    await peer.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/svc' }));
    const blobs = await pushBlobs(peer.ecr, 'team/svc', 3);
    const manifest = imageManifest(blobs);
    await peer.ecr.send(new PutImageCommand({ repositoryName: 'team/svc', imageManifest: manifest, imageTag: 'v1' }));

    const got = await batchGet(ecr, 'peer/team/svc', [{ imageTag: 'v1' }]);

    expect(got.failures).toEqual([]);
    expect(got.images![0].imageManifest).toBe(manifest);
    expect(got.images![0].imageId).toEqual({ imageTag: 'v1', imageDigest: digestOf(manifest) });
  });

  it("lists the upstream's referrers of a cached image, and UnableToListUpstreamImageReferrersException when upstream cannot", async () => {
    const blobs = await pushBlobs(peer.ecr, 'team/svc', 1);
    const subjectText = imageManifest(blobs);
    await peer.ecr.send(new PutImageCommand({ repositoryName: 'team/svc', imageManifest: subjectText, imageTag: 'signed' }));
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(subjectText), size: Buffer.byteLength(subjectText) };
    const sbom = imageManifest(blobs, undefined, { artifactType: 'application/vnd.example.sbom', subject });
    await peer.ecr.send(new PutImageCommand({ repositoryName: 'team/svc', imageManifest: sbom }));
    await batchGet(ecr, 'peer/team/svc', [{ imageTag: 'signed' }]);

    const listed = await ecr.send(new ListImageReferrersCommand({ repositoryName: 'peer/team/svc', subjectId: { imageDigest: subject.digest } }));
    await basic.stop();
    const unreachable = await wireError(
      ecr.send(new ListImageReferrersCommand({ repositoryName: 'basic/team/app', subjectId: { imageDigest: app.digest } })),
    ).finally(() => basic.start());

    expect(listed.referrers).toMatchObject([{ digest: digestOf(sbom), artifactType: 'application/vnd.example.sbom', artifactStatus: 'ACTIVE' }]);
    expect(unreachable).toMatch(/^UnableToListUpstreamImageReferrersException: /);
  });

  it('fetches an uncached image from upstream once when many pull it at the same time', async () => {
    const layout = join(dir, 'layout-fresh');
    const fresh = writeImage(layout, [3000, 3000, 3000]);
    writeIndex(layout, [{ tag: 'v1', manifest: fresh.manifest }]);
    await skopeo('copy', ...PLAIN_HTTP, '--preserve-digests', `oci:${layout}:v1`, `docker://${anonymous.host}/team/fresh:v1`);
    const before = bearer.requests.length;

    const results = await Promise.all(Array.from({ length: 6 }, () => batchGet(ecr, 'bearer/team/fresh', [{ imageTag: 'v1' }])));

    for (const r of results) expect(r.images![0].imageId!.imageDigest).toBe(fresh.digest);
    const fetched = bearer.requests.slice(before);
    expect(fetched.filter((r) => r === 'HEAD /v2/team/fresh/manifests/v1')).toHaveLength(1);
    expect(fetched.filter((r) => r === 'GET /v2/team/fresh/manifests/v1')).toHaveLength(1);
    expect(fetched.filter((r) => r.startsWith('GET /v2/team/fresh/blobs/'))).toHaveLength(4);
  });

  it('checks a cached tag against upstream only after the refresh interval, and moves it when upstream moved it', async () => {
    await batchGet(ecr, 'anon/team/app', [{ imageTag: 'v1' }]);
    const layout = join(dir, 'layout2');
    const moved = writeImage(layout, [1000]);
    writeIndex(layout, [{ tag: 'v1', manifest: moved.manifest }]);
    await skopeo('copy', ...PLAIN_HTTP, '--preserve-digests', `oci:${layout}:v1`, `docker://${anonymous.host}/team/app:v1`);

    const soon = await batchGet(ecr, 'anon/team/app', [{ imageTag: 'v1' }]);
    const later = await clock.at(cache.endpoint, 2, (late) => batchGet(late, 'anon/team/app', [{ imageTag: 'v1' }]));
    await anonymous.stop();
    const offline = await clock.at(cache.endpoint, 4, (late) => batchGet(late, 'anon/team/app', [{ imageTag: 'v1' }])).finally(() => anonymous.start());
    const third = writeImage(layout, [1000]);
    writeIndex(layout, [{ tag: 'v1', manifest: third.manifest }]);
    await skopeo('copy', ...PLAIN_HTTP, '--preserve-digests', `oci:${layout}:v1`, `docker://${anonymous.host}/team/app:v1`);
    // After a failed check upstream is asked again five minutes later, not at every pull.
    const retriedTooSoon = await clock.at(cache.endpoint, 4, (late) => batchGet(late, 'anon/team/app', [{ imageTag: 'v1' }]));
    const retried = await clock.at(cache.endpoint, 4.01, (late) => batchGet(late, 'anon/team/app', [{ imageTag: 'v1' }]));

    expect(soon.images![0].imageId!.imageDigest).toBe(app.digest);
    expect(later.images![0].imageId!.imageDigest).toBe(moved.digest);
    expect(offline.images![0].imageId!.imageDigest).toBe(moved.digest);
    expect(retriedTooSoon.images![0].imageId!.imageDigest).toBe(moved.digest);
    expect(retried.images![0].imageId!.imageDigest).toBe(third.digest);
  });

  it('reports an image upstream does not have as ImageNotFound, one it cannot reach as UpstreamUnavailable, and a refused credential as UnableToGetUpstreamImageException', async () => {
    const missing = await batchGet(ecr, 'basic/team/app', [{ imageTag: 'nope' }]);
    const refused = await wireError(batchGet(ecr, 'wrong/team/app', [{ imageTag: 'v1' }]));
    await basic.stop();
    const down = await batchGet(ecr, 'basic/team/app', [{ imageTag: 'v1' }, { imageTag: 'v9' }]).finally(() => basic.start());

    expect(missing.failures).toMatchObject([{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound' }]);
    expect(down.images!.map((i) => i.imageId)).toEqual([{ imageTag: 'v1', imageDigest: app.digest }]);
    expect(down.failures).toMatchObject([{ imageId: { imageTag: 'v9' }, failureCode: 'UpstreamUnavailable' }]);
    expect(refused).toMatch(/^UnableToGetUpstreamImageException: .*refused the credential/);
  });

  it('needs ecr:BatchImportUpstreamImage and ecr:CreateRepository besides the pull, as ECR does', async () => {
    const reader = ecrClient(cache.endpoint, READER);
    const importer = ecrClient(cache.endpoint, IMPORTER);
    try {
      const refused = await wireError(batchGet(reader, 'anon/team/fresh', [{ imageTag: 'v1' }]));
      const described = await importer.send(new DescribeImagesCommand({ repositoryName: 'anon/team/fresh', imageIds: [{ imageTag: 'v1' }] }));
      const viaBearer = await batchGet(ecr, 'bearer/team/fresh', [{ imageTag: 'v1' }]);

      expect(refused).toMatch(/^AccessDeniedException: .*ecr:BatchImportUpstreamImage/);
      expect(described.imageDetails![0].imageDigest).toBe(viaBearer.images![0].imageId!.imageDigest);
    } finally {
      reader.destroy();
      importer.destroy();
    }
  });

  it("creates the cached repository with the PULL_THROUGH_CACHE template's settings", async () => {
    await ecr.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'basic/team',
        appliedFor: ['PULL_THROUGH_CACHE'],
        imageTagMutability: 'IMMUTABLE',
        resourceTags: [{ Key: 'cache', Value: 'basic' }],
      }),
    );

    await batchGet(ecr, 'basic/team/multi', [{ imageTag: 'v1' }]);

    const repo = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['basic/team/multi'] }))).repositories![0];
    expect(repo.imageTagMutability).toBe('IMMUTABLE');
    const tags = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }));
    expect(tags.tags).toEqual([{ Key: 'cache', Value: 'basic' }]);
  });
});
