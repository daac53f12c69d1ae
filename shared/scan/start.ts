/**
 * Starting scans: StartImageScan and scan on push both record IN_PROGRESS (at most one scan per image
 * per 24 hours: invariant SCAN_NOT_STARTED_SINCE) and start the scan state machine. The scan on push
 * subscriber reacts to "ECR Image Action" PUSH events (the in-process bus locally; an EventBridge rule
 * in AWS calls the same function).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import type { ScanRecord } from '../store/scans.ts';
import { DEFAULT_CONFIGURATION, effectiveScanning } from './rules.ts';
import { manifestOf, unscannableReason } from './plan.ts';

export const SCAN_MACHINE = 'scan';
/** One basic scan per image per this long (ECR's quota). */
export const SCAN_LIMIT_MS = 24 * 3600 * 1000;

export type ScanStartDeps = Pick<Deps, 'config' | 'repositories' | 'images' | 'blobs' | 'scans' | 'jobs' | 'now'>;
export type StartOutcome = { started: true; scan: ScanRecord } | { started: false; existing?: ScanRecord };

/** Records IN_PROGRESS and starts the scan job, unless the image was scanned in the last 24 hours. */
export async function beginScan(deps: ScanStartDeps, repo: RepositoryRecord, image: ImageRecord): Promise<StartOutcome> {
  const configuration = (await deps.scans.getConfiguration()) ?? DEFAULT_CONFIGURATION;
  const now = deps.now().getTime();
  const scan: ScanRecord = { digest: image.digest, scanId: randomUUID(), status: 'IN_PROGRESS', scanType: configuration.scanType, startedAt: now };
  const outcome = await deps.scans.start(repo.uid, scan, now - SCAN_LIMIT_MS);
  if (!outcome.started) return outcome;
  try {
    await deps.jobs.start(SCAN_MACHINE, { repositoryName: repo.name, uid: repo.uid, imageDigest: image.digest, scanId: scan.scanId, scanType: scan.scanType });
  } catch (e) {
    await deps.scans.update(repo.uid, image.digest, scan.scanId, {
      status: 'FAILED',
      description: `The scan could not be started: ${(e as Error).message}`,
      quotaReturned: true,
      completedAt: deps.now().getTime(),
    });
    return { started: true, scan: { ...scan, status: 'FAILED' } };
  }
  return { started: true, scan };
}

/** Scan on push: scans a pushed image when the registry's rules (or the repository's scanOnPush) say so. */
export async function scanOnPush(deps: ScanStartDeps, _actor: Actor, event: RegistryEvent): Promise<StartOutcome | undefined> {
  const detail = event.detail as Record<string, string | undefined>;
  if (event['detail-type'] !== 'ECR Image Action' || detail['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS') return undefined;
  const repo = await deps.repositories.get(detail['repository-name'] ?? '');
  if (!repo) return undefined;
  const configuration = (await deps.scans.getConfiguration()) ?? DEFAULT_CONFIGURATION;
  if (!effectiveScanning(configuration, repo).scanOnPush) return undefined;
  const image = await deps.images.get(repo.uid, detail['image-digest'] ?? '');
  if (!image || image.archived) return undefined;
  if (unscannableReason(await manifestOf(deps.blobs, image))) return undefined;
  return beginScan(deps, repo, image);
}
