/**
 * The bundles `npm run package` ships, run in this process: each zip is extracted, its .mjs imported with the
 * environment the template gives it (the secret read from an SSM endpoint at cold start), and invoked with
 * API Gateway v2 events built from a recorded one, after the generated CloudFront router, against the
 * embedded DynamoDB and S3. Requests are signed with SigV4 for the public host, as clients sign them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { deployedFunctions, FEED_PREFIX } from '../../infra/deploy/functions.ts';
import { startAwsServers, type AwsServers } from '../helpers/aws-servers.ts';
import { extractDir, runPackage, unzip } from '../helpers/deploy.ts';
import { apiGatewayEvent, loadRouter, signedEcrHeaders, viewerEvent, type Router } from '../helpers/edge.ts';
import { startSsmEndpoint, type SsmEndpoint } from '../helpers/ssm-endpoint.ts';
import { resourcesOf } from '../helpers/template.ts';
import { osvRecord, osvZip } from '../helpers/scan-fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const functions = deployedFunctions(ROOT);
const HOST = 'registry.example.com';
const KEY = { accessKeyId: 'AKIDEPLOYTEST', secretAccessKey: randomBytes(24).toString('base64') };
const PARAMETER = '/serverless-ecr/test/secret-access-key';
const AWS_CREDENTIALS = { accessKeyId: 'role-key', secretAccessKey: 'role-secret' };

type Handler = (event: any, context?: any) => Promise<any>;
const bundles: Record<string, Record<string, Handler>> = {};
let stack: AwsServers;
let ssm: SsmEndpoint;
let router: Router;
let dataDir: string;
let zips: string[];

/** The bundle `npm run package` built for a function; a missing one fails the test that needs it, loudly. */
function bundle(name: string): Record<string, Handler> {
  const loaded = bundles[name];
  if (!loaded) throw new Error(`npm run package built no bundle for ${name} (built: ${Object.keys(bundles).join(', ') || 'none'})`);
  return loaded;
}

/** Sends an ECR call the way it travels in AWS: signed by the client, through the router, into the group's bundle. */
async function ecr(operation: string, input: unknown, signing: { host?: string; viewerHost?: string; secret?: string } = {}) {
  const { headers, body } = await signedEcrHeaders(operation, input, {
    host: signing.host ?? HOST,
    accessKeyId: KEY.accessKeyId,
    secretAccessKey: signing.secret ?? KEY.secretAccessKey,
  });
  const viewer = router(viewerEvent('POST', '/', { ...headers, host: signing.viewerHost ?? signing.host ?? HOST }));
  const group = viewer.uri.split('/')[2];
  const result = await bundle(group).handler(apiGatewayEvent(viewer, body, `POST ${viewer.uri}`), { awsRequestId: 'test' });
  const text = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  return { status: result.statusCode as number, body: text ? JSON.parse(text) : {}, headers: result.headers ?? {} };
}

beforeAll(async () => {
  const pkg = await runPackage();
  zips = pkg.zips.map((z) => basename(z, '.zip')).sort();
  router = loadRouter(resourcesOf(pkg.template, 'AWS::CloudFront::Function')[0][1].Properties.FunctionCode);
  dataDir = mkdtempSync(join(tmpdir(), 'secr-bundles-'));
  stack = await startAwsServers({ dataDir, tableName: 'bundle-table', bucketName: 'bundle-bucket', region: 'us-east-1' });
  ssm = await startSsmEndpoint({ [PARAMETER]: KEY.secretAccessKey }, AWS_CREDENTIALS);
  // What the template sets, with the embedded endpoints in place of AWS's; no secret in the environment.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS_CREDENTIALS.secretAccessKey,
    TABLE_NAME: 'bundle-table',
    BUCKET_NAME: 'bundle-bucket',
    DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
    S3_ENDPOINT: stack.s3Endpoint,
    REGISTRY_ID: '123456789012',
    REGISTRY_ACCESS_KEY_ID: KEY.accessKeyId,
    REGISTRY_SECRET_PARAMETER: PARAMETER,
    SSM_ENDPOINT: ssm.endpoint,
    REGISTRY_PUBLIC_SCHEME: 'https',
    OCI_BLOB_DELIVERY: 'redirect',
    SCAN_FEED_S3_PREFIX: FEED_PREFIX,
  });
  delete process.env.REGISTRY_SECRET_ACCESS_KEY;
  for (const fn of functions) {
    const dir = extractDir();
    // A zip missing from the package makes unzip throw: beforeAll fails, and so does every test.
    await unzip(join(pkg.dir, `${fn.name}.zip`), dir);
    bundles[fn.name] = await import(pathToFileURL(join(dir, `${fn.entry}.mjs`)).href);
  }
}, 240_000);

