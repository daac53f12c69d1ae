/**
 * The rule engine, as Amazon ECR's lifecycle policy evaluator works (user guide, "lifecycle policy evaluation
 * rules"): all rules are evaluated together and applied in priority order; an image is acted on by at most one
 * rule; an image that a higher-priority rule's selection identifies cannot be acted on by a lower-priority rule,
 * yet still counts for it; images referenced by a manifest list are protected unless the list goes too, and so is a
 * referrer (a signature) while its subject stays.
 * Pure: no storage, no clock — the caller passes the images and `now`.
 */
import type { Policy, Rule } from './policy.ts';

const DAY_MS = 24 * 3600 * 1000;

/** An image as evaluation sees it. Times are epoch milliseconds. */
export type EvaluatedImage = {
  digest: string;
  tags: string[];
  pushedAt: number;
  lastPulledAt?: number;
  archived: boolean;
  lastArchivedAt?: number;
  lastActivatedAt?: number;
  /** Child manifests, when the image is a manifest list or index. */
  children?: string[];
  /** The image a referrer (a signature, an SBOM) names as its `subject`. */
  subject?: string;
};

/** What a rule does to one image. */
export type PlannedAction = {
  digest: string;
  tags: string[];
  pushedAt: number;
  type: 'EXPIRE' | 'TRANSITION';
  rulePriority: number;
  /** The image's storage class when evaluated. */
  storageClass: 'STANDARD' | 'ARCHIVE';
  /** True for a manifest list or index: applied before the images it references. */
  parent?: boolean;
};

/**
 * The actions a policy takes on a repository's images at `now`, ordered for applying: manifest lists and
 * indexes first (so their children are free to go after them), then by rule priority and push time.
 */
export function evaluatePolicy(policy: Policy, images: EvaluatedImage[], now: number): PlannedAction[] {
  // Newest first, by push time (restore time for a restored image); ties broken by digest for a stable order.
  const ordered = [...images].sort((a, b) => orderTime(b) - orderTime(a) || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const identified = new Set<string>();
  const actions = new Map<string, PlannedAction>();
  for (const rule of policy.rules) {
    const selected = ordered.filter((image) => inStorageClass(rule, image) && matchesTags(rule, image));
    for (const image of marked(rule, selected, now)) {
      if (identified.has(image.digest)) continue;
      actions.set(image.digest, {
        digest: image.digest,
        tags: isSorted(image.tags) ? image.tags : [...image.tags].sort(),
        pushedAt: image.pushedAt,
        type: rule.action === 'expire' ? 'EXPIRE' : 'TRANSITION',
        rulePriority: rule.rulePriority,
        storageClass: image.archived ? 'ARCHIVE' : 'STANDARD',
        ...(image.children?.length ? { parent: true } : {}),
      });
    }
    for (const image of selected) identified.add(image.digest);
  }
  protectReferencedImages(images, actions);
  return [...actions.values()].sort(
    (a, b) => Number(b.parent ?? false) - Number(a.parent ?? false) || a.rulePriority - b.rulePriority || a.pushedAt - b.pushedAt,
  );
}

/** Whether the image is in the storage class the rule selects (archived images only for archive rules). */
function inStorageClass(rule: Rule, image: EvaluatedImage): boolean {
  return (rule.storageClass === 'archive') === image.archived;
}

/** tagged: every prefix or pattern matches one of the image's tags; untagged: no tags; any: all images. */
export function matchesTags(rule: Pick<Rule, 'tagStatus' | 'filters'>, image: Pick<EvaluatedImage, 'tags'>): boolean {
  if (rule.tagStatus === 'any') return true;
  if (rule.tagStatus === 'untagged') return image.tags.length === 0;
  return image.tags.length > 0 && rule.filters.every((matches) => image.tags.some(matches));
}

/** The selected images (newest first) that the rule's count condition marks. */
function marked(rule: Rule, selected: EvaluatedImage[], now: number): EvaluatedImage[] {
  const limit = now - rule.countNumber * DAY_MS;
  switch (rule.countType) {
    case 'imageCountMoreThan':
      return selected.slice(rule.countNumber);
    case 'sinceImagePushed':
      return selected.filter((image) => orderTime(image) < limit);
    case 'sinceImagePulled':
      return selected.filter((image) => pullTime(image) < limit);
    case 'sinceImageTransitioned':
      return selected.filter((image) => image.lastArchivedAt !== undefined && image.lastArchivedAt < limit);
  }
}

function isSorted(tags: string[]): boolean {
  for (let i = 1; i < tags.length; i++) if (tags[i - 1] > tags[i]) return false;
  return true;
}

/** Push time, or the last restore from the archive when there was one (ECR's last_activated_at). */
function orderTime(image: EvaluatedImage): number {
  return image.lastActivatedAt ?? image.pushedAt;
}

/** The last recorded pull; the restore time when not pulled since a restore; the push time when never pulled. */
function pullTime(image: EvaluatedImage): number {
  if (image.lastActivatedAt !== undefined && (image.lastPulledAt === undefined || image.lastPulledAt < image.lastActivatedAt)) return image.lastActivatedAt;
  return image.lastPulledAt ?? image.pushedAt;
}

/**
 * Drops actions on images a manifest list or index still references: an image may be expired only together
 * with every list naming it, archived only when every list naming it is archived or being archived. A referrer
 * is held by its subject the same way: a signature goes only with the image it signs (or once that is gone).
 */
function protectReferencedImages(images: EvaluatedImage[], actions: Map<string, PlannedAction>) {
  const parents = new Map<string, EvaluatedImage[]>();
  for (const image of images) for (const child of image.children ?? []) parents.set(child, [...(parents.get(child) ?? []), image]);
  const byDigest = new Map(images.map((image) => [image.digest, image]));
  for (const image of images) {
    const subject = image.subject === undefined ? undefined : byDigest.get(image.subject);
    if (subject) parents.set(image.digest, [...(parents.get(image.digest) ?? []), subject]);
  }
  if (parents.size === 0) return;
  for (let changed = true; changed; ) {
    changed = false;
    for (const [digest, action] of actions) {
      const free = (parents.get(digest) ?? []).every((parent) => {
        const parentAction = actions.get(parent.digest);
        if (action.type === 'EXPIRE') return parentAction?.type === 'EXPIRE';
        return parent.archived || parentAction?.type === 'TRANSITION';
      });
      if (!free) {
        actions.delete(digest);
        changed = true;
      }
    }
  }
}
