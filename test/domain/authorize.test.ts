/** The one decision point: every domain entry point asks `authorize` for its IAM action and resource before acting. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/domain/actor.ts';
import type { Authorizer } from '../../shared/domain/authorize.ts';
import { AccessDeniedException } from '../../shared/errors.ts';
import { bindTasks } from '../../shared/jobs/starter.ts';
import { dispatchOci } from '../../shared/oci/dispatch.ts';
import { getAuthorizationToken } from '../../shared/registry/auth.ts';
import { describeImages, listImages } from '../../shared/registry/image-listing.ts';
import { batchDeleteImage, batchGetImage } from '../../shared/registry/images.ts';
import { getDownloadUrlForLayer } from '../../shared/registry/layers.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { describeRepositories } from '../../shared/registry/repositories.ts';
import { getRegistryScanningConfiguration } from '../../shared/scan/configuration.ts';
import { putAccountSetting } from '../../shared/registry/account-settings.ts';
import { mountBlob } from '../../shared/registry/blob-uploads.ts';
import { deleteRegistryPolicy, describeRegistry, getRegistryPolicy, putRegistryPolicy } from '../../shared/registry/registry-policy.ts';
import {
  deregisterPullTimeUpdateExclusion,
  listPullTimeUpdateExclusions,
  registerPullTimeUpdateExclusion,
} from '../../shared/registry/pull-time-exclusions.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

/** An authorizer that records every question and refuses the actions in `deny`. */
function recording(deny: string[] = []) {
  const asked: [string, string][] = [];
  const authorizer: Authorizer = {
    async authorize(actor: Actor, action: string, resource: string) {
      asked.push([action, resource]);
      if (deny.includes(action)) throw new AccessDeniedException(`User: ${actor.arn} is not authorized to perform: ${action} on resource: ${resource}`);
    },
  };
  return { asked, authorizer };
}

