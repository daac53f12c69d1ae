/** ListImages and DescribeImages: filtered by tag status, paged with sealed tokens bound to the repository. */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { DescribeImagesInput, ListImagesInput } from '../model/types.ts';
import { ImageNotFoundException, invalidParameter, UnableToGetUpstreamImageException } from '../errors.ts';
import type { ImageRecord, RepositoryRecord } from '../store/types.ts';
import type { ScanRecord } from '../store/scans.ts';
import { findingsSummary, scanStatus } from '../scan/summary.ts';
import { openRepository } from './common.ts';
import { ensureCached, openForPull } from '../pull-through/cache.ts';
import { mapLimit } from '../util/map-limit.ts';
import { resolveImageId, type ImageId } from './image-ids.ts';
import { nextToken, readToken } from './pagination.ts';
import { imageStatus, imageStatusFilter } from './storage-class.ts';

const DEFAULT_PAGE = 100;
const TAG_LOOKUPS_IN_FLIGHT = 16;

type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';
/** Where a listing stopped: the phase (tags, then untagged images) and the store's cursor within it. */
type Cursor = { phase: 'tags' | 'images'; key?: Record<string, any> };

/** ListImages: tagged images one entry per tag (in tag order), then untagged ones (in digest order). */
export async function listImages(deps: Deps, actor: Actor, input: ListImagesInput) {
  const repo = await openRepository(deps, actor, 'ecr:ListImages', input.repositoryName, input.registryId);
  const status: TagStatus = input.filter?.tagStatus ?? 'ANY';
  const limit = input.maxResults ?? DEFAULT_PAGE;
  let cursor = readToken<Cursor>(deps, 'ListImages', repo.uid, input.nextToken) ?? { phase: status === 'UNTAGGED' ? 'images' : 'tags' };
  const statusOk = await imageStatusFilter(deps, repo, input.filter?.imageStatus);
  const imageIds: ImageId[] = [];
  while (imageIds.length < limit) {
    if (cursor.phase === 'tags') {
      const page = await deps.images.listTags(repo.uid, limit - imageIds.length, cursor.key);
      // A tag whose image is not stored (a push between its two writes) names nothing yet: it is not listed.
      const found = await mapLimit(page.items, TAG_LOOKUPS_IN_FLIGHT, (t) => deps.images.get(repo.uid, t.digest));
      const tags = page.items.filter((_, i) => found[i] && (!statusOk || statusOk(found[i]!)));
      imageIds.push(...tags.map((t) => ({ imageDigest: t.digest, imageTag: t.tag })));
      if (page.cursor) {
        cursor = { phase: 'tags', key: page.cursor };
        continue;
      }
      if (status === 'TAGGED') return { imageIds };
      cursor = { phase: 'images' };
    } else {
      const page = await untaggedPage(deps, repo, limit - imageIds.length, cursor.key);
      imageIds.push(...page.items.filter((i) => !statusOk || statusOk(i)).map((i) => ({ imageDigest: i.digest })));
      if (!page.cursor) return { imageIds };
      cursor = { phase: 'images', key: page.cursor };
    }
  }
  return { imageIds, nextToken: nextToken(deps, 'ListImages', repo.uid, cursor) };
}

