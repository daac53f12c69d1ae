/** Reading a repository for evaluation: its images and tags in pages, without manifests. */
import type { Deps } from '../deps.ts';
import type { EvaluatedImage } from './evaluate.ts';

/** Items read per page: DynamoDB returns at most 1 MB a page anyway. */
const PAGE = 1000;
/** One shared empty tag list for the (often many) untagged images; a tag gives the image its own list. */
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];

/**
 * Every image of the repository with its tags. Images are read before tags: an image pushed meanwhile is left
 * out of this evaluation (never mistaken for untagged), and a tag that moved meanwhile is seen where it is now.
 */
export async function readRepository(deps: Deps, uid: string): Promise<EvaluatedImage[]> {
  const images: EvaluatedImage[] = [];
  const byDigest = new Map<string, EvaluatedImage>();
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.imageStates.imageSummaries(uid, PAGE, cursor);
    for (const summary of page.items) {
      const image = summary as EvaluatedImage;
      image.tags = NO_TAGS;
      images.push(image);
      byDigest.set(image.digest, image);
    }
    cursor = page.cursor;
  } while (cursor);
  do {
    const page = await deps.images.listTags(uid, PAGE, cursor);
    for (const tag of page.items) {
      const image = byDigest.get(tag.digest);
      if (image) image.tags = image.tags === NO_TAGS ? [tag.tag] : [...image.tags, tag.tag];
    }
    cursor = page.cursor;
  } while (cursor);
  // Tags arrive in tag order, so each image's list is sorted already.
  return images;
}
