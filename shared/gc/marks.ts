/**
 * What deletions tell the garbage collector: a mark on what they may have freed, written before (or as) they free it,
 * so a lost event or a process killed halfway still leaves the mark for the next run. Marks are cheap single-item
 * writes; the collector clears a mark only once it has dealt with what it names.
 */
import type { Deps } from '../deps.ts';
import type { GcMark } from '../store/gc.ts';
import type { ImageRecord } from '../store/types.ts';

/** Marks a repository whose image is being deleted: its links may no longer be needed; and the image's manifest object, if it has one. */
export async function markRepository(deps: Deps, repo: { name: string; uid: string }, image?: ImageRecord): Promise<void> {
  const markedAt = deps.now().getTime();
  await deps.gc.mark([{ kind: 'REPO', id: repo.uid, name: repo.name, markedAt }, ...manifestMarks(repo.uid, image ? [image] : [], markedAt)]);
}

/** Marks the manifest objects of images about to go with their partition. */
export async function markManifests(deps: Deps, uid: string, images: ImageRecord[]): Promise<void> {
  const marks = manifestMarks(uid, images, deps.now().getTime());
  if (marks.length) await deps.gc.mark(marks);
}

const manifestMarks = (uid: string, images: ImageRecord[], markedAt: number): GcMark[] =>
  images.flatMap((i) => (i.manifestObject ? [{ kind: 'MANIFEST' as const, id: i.manifestObject, name: `${uid}#${i.digest}`, markedAt }] : []));

/** Marks a deleted repository's contents partition, before the repository item goes (see releasePartition). */
export async function markPartition(deps: Deps, repo: { name: string; uid: string }): Promise<void> {
  await deps.gc.mark([{ kind: 'PART', id: repo.uid, name: repo.name, markedAt: deps.now().getTime() }]);
}

/** Marks blobs that lost a referrer: each is collected once nothing references or touched it for the grace period. */
export async function markBlobs(deps: Deps, digests: string[]): Promise<void> {
  const markedAt = deps.now().getTime();
  if (digests.length) await deps.gc.mark([...new Set(digests)].map((id): GcMark => ({ kind: 'BLOB', id, markedAt })));
}

/**
 * Gives up a dead partition's references: every blob it links is marked, then loses the partition as a referrer.
 * Safe to repeat (a push that wrote into the partition after its repository went is released by the next pass).
 */
export async function releasePartition(deps: Deps, uid: string): Promise<number> {
  let cursor: Record<string, any> | undefined;
  let released = 0;
  do {
    const page = await deps.gc.links(uid, 500, cursor);
    const digests = page.items.map((l) => l.digest);
    await markBlobs(deps, digests);
    // Touched as they lose the reference: the grace period counts from now.
    const touchAt = deps.now().getTime();
    for (const digest of digests) await deps.gc.unreference(digest, uid, { touchAt });
    released += digests.length;
    cursor = page.cursor;
  } while (cursor);
  return released;
}