afterAll(async () => {
  await ssm?.close();
  await stack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the packaged bundles', () => {
  it('export every entry point as an async (event, context) handler, the only kind nodejs24.x runs', async () => {
    for (const fn of functions) {
      const handler = bundles[fn.name][fn.export];
      expect(typeof handler, `${fn.name}.${fn.export}`).toBe('function');
      // Node 24's runtime refuses callback-style handlers: a third parameter would be the callback.
      expect(handler.length, `${fn.name}.${fn.export} takes no callback`).toBeLessThanOrEqual(2);
      expect(handler.constructor.name, `${fn.name}.${fn.export} is async`).toBe('AsyncFunction');
    }
  });

  it('run on the Node.js major the test run asks for (npm test runs them again on Node 24, the Lambda runtime)', () => {
    const expected = process.env.SECR_EXPECT_NODE_MAJOR;
    if (expected) expect(process.versions.node.split('.')[0]).toBe(expected);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
  });

  it('are one zip per deployed function, one for each function folder and entry, each exporting its handler', () => {
    expect(zips).toEqual(functions.map((f) => f.name).sort());
    expect(new Set(functions.map((f) => f.folder))).toEqual(
      new Set(readdirSync(join(ROOT, 'functions')).filter((d) => existsSync(join(ROOT, 'functions', d, 'handler.ts')))),
    );
    for (const name of ['repositories', 'images', 'layers', 'auth', 'oci-pull', 'oci-push', 'lifecycle-jobs']) expect(zips, name).toContain(name);
    for (const fn of functions) expect(typeof bundle(fn.name)[fn.export], `${fn.name} exports ${fn.export}`).toBe('function');
  });

  it('each read the secret access key from SSM Parameter Store once, at cold start, with decryption', () => {
    expect(ssm.calls).toHaveLength(functions.length);
    for (const call of ssm.calls) expect(call).toEqual({ target: 'AmazonSSM.GetParameter', input: { Name: PARAMETER, WithDecryption: true } });
  });

  it('create a repository through the router, verifying the signature over the Host the client signed', async () => {
    const out = await ecr('CreateRepository', { repositoryName: 'deploy/app' });
    expect(out.status).toBe(200);
    expect(out.body.repository.repositoryUri).toBe(`${HOST}/deploy/app`);
    expect(out.body.repository.repositoryArn).toBe('arn:aws:ecr:us-east-1:123456789012:repository/deploy/app');
  });

  it('refuse a call signed for another host or with another secret, as ECR does', async () => {
    expect((await ecr('DescribeRepositories', {}, { host: 'other.example.com', viewerHost: HOST })).body.__type).toBe('InvalidSignatureException');
    expect((await ecr('DescribeRepositories', {}, { secret: 'wrong' })).body.__type).toBe('InvalidSignatureException');
    expect((await ecr('DescribeRepositories', {})).status).toBe(200);
  });

  it('push a layer in parts and an image that BatchGetImage then returns, through the layers and images bundles', async () => {
    const layer = randomBytes(300 * 1024);
    const digest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
    const { body: started } = await ecr('InitiateLayerUpload', { repositoryName: 'deploy/app' });
    for (let first = 0; first < layer.length; first += 100 * 1024) {
      const part = layer.subarray(first, first + 100 * 1024);
      const out = await ecr('UploadLayerPart', {
        repositoryName: 'deploy/app',
        uploadId: started.uploadId,
        partFirstByte: first,
        partLastByte: first + part.length - 1,
        layerPartBlob: part.toString('base64'),
      });
      expect(out.status).toBe(200);
    }
    expect((await ecr('CompleteLayerUpload', { repositoryName: 'deploy/app', uploadId: started.uploadId, layerDigests: [digest] })).body.layerDigest).toBe(
      digest,
    );
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: layer.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: layer.length }],
    });
    expect((await ecr('PutImage', { repositoryName: 'deploy/app', imageManifest: manifest, imageTag: 'v1' })).status).toBe(200);
    const got = await ecr('BatchGetImage', { repositoryName: 'deploy/app', imageIds: [{ imageTag: 'v1' }] });
    expect(got.body.images[0].imageManifest).toBe(manifest);
    const url = await ecr('GetDownloadUrlForLayer', { repositoryName: 'deploy/app', layerDigest: digest });
    const downloaded = Buffer.from(await (await fetch(url.body.downloadUrl)).arrayBuffer());
    expect(downloaded.equals(layer)).toBe(true);
  });

  it('issue an authorization token for the public host, which the OCI pull bundle accepts', async () => {
    const { body } = await ecr('GetAuthorizationToken', {});
    expect(body.authorizationData[0].proxyEndpoint).toBe(`https://${HOST}`);
    const viewer = router(
      viewerEvent('GET', '/v2/deploy/app/manifests/v1', {
        host: HOST,
        authorization: `Basic ${body.authorizationData[0].authorizationToken}`,
        accept: 'application/vnd.oci.image.manifest.v1+json',
      }),
    );
    const pulled = await bundle('oci-pull').handler(apiGatewayEvent(viewer, '', 'GET /v2/{proxy+}'));
    expect(pulled.statusCode).toBe(200);
    expect(pulled.headers['docker-content-digest']).toMatch(/^sha256:/);
    const anonymous = await bundle('oci-push').handler(
      apiGatewayEvent(router(viewerEvent('POST', '/v2/deploy/app/blobs/uploads/', { host: HOST })), '', 'POST /v2/{proxy+}'),
    );
    expect(anonymous.statusCode).toBe(401);
  });

  it('answer every operation whose group has no Lambda with UnknownOperationException after checking the signature', async () => {
    const out = await ecr('NoSuchOperation', {});
    expect(out.body.__type).toBe('UnknownOperationException');
  });

  it('run the Step Functions tasks, push rules and schedules of the job handlers', async () => {
    const tasks = functions.filter((f) => f.kind === 'task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const fn of tasks.filter((f) => f.export === 'handler')) {
      await expect(bundle(fn.name).handler({ task: 'NoSuchTask' })).rejects.toThrow(/Unknown task/);
    }
    // A preview that has been replaced meanwhile: the task reads the table and says so.
    expect(await bundle('lifecycle-jobs').handler({ task: 'EvaluatePreview', preview: { repositoryUid: 'gone', runId: 'r1' } })).toEqual({
      status: 'REPLACED',
    });
    const schedule = {
      version: '0',
      id: 'e1',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
    const push = {
      ...schedule,
      'detail-type': 'ECR Image Action',
      source: 'serverless-ecr',
      detail: { result: 'SUCCESS', 'repository-name': 'deploy/app', 'image-digest': 'sha256:' + '0'.repeat(64), 'action-type': 'PUSH', 'image-tag': 'v1' },
    };
    // An OSV export uploaded to the feed location, as `aws s3 cp` would, for the feed import schedule.
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: stack.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const body = osvZip([osvRecord('DEBIAN-CVE-2024-9001', 'Debian:12', 'openssl', [{ introduced: '0' }])]);
    await s3.send(new PutObjectCommand({ Bucket: 'bundle-bucket', Key: `${FEED_PREFIX}Debian/all.zip`, Body: body }));
    for (const fn of tasks.filter((f) => f.export !== 'handler')) {
      const event = fn.events.some((e) => 'schedule' in e) ? schedule : push;
      if (fn.name === 'gc-jobs-tick') {
        // The first tick finds the sweep due (read and claimed in the table) and starts the machine, which this environment lacks.
        await expect(bundle(fn.name)[fn.export](event)).rejects.toThrow(/STATE_MACHINE_ARN_PREFIX/);
        continue;
      }
      const result = await bundle(fn.name)[fn.export](event);
      expect(result, fn.name).toBeTypeOf('object');
      if (fn.export === 'onFeedSchedule') expect(result, fn.name).toMatchObject({ imported: true, advisories: 1 });
    }
  });
});
