import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, PutAccountSettingCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { PLAIN_HTTP, skopeo } from '../helpers/skopeo.ts';
import { OCI_INDEX, readBlob, sha256, writeImage, writeIndex, writeMultiArch } from '../helpers/oci-layout.ts';
import { imageManifest, pushBlobs } from '../helpers/images.ts';

const run = promisify(execFile);
let registry: TestRegistry;
let host: string;
let work: string;
let authfile: string;

const tls = PLAIN_HTTP;
/** The uploads whose objects the blob store holds (each completed upload is one). */
const storedObjects = () => readdirSync(join(registry.dataDir, 'blobs', 'objects', '_uploads')).sort();

beforeAll(async () => {
  registry = await startTestRegistry();
  host = new URL(registry.endpoint).host;
  work = mkdtempSync(join(tmpdir(), 'skopeo-'));
  authfile = join(work, 'auth.json');
  for (const name of ['team/app', 'team/multi', 'team/copy', 'team/ecr']) await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  // Copies within the registry mount their blobs only with BLOB_MOUNTING enabled.
  await registry.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
});
afterAll(async () => {
  await registry?.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('skopeo against the registry', () => {
  it('logs in with the password from aws ecr get-login-password', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const script = `/usr/bin/aws --endpoint-url ${registry.endpoint} ecr get-login-password | skopeo login -u AWS --password-stdin --tls-verify=false --authfile ${authfile} ${host}`;
    const out = await run('bash', ['-o', 'pipefail', '-c', script], { env });
    expect(out.stdout).toContain('Login Succeeded');
    expect(JSON.parse(readFileSync(authfile, 'utf8')).auths[host]).toBeDefined();
  });

  it('refuses a login with a forged password', async () => {
    const failed = await skopeo('login', '-u', 'AWS', '-p', 'not-a-token', '--tls-verify=false', '--authfile', join(work, 'bad.json'), host).catch((e) => e);
    expect(failed.code).not.toBe(0);
    expect(String(failed.stderr)).toMatch(/401|unauthorized|invalid username\/password/i);
  });

  it('pushes an image of several layers and pulls it back byte for byte', async () => {
    const src = join(work, 'src');
    const image = writeImage(src, [3 << 20, 9 << 20, 64 << 10, 100]);
    writeIndex(src, [{ tag: 'v1', manifest: image.manifest }]);
    await skopeo('copy', ...tls, '--authfile', authfile, '--preserve-digests', `oci:${src}:v1`, `docker://${host}/team/app:v1`);
    const [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }] }))).imageDetails!;
    expect(detail.imageDigest).toBe(image.digest);
    const dest = join(work, 'pulled');
    await skopeo('copy', ...tls, '--authfile', authfile, '--preserve-digests', `docker://${host}/team/app:v1`, `oci:${dest}:v1`);
    const pulledIndex = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8'));
    expect(pulledIndex.manifests[0].digest).toBe(image.digest);
    expect(readBlob(dest, image.digest).toString()).toBe(image.manifest);
    for (const layer of image.layers) expect(readBlob(dest, sha256(layer)).equals(layer)).toBe(true);
  });

  it('pushes a multi-architecture index with all its images and pulls it back', async () => {
    const src = join(work, 'multi');
    const images = [writeImage(src, [1 << 20], 'amd64'), writeImage(src, [1 << 20], 'arm64')];
    const index = writeMultiArch(src, images, ['amd64', 'arm64']);
    writeIndex(src, [{ tag: 'v1', manifest: index, mediaType: OCI_INDEX }]);
    await skopeo('copy', ...tls, '--authfile', authfile, '--all', '--preserve-digests', `oci:${src}:v1`, `docker://${host}/team/multi:v1`);
    const got = await registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'team/multi', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.images![0].imageManifest).toBe(index);
    expect(got.images![0].imageManifestMediaType).toBe(OCI_INDEX);
    const dest = join(work, 'multi-pulled');
    await skopeo('copy', ...tls, '--authfile', authfile, '--all', '--preserve-digests', `docker://${host}/team/multi:v1`, `oci:${dest}:v1`);
    for (const img of images) expect(readBlob(dest, img.digest).toString()).toBe(img.manifest);
  });

  it('copies an image to another repository of the registry, mounting its blobs rather than storing them again', async () => {
    const before = storedObjects();
    await skopeo('copy', ...tls, '--authfile', authfile, '--preserve-digests', `docker://${host}/team/app:v1`, `docker://${host}/team/copy:v2`);
    const [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'team/copy' }))).imageDetails!;
    expect(detail.imageTags).toEqual(['v2']);
    const [source] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }] }))).imageDetails!;
    expect(detail.imageDigest).toBe(source.imageDigest);
    expect(storedObjects()).toEqual(before);
  });

  it('pulls an image that was put through the ECR API', async () => {
    const blobs = await pushBlobs(registry.ecr, 'team/ecr', 2, 4096);
    const text = imageManifest(blobs);
    await registry.ecr.send(new PutImageCommand({ repositoryName: 'team/ecr', imageManifest: text, imageTag: 'api' }));
    const dest = join(work, 'from-ecr');
    await skopeo('copy', ...tls, '--authfile', authfile, '--preserve-digests', `docker://${host}/team/ecr:api`, `oci:${dest}:api`);
    expect(readBlob(dest, sha256(text)).toString()).toBe(text);
    expect(readBlob(dest, blobs.layers[1].digest).equals(blobs.layers[1].bytes)).toBe(true);
  });

  it('lists tags and deletes an image', async () => {
    const src = join(work, 'src');
    writeIndex(src, [{ tag: 'v2', manifest: writeImage(src, [1000]).manifest }]);
    await skopeo('copy', ...tls, '--authfile', authfile, `oci:${src}:v2`, `docker://${host}/team/app:v2`);
    const tags = JSON.parse((await skopeo('list-tags', '--tls-verify=false', '--authfile', authfile, `docker://${host}/team/app`)).stdout);
    expect(tags.Tags).toEqual(['v1', 'v2']);
    await skopeo('delete', '--tls-verify=false', '--authfile', authfile, `docker://${host}/team/app:v2`);
    const after = JSON.parse((await skopeo('list-tags', '--tls-verify=false', '--authfile', authfile, `docker://${host}/team/app`)).stdout);
    expect(after.Tags).toEqual(['v1']);
  });

  it('fails to push to a repository that does not exist, as ECR does', async () => {
    const src = join(work, 'absent');
    writeIndex(src, [{ tag: 'v1', manifest: writeImage(src, [1000]).manifest }]);
    const failed = await skopeo('copy', ...tls, '--authfile', authfile, `oci:${src}:v1`, `docker://${host}/team/absent:v1`).catch((e) => e);
    expect(failed.code).not.toBe(0);
    expect(String(failed.stderr)).toMatch(/NAME_UNKNOWN|name unknown|repository name not known/i);
  });
});
