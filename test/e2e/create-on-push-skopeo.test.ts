/**
 * CREATE_ON_PUSH with skopeo: a push to a repository that does not exist creates it from the matching template and
 * the image pulls back byte for byte; without a CREATE_ON_PUSH template the push fails with NAME_UNKNOWN, as in ECR.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { loginPassword } from '../helpers/oci.ts';
import { readBlob, sha256, writeImage, writeIndex } from '../helpers/oci-layout.ts';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { PLAIN_HTTP, skopeo } from '../helpers/skopeo.ts';

let registry: TestRegistry;
let host: string;
let work: string;
let authfile: string;

const tls = PLAIN_HTTP;
const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
});

beforeAll(async () => {
  registry = await startTestRegistry(undefined, { LOG_LEVEL: 'silent' });
  host = new URL(registry.endpoint).host;
  work = mkdtempSync(join(tmpdir(), 'skopeo-cop-'));
  authfile = join(work, 'auth.json');
  writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`AWS:${await loginPassword(registry)}`).toString('base64') } } }));
  await registry.ecr.send(
    new CreateRepositoryCreationTemplateCommand({
      prefix: 'pushed',
      appliedFor: ['CREATE_ON_PUSH'],
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'created', Value: 'on-push' }],
      lifecyclePolicy: LIFECYCLE,
    }),
  );
  await registry.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'mirrors', appliedFor: ['REPLICATION'] }));
});

afterAll(async () => {
  await registry?.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('skopeo pushing to a repository that does not exist', () => {
  it('creates it from the CREATE_ON_PUSH template, and the image pulls back byte for byte', async () => {
    // Prepare
    const src = join(work, 'src');
    const image = writeImage(src, [2 << 20, 4096]);
    writeIndex(src, [{ tag: 'v1', manifest: image.manifest }]);
    // Act
    await skopeo('copy', ...tls, '--authfile', authfile, '--preserve-digests', `oci:${src}:v1`, `docker://${host}/pushed/team/app:v1`);
    // Assess
    const [repo] = (await registry.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['pushed/team/app'] }))).repositories!;
    expect(repo.imageTagMutability).toBe('IMMUTABLE');
    expect((await registry.ecr.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn! }))).tags).toEqual([
      { Key: 'created', Value: 'on-push' },
    ]);
    expect((await registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'pushed/team/app' }))).lifecyclePolicyText).toBe(LIFECYCLE);
    const [detail] = (await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'pushed/team/app', imageIds: [{ imageTag: 'v1' }] }))).imageDetails!;
    expect(detail.imageDigest).toBe(image.digest);
    const dest = join(work, 'pulled');
    await skopeo('copy', ...tls, '--authfile', authfile, '--preserve-digests', `docker://${host}/pushed/team/app:v1`, `oci:${dest}:v1`);
    for (const layer of image.layers) expect(readBlob(dest, sha256(layer)).equals(layer)).toBe(true);
  });

  it('fails with NAME_UNKNOWN when no CREATE_ON_PUSH template matches, creating nothing', async () => {
    const src = join(work, 'mirror');
    writeIndex(src, [{ tag: 'v1', manifest: writeImage(src, [1000]).manifest }]);

    const failed = await skopeo('copy', ...tls, '--authfile', authfile, `oci:${src}:v1`, `docker://${host}/mirrors/app:v1`).catch((e) => e);

    expect(failed.code).not.toBe(0);
    expect(String(failed.stderr)).toMatch(/NAME_UNKNOWN|name unknown|repository name not known/i);
    const described = await registry.ecr.send(new DescribeRepositoriesCommand({})).then((o) => o.repositories!.map((r) => r.repositoryName));
    expect(described).toEqual(['pushed/team/app']);
  });
});
