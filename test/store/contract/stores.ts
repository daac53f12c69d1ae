/**
 * What the store contract runs against: one implementation of every storage interface. A factory builds a
 * fresh set for each test (its own registry id), so registry-wide items never leak between tests; contents
 * partitions and blob keys are kept apart by random uids and key prefixes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { beforeEach } from 'vitest';
import type { Deps } from '../../../shared/deps.ts';
import type { ImageRecord, Page, RepositoryRecord } from '../../../shared/store/types.ts';

/** Every store of the registry's deps. */
export type Stores = Pick<
  Deps,
  'repositories' | 'images' | 'layers' | 'blobs' | 'scans' | 'lifecycle' | 'imageStates' | 'registry' | 'templates' | 'gc' | 'pullThrough'
>;

export type StoresFactory = () => Promise<Stores>;

/** What an implementation's backing servers are known not to do (so the tests of it are skipped, visibly). */
export type ContractOptions = {
  /** False for s3rver: it completes parts under any ETag and takes parts of upload ids it never issued. */
  serverChecksMultipartParts?: boolean;
};

/** The stores of the running test, rebuilt before each one. */
export function useStores(factory: StoresFactory): () => Stores {
  let stores: Stores | undefined;
  beforeEach(async () => {
    stores = await factory();
  });
  return () => stores!;
}

export const uid = () => randomUUID();

/** A random sha256 digest. */
export const digest = () => `sha256:${createHash('sha256').update(randomUUID()).digest('hex')}`;

/** `n` random digests in ascending order. */
export const digests = (n: number) => Array.from({ length: n }, digest).sort();

export function repository(name: string, extra: Partial<RepositoryRecord> = {}): RepositoryRecord {
  return { name, uid: uid(), createdAt: 1_700_000_000_000, imageTagMutability: 'MUTABLE', scanOnPush: false, encryptionType: 'AES256', tags: [], ...extra };
}

export function image(d: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  return {
    digest: d,
    manifest: '{"schemaVersion":2}',
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    sizeInBytes: 1234,
    pushedAt: 1_700_000_000_000,
    manifestSize: 20,
    ...extra,
  };
}

/** Reads every page of a listing; also returns how many pages it took and whether each full page had a cursor. */
export async function readAll<T>(limit: number, read: (cursor?: Record<string, any>) => Promise<Page<T>>) {
  const items: T[] = [];
  let pages = 0;
  let cursor: Record<string, any> | undefined;
  do {
    const page = await read(cursor);
    if (page.items.length > limit) throw new Error(`a page of ${page.items.length} items exceeds its limit of ${limit}`);
    items.push(...page.items);
    pages++;
    if (pages > 1000) throw new Error('the listing never ends');
    cursor = page.cursor;
  } while (cursor);
  return { items, pages };
}

/** A short name unique to this test, so parallel runs never collide. */
export const unique = (base: string) => `${base}-${randomUUID().slice(0, 8)}`;
