/** StartImageScan and DescribeImageScanFindings, and the scan fields DescribeImages adds to an image. */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { DescribeImageScanFindingsInput, StartImageScanInput } from '../model/types.ts';
import { ImageArchivedException, ImageNotFoundException, LimitExceededException, ScanNotFoundException, UnsupportedImageTypeException } from '../errors.ts';
import { openRepository } from '../registry/common.ts';
import { resolveImageId, type ImageId } from '../registry/image-ids.ts';
import { nextToken, readToken } from '../registry/pagination.ts';
import type { RepositoryRecord } from '../store/types.ts';
import { manifestOf, unscannableReason } from './plan.ts';
import { readFindings } from './results.ts';
import { beginScan } from './start.ts';
import { findingsSummary, scanStatus } from './summary.ts';

const DEFAULT_PAGE = 100;

async function requireImage(deps: Deps, repo: RepositoryRecord, registryId: string, id: ImageId) {
  const resolved = await resolveImageId(deps, repo, id);
  if ('failure' in resolved) {
    throw new ImageNotFoundException(
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${registryId}'`,
    );
  }
  return resolved.image;
}

const imageIdOf = (digest: string, tag?: string) => ({ imageDigest: digest, ...(tag !== undefined ? { imageTag: tag } : {}) });

/** StartImageScan: starts a scan of the image; once per image per 24 hours. */
export async function startImageScan(deps: Deps, actor: Actor, input: StartImageScanInput) {
  const repo = await openRepository(deps, actor, 'ecr:StartImageScan', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const image = await requireImage(deps, repo, registryId, input.imageId);
  if (image.archived)
    throw new ImageArchivedException(
      `The image with digest '${image.digest}' in the repository with name '${repo.name}' is archived and cannot be scanned; restore it first.`,
    );
  const reason = unscannableReason(await manifestOf(deps.blobs, image));
  if (reason) throw new UnsupportedImageTypeException(`The image with digest '${image.digest}' cannot be scanned. ${reason}`);
  const outcome = await beginScan(deps, repo, image);
  if (!outcome.started)
    throw new LimitExceededException(
      `The scan quota per image has been exceeded: the image with digest '${image.digest}' was scanned in the last 24 hours. Wait and try again.`,
    );
  return {
    registryId,
    repositoryName: repo.name,
    imageId: imageIdOf(image.digest, input.imageId.imageTag),
    imageScanStatus: { status: outcome.scan.status, ...(outcome.scan.status === 'FAILED' ? { description: 'The scan could not be started.' } : {}) },
  };
}

/** DescribeImageScanFindings: the image's latest scan, its findings a page at a time. */
export async function describeImageScanFindings(deps: Deps, actor: Actor, input: DescribeImageScanFindingsInput) {
  const repo = await openRepository(deps, actor, 'ecr:DescribeImageScanFindings', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const image = await requireImage(deps, repo, registryId, input.imageId);
  const scan = await deps.scans.get(repo.uid, image.digest);
  if (!scan) {
    throw new ScanNotFoundException(
      `Image scan does not exist for the image with '{imageDigest:'${image.digest}', imageTag:'${input.imageId.imageTag ?? 'null'}'}' in the repository with name '${repo.name}' in the registry with id '${registryId}'`,
    );
  }
  const base = { registryId, repositoryName: repo.name, imageId: imageIdOf(image.digest, input.imageId.imageTag), imageScanStatus: scanStatus(scan) };
  if (scan.status !== 'COMPLETE' || !scan.findingsObject) return base;
  const scope = `${repo.uid}#${image.digest}#${scan.scanId}#${scan.findingsObject}`;
  const offset = readToken<number>(deps, 'DescribeImageScanFindings', scope, input.nextToken) ?? 0;
  const limit = input.maxResults ?? DEFAULT_PAGE;
  const stored = await readFindings(deps.blobs, scan.findingsObject);
  const total = (stored.enhancedFindings ?? stored.findings ?? []).length;
  const page = stored.enhancedFindings
    ? { enhancedFindings: stored.enhancedFindings.slice(offset, offset + limit) }
    : { findings: (stored.findings ?? []).slice(offset, offset + limit) };
  return {
    ...base,
    imageScanFindings: { ...findingsSummary(scan), ...page },
    ...(offset + limit < total ? { nextToken: nextToken(deps, 'DescribeImageScanFindings', scope, offset + limit) } : {}),
  };
}
