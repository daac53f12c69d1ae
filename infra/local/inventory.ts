/**
 * What the registry holds, for GET /metrics: repositories, images and their bytes, in total and per repository.
 * Read through the domain like any other caller (DescribeRepositories, then DescribeImages of each repository,
 * as the `metrics` service actor), at most once every INVENTORY_MAX_AGE_MS: a scrape within that time is
 * answered from the last reading, and concurrent scrapes share one reading. The figures' age is itself a gauge.
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../../shared/deps.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import { describeImages } from '../../shared/registry/image-listing.ts';
import { describeRepositories } from '../../shared/registry/repositories.ts';

/** How old the figures may be before a scrape reads the stores again. */
export const INVENTORY_MAX_AGE_MS = 60_000;
/** Repositories reported one by one (the largest by bytes); the others count in the totals only. Bounds the labels. */
export const INVENTORY_REPOSITORY_LABELS = 500;

export type RepositoryInventory = { repository: string; images: number; bytes: number };
export type Inventory = {
  repositories: number;
  images: number;
  /** The sum of the images' sizes as DescribeImages reports them (imageSizeInBytes): a layer shared by two images counts twice. */
  bytes: number;
  /** The INVENTORY_REPOSITORY_LABELS largest repositories. */
  perRepository: RepositoryInventory[];
  /** When the stores were read. */
  readAt: Date;
};

/** Reads the whole inventory now, page by page. */
export async function readInventory(deps: Deps): Promise<Inventory> {
  const actor = serviceActor(deps.config, 'metrics', randomUUID());
  const readAt = deps.now();
  const all: RepositoryInventory[] = [];
  let repoToken: string | undefined;
  do {
    const page = await describeRepositories(deps, actor, { maxResults: 1000, nextToken: repoToken });
    for (const repo of page.repositories ?? []) {
      const entry = { repository: repo.repositoryName!, images: 0, bytes: 0 };
      let imageToken: string | undefined;
      do {
        const images = await describeImages(deps, actor, { repositoryName: entry.repository, maxResults: 1000, nextToken: imageToken });
        for (const image of images.imageDetails ?? []) {
          entry.images += 1;
          entry.bytes += image.imageSizeInBytes ?? 0;
        }
        imageToken = images.nextToken;
      } while (imageToken);
      all.push(entry);
    }
    repoToken = page.nextToken;
  } while (repoToken);
  return {
    repositories: all.length,
    images: all.reduce((n, r) => n + r.images, 0),
    bytes: all.reduce((n, r) => n + r.bytes, 0),
    perRepository: all.sort((a, b) => b.bytes - a.bytes || a.repository.localeCompare(b.repository)).slice(0, INVENTORY_REPOSITORY_LABELS),
    readAt,
  };
}

/** The inventory of `deps`, read again only when the last reading is older than `maxAgeMs`. */
export function cachedInventory(deps: Deps, maxAgeMs = INVENTORY_MAX_AGE_MS): () => Promise<Inventory> {
  let last: Inventory | undefined;
  let reading: Promise<Inventory> | undefined;
  return async () => {
    if (last && deps.now().getTime() - last.readAt.getTime() < maxAgeMs) return last;
    reading ??= readInventory(deps).finally(() => {
      reading = undefined;
    });
    return (last = await reading);
  };
}
