/** The pull time: ECR refreshes lastRecordedPullTime at least daily; we write it when the recorded one is over an hour old. */
import { describe, expect, it } from 'vitest';
import { describeImages } from '../../shared/registry/image-listing.ts';
import { batchGetImage, PULL_TIME_REFRESH_MS, pullManifest } from '../../shared/registry/images.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

const MINUTE = 60 * 1000;

/** A registry whose clock the test sets, holding one tagged image. */
async function registryWithImage() {
  let now = Date.parse('2026-06-01T12:00:00Z');
  const registry = memoryRegistry({ now: () => new Date(now) });
  await registry.repository('pull/app');
  await putImage(registry.deps, registry.actor, { repositoryName: 'pull/app', imageManifest: imageManifest(await registry.blobs('pull/app')), imageTag: 'v1' });
  const pulledAt = async () =>
    (await describeImages(registry.deps, registry.actor, { repositoryName: 'pull/app' })).imageDetails[0].lastRecordedPullTime?.getTime();
  const pull = () => batchGetImage(registry.deps, registry.actor, { repositoryName: 'pull/app', imageIds: [{ imageTag: 'v1' }] });
  return { registry, pulledAt, pull, advance: (ms: number) => (now += ms), now: () => now };
}

describe('recording the pull time', () => {
  it('records the first pull of an image', async () => {
    // Prepare
    const { pull, pulledAt, now } = await registryWithImage();

    // Act
    await pull();

    // Assess
    expect(await pulledAt()).toBe(now());
  });

  it('keeps the recorded time for pulls within the hour after it', async () => {
    // Prepare
    const { pull, pulledAt, advance, now } = await registryWithImage();
    await pull();
    const first = now();

    // Act
    advance(PULL_TIME_REFRESH_MS - MINUTE);
    await pull();

    // Assess
    expect(await pulledAt()).toBe(first);
  });

  it('writes the time again once the recorded one is an hour old, for BatchGetImage and the OCI manifest GET alike', async () => {
    // Prepare
    const { registry, pull, pulledAt, advance, now } = await registryWithImage();
    await pull();

    // Act
    advance(PULL_TIME_REFRESH_MS);
    await pull();
    const second = await pulledAt();
    advance(PULL_TIME_REFRESH_MS + MINUTE);
    await pullManifest(registry.deps, registry.actor, { repositoryName: 'pull/app', imageId: { imageTag: 'v1' }, recordPull: true });

    // Assess
    expect(second).toBe(now() - PULL_TIME_REFRESH_MS - MINUTE);
    expect(await pulledAt()).toBe(now());
  });
});