describe('authorization in the domain', () => {
  it('asks for each operation its action on the repository ARN, or on * for the registry-wide ones', async () => {
    // Prepare
    const registry = memoryRegistry();
    await registry.repository('team/app');
    const blobs = await registry.blobs('team/app');
    const { deps, actor } = registry;
    const { asked, authorizer } = recording();
    deps.authorizer = authorizer;
    const arn = `arn:aws:ecr:${deps.config.region}:${deps.config.registryId}:repository/team/app`;

    // Act
    await putImage(deps, actor, { repositoryName: 'team/app', imageManifest: imageManifest(blobs), imageTag: 'v1' });
    await batchGetImage(deps, actor, { repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }] });
    await listImages(deps, actor, { repositoryName: 'team/app' });
    await describeImages(deps, actor, { repositoryName: 'team/app' });
    await getDownloadUrlForLayer(deps, actor, { repositoryName: 'team/app', layerDigest: blobs.layers[0].digest });
    await batchDeleteImage(deps, actor, { repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }] });
    await describeRepositories(deps, actor, {});
    await describeRepositories(deps, actor, { repositoryNames: ['team/app'] });
    await getAuthorizationToken(deps, actor, {});
    await getRegistryScanningConfiguration(deps, actor, {});
    await putAccountSetting(deps, actor, { name: 'BASIC_SCAN_TYPE_VERSION', value: 'AWS_NATIVE' });
    await describeRegistry(deps, actor, {});
    await putRegistryPolicy(deps, actor, { policyText: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] }) });
    await getRegistryPolicy(deps, actor, {});
    await deleteRegistryPolicy(deps, actor, {});
    const principalArn = 'arn:aws:iam::123456789012:user/ci';
    await registerPullTimeUpdateExclusion(deps, actor, { principalArn });
    await listPullTimeUpdateExclusions(deps, actor, {});
    await deregisterPullTimeUpdateExclusion(deps, actor, { principalArn });

    // Assess
    expect(asked).toEqual([
      ['ecr:PutImage', arn],
      ['ecr:BatchGetImage', arn],
      ['ecr:ListImages', arn],
      ['ecr:DescribeImages', arn],
      ['ecr:GetDownloadUrlForLayer', arn],
      ['ecr:BatchDeleteImage', arn],
      ['ecr:DescribeRepositories', '*'],
      ['ecr:DescribeRepositories', arn],
      ['ecr:GetAuthorizationToken', '*'],
      ['ecr:GetRegistryScanningConfiguration', '*'],
      ['ecr:PutAccountSetting', '*'],
      ['ecr:DescribeRegistry', '*'],
      ['ecr:PutRegistryPolicy', '*'],
      ['ecr:GetRegistryPolicy', '*'],
      ['ecr:DeleteRegistryPolicy', '*'],
      ['ecr:RegisterPullTimeUpdateExclusion', '*'],
      ['ecr:ListPullTimeUpdateExclusions', '*'],
      ['ecr:DeregisterPullTimeUpdateExclusion', '*'],
    ]);
  });

  it('asks a mount for ecr:GetDownloadUrlForLayer on the source only while BLOB_MOUNTING is ENABLED, and mounts only when allowed', async () => {
    // Prepare
    const registry = memoryRegistry();
    await registry.repository('team/src');
    await registry.repository('team/dest');
    const { digest } = await registry.layer('team/src');
    const { deps, actor } = registry;
    const disabled = recording();
    const denied = recording(['ecr:GetDownloadUrlForLayer']);
    const allowed = recording();
    const input = { repositoryName: 'team/dest', digest, from: 'team/src' };

    // Act
    deps.authorizer = disabled.authorizer;
    const whileDisabled = await mountBlob(deps, actor, input);
    await deps.scans.putSetting('BLOB_MOUNTING', 'ENABLED');
    deps.authorizer = denied.authorizer;
    const whileDenied = await mountBlob(deps, actor, input);
    deps.authorizer = allowed.authorizer;
    const mounted = await mountBlob(deps, actor, input);

    // Assess
    expect(disabled.asked.map(([action]) => action)).toEqual(['ecr:InitiateLayerUpload']);
    expect(whileDisabled).toBeUndefined();
    expect(denied.asked.map(([action]) => action)).toEqual(['ecr:InitiateLayerUpload', 'ecr:GetDownloadUrlForLayer']);
    expect(whileDenied).toBeUndefined();
    expect(allowed.asked.map(([action, resource]) => [action, resource.split(':repository/')[1]])).toEqual([
      ['ecr:InitiateLayerUpload', 'team/dest'],
      ['ecr:GetDownloadUrlForLayer', 'team/src'],
    ]);
    expect(mounted?.digest).toBe(digest);
  });

  it('refuses before acting: a denied PutImage stores no image', async () => {
    const registry = memoryRegistry();
    await registry.repository('team/app');
    const blobs = await registry.blobs('team/app');
    registry.deps.authorizer = recording(['ecr:PutImage']).authorizer;

    await expect(putImage(registry.deps, registry.actor, { repositoryName: 'team/app', imageManifest: imageManifest(blobs), imageTag: 'v1' })).rejects.toThrow(
      AccessDeniedException,
    );

    const repo = (await registry.deps.repositories.get('team/app'))!;
    expect((await registry.deps.images.list(repo.uid, 10)).items).toEqual([]);
    expect(await registry.deps.images.getTag(repo.uid, 'v1')).toBeUndefined();
  });

  it('asks the same questions for the OCI API, whose refusals are 403 DENIED', async () => {
    // Prepare: a token for the root actor, and a repository with an image.
    const registry = memoryRegistry();
    await registry.repository('team/app');
    const blobs = await registry.blobs('team/app');
    await putImage(registry.deps, registry.actor, { repositoryName: 'team/app', imageManifest: imageManifest(blobs), imageTag: 'v1' });
    const { authorizationData } = await getAuthorizationToken(registry.deps, registry.actor, {});
    const authorization = `Basic ${authorizationData[0].authorizationToken}`;
    const { asked, authorizer } = recording(['ecr:BatchGetImage']);
    registry.deps.authorizer = authorizer;
    const request = (method: string, path: string) =>
      dispatchOci(registry.deps, {
        method,
        path,
        query: new URLSearchParams(),
        headers: { authorization, host: 'registry.test' },
        body: Readable.from([]),
        requestId: 'r',
      });

    // Act
    const manifest = await request('GET', '/v2/team/app/manifests/v1');
    const tags = await request('GET', '/v2/team/app/tags/list');
    const upload = await request('POST', '/v2/team/app/blobs/uploads/');
    const blob = await request('HEAD', `/v2/team/app/blobs/${blobs.layers[0].digest}`);

    // Assess
    expect(manifest.status).toBe(403);
    expect(JSON.parse(String(manifest.body)).errors[0].code).toBe('DENIED');
    expect([tags.status, upload.status, blob.status]).toEqual([200, 202, 200]);
    expect(asked.map(([action]) => action)).toEqual(['ecr:BatchGetImage', 'ecr:ListImages', 'ecr:InitiateLayerUpload', 'ecr:BatchCheckLayerAvailability']);
  });

  it('runs every job task as a named service actor of the registry', async () => {
    const registry = memoryRegistry();
    const tasks = bindTasks('lifecycle', { Probe: async (_deps, actor) => actor }, () => registry.deps);

    const actor = (await tasks.Probe({ task: 'Probe', run: { runId: 'run-1' } })) as Actor;

    expect(actor).toMatchObject({ kind: 'service', arn: 'service:lifecycle', account: registry.deps.config.registryId, via: { requestId: 'run-1' } });
  });
});
