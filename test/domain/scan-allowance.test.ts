/**
 * The once-a-day StartImageScan allowance counts scans, not our failures: a scan that failed on the registry's side
 * (its job could not start, or a step of it failed) can be started again at once; a scan that ran cannot.
 */
import { describe, expect, it } from 'vitest';
import { LimitExceededException } from '../../shared/errors.ts';
import { SCAN_TASKS } from '../../shared/scan/job.ts';
import { startImageScan } from '../../shared/scan/operations.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { memoryRegistry } from '../helpers/domain.ts';
import { imageManifest } from '../helpers/images.ts';

async function pushed(jobs: { start: () => Promise<{ executionArn: string }> }) {
  const registry = memoryRegistry();
  registry.deps.jobs = jobs as never;
  await registry.repository('scan/allowance');
  const blobs = await registry.blobs('scan/allowance');
  await putImage(registry.deps, registry.actor, { repositoryName: 'scan/allowance', imageManifest: imageManifest(blobs), imageTag: 'v1' });
  const scan = () => startImageScan(registry.deps, registry.actor, { repositoryName: 'scan/allowance', imageId: { imageTag: 'v1' } });
  return { registry, scan };
}

describe('the daily StartImageScan allowance', () => {
  it('is not spent by a scan whose job could not be started', async () => {
    // Prepare: a job runner that fails, then works.
    let failing = true;
    const { scan } = await pushed({
      start: async () => {
        if (failing) throw new Error('the runner is down');
        return { executionArn: 'arn:local:execution' };
      },
    });

    // Act
    const first = await scan();
    failing = false;
    const second = await scan();

    // Assess
    expect(first.imageScanStatus.status).toBe('FAILED');
    expect(second.imageScanStatus.status).toBe('IN_PROGRESS');
  });

  it('is not spent by a scan a step of which failed on our side (RecordFailure)', async () => {
    const { registry, scan } = await pushed({ start: async () => ({ executionArn: 'arn:local:execution' }) });
    await scan();
    const repo = (await registry.deps.repositories.get('scan/allowance'))!;
    const digest = (await registry.deps.images.getTag(repo.uid, 'v1'))!.digest;
    const current = (await registry.deps.scans.get(repo.uid, digest))!;
    // The scan machine's Catch: a step failed (here S3), RecordFailure records it.
    await SCAN_TASKS.RecordFailure(registry.deps, registry.actor, {
      repositoryName: 'scan/allowance',
      uid: repo.uid,
      imageDigest: digest,
      scanId: current.scanId,
      scanType: current.scanType,
      error: { Error: 'S3ServiceException', Cause: 'S3 was down' },
    });

    expect((await registry.deps.scans.get(repo.uid, digest))!.status).toBe('FAILED');
    expect((await scan()).imageScanStatus.status).toBe('IN_PROGRESS');
  });

  it('is spent by a scan that started: a second StartImageScan the same day hears LimitExceededException', async () => {
    const { scan } = await pushed({ start: async () => ({ executionArn: 'arn:local:execution' }) });
    await scan();

    await expect(scan()).rejects.toThrow(LimitExceededException);
  });
});