/** DescribeImages: details of the named images, or of all images matching the filter, a page at a time. */
export async function describeImages(deps: Deps, actor: Actor, input: DescribeImagesInput) {
  // Described by tag, an image of a pull through cache is pulled in from upstream as a pull would (shared/pull-through/cache.ts).
  const byTag = input.imageIds?.some((id) => id.imageTag !== undefined && id.imageDigest === undefined);
  const repo = byTag
    ? await notFoundUpstream(() => openForPull(deps, actor, 'ecr:DescribeImages', input.repositoryName, input.registryId, input.imageIds as ImageId[]))
    : await openRepository(deps, actor, 'ecr:DescribeImages', input.repositoryName, input.registryId);
  const registryId = deps.config.registryId;
  const detail = (image: ImageRecord, tags: string[], scan?: ScanRecord) => imageDetail(registryId, repo, image, tags, scan);
  if (input.imageIds) {
    if (input.nextToken !== undefined || input.maxResults !== undefined || input.filter !== undefined) {
      throw invalidParameter('imageIds', 'imageIds cannot be combined with filter, maxResults or nextToken');
    }
    const seen = new Map<string, ImageRecord>();
    for (const id of input.imageIds as ImageId[]) {
      if (id.imageTag !== undefined && id.imageDigest === undefined) await notFoundUpstream(() => ensureCached(deps, actor, repo, id));
      const resolved = await resolveImageId(deps, repo, id);
      if ('failure' in resolved) {
        throw new ImageNotFoundException(
          `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${registryId}'`,
        );
      }
      seen.set(resolved.image.digest, resolved.image);
    }
    const images = [...seen.values()];
    const tags = await mapLimit(images, TAG_LOOKUPS_IN_FLIGHT, (i) => deps.images.tagsOf(repo.uid, i.digest));
    const scans = await deps.scans.getMany(
      repo.uid,
      images.map((i) => i.digest),
    );
    return { imageDetails: images.map((image, i) => detail(image, tags[i], scans.get(image.digest))) };
  }
  const status: TagStatus = input.filter?.tagStatus ?? 'ANY';
  const limit = input.maxResults ?? DEFAULT_PAGE;
  let key = readToken<Record<string, any>>(deps, 'DescribeImages', repo.uid, input.nextToken);
  const statusOk = await imageStatusFilter(deps, repo, input.filter?.imageStatus);
  const imageDetails: ReturnType<typeof imageDetail>[] = [];
  do {
    const page = await deps.images.list(repo.uid, limit - imageDetails.length, key);
    const tags = await mapLimit(page.items, TAG_LOOKUPS_IN_FLIGHT, (i) => deps.images.tagsOf(repo.uid, i.digest));
    const scans = await deps.scans.getMany(
      repo.uid,
      page.items.map((i) => i.digest),
    );
    page.items.forEach((image, i) => {
      if (statusOk && !statusOk(image)) return;
      if (status === 'ANY' || (status === 'TAGGED') === tags[i].length > 0) imageDetails.push(detail(image, tags[i], scans.get(image.digest)));
    });
    key = page.cursor;
  } while (key && imageDetails.length < limit);
  return { imageDetails, ...(key ? { nextToken: nextToken(deps, 'DescribeImages', repo.uid, key) } : {}) };
}

/** Up to `limit` images read from the cursor on, keeping the untagged ones. */
async function untaggedPage(deps: Deps, repo: RepositoryRecord, limit: number, cursor?: Record<string, any>) {
  const page = await deps.images.list(repo.uid, limit, cursor);
  const tags = await mapLimit(page.items, TAG_LOOKUPS_IN_FLIGHT, (i) => deps.images.tagsOf(repo.uid, i.digest));
  return { items: page.items.filter((_, i) => tags[i].length === 0), cursor: page.cursor };
}

/** The ImageDetail structure of the ECR API. */
export function imageDetail(registryId: string, repo: RepositoryRecord, image: ImageRecord, tags: string[], scan?: ScanRecord) {
  return {
    registryId,
    repositoryName: repo.name,
    imageDigest: image.digest,
    ...(tags.length ? { imageTags: [...tags].sort() } : {}),
    imageSizeInBytes: image.sizeInBytes,
    imagePushedAt: new Date(image.pushedAt),
    imageManifestMediaType: image.manifestMediaType,
    ...(image.artifactMediaType ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.lastPulledAt ? { lastRecordedPullTime: new Date(image.lastPulledAt) } : {}),
    imageStatus: imageStatus(image),
    ...(image.lastArchivedAt ? { lastArchivedAt: new Date(image.lastArchivedAt) } : {}),
    ...(image.lastActivatedAt ? { lastActivatedAt: new Date(image.lastActivatedAt) } : {}),
    ...(image.subject ? { subjectManifestDigest: image.subject } : {}),
    ...imageScanDetail(scan),
  };
}

/** What DescribeImages adds for a scanned image: imageScanStatus, and imageScanFindingsSummary once complete. */
function imageScanDetail(scan: ScanRecord | undefined) {
  if (!scan) return {};
  return { imageScanStatus: scanStatus(scan), ...(scan.status === 'COMPLETE' ? { imageScanFindingsSummary: findingsSummary(scan) } : {}) };
}

/** DescribeImages lists no upstream error: an image its upstream cannot give is ImageNotFoundException, with the reason. */
async function notFoundUpstream<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof UnableToGetUpstreamImageException) throw new ImageNotFoundException(e.message);
    throw e;
  }
}
