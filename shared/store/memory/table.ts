/**
 * The in-memory "table" every in-memory store shares: items under the very keys of shared/store/keys.ts,
 * ordered and paged as DynamoDB orders and pages them, with GSI1 derived from each item's own gsi1pk/gsi1sk.
 * Items are copied on the way in and out, so callers can never mutate what is stored.
 * Sort keys are compared as JavaScript strings, which is DynamoDB's byte order for the ASCII keys the registry uses.
 */
import type { Key } from '../keys.ts';

export type Item = Record<string, any>;
/** A page of items and, when the page reached its limit, where the next one starts (DynamoDB's LastEvaluatedKey). */
export type TablePage = { items: Item[]; cursor?: Record<string, any> };

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ref = (pk: string, sk: string) => `${pk}\u0000${sk}`;

/** A deep copy without undefined members, as the document client (removeUndefinedValues) stores items. */
export function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(copy) as T;
  if (value !== null && typeof value === 'object') {
    if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, copy(v)]),
    ) as T;
  }
  return value;
}

/**
 * Lets other callers run between the separate writes of one store method, as they can between the requests
 * the DynamoDB adapter makes (each single-item check-and-write stays atomic: no yield inside one).
 */
export const step = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryTable {
  private readonly partitions = new Map<string, Map<string, Item>>();
  private readonly index = new Map<string, Map<string, Item>>();

  /** A copy of the item at `key`, if any. */
  get(key: Key): Item | undefined {
    const item = this.partitions.get(key.pk)?.get(key.sk);
    return item && copy(item);
  }

  /** Stores a copy of the item, replacing any item at its key; returns a copy of the replaced one. */
  put(item: Item): Item | undefined {
    const stored = copy(item);
    const old = this.remove(stored as Key);
    let partition = this.partitions.get(stored.pk);
    if (!partition) this.partitions.set(stored.pk, (partition = new Map()));
    partition.set(stored.sk, stored);
    if (typeof stored.gsi1pk === 'string' && typeof stored.gsi1sk === 'string') {
      let entries = this.index.get(stored.gsi1pk);
      if (!entries) this.index.set(stored.gsi1pk, (entries = new Map()));
      entries.set(ref(stored.pk, stored.sk), stored);
    }
    return old && copy(old);
  }

  /** Deletes the item at `key`; returns a copy of it, if there was one. */
  delete(key: Key): Item | undefined {
    const old = this.remove(key);
    return old && copy(old);
  }

  /** One page of partition `pk`'s items whose sort key starts with `prefix` (and sorts after `after`), in sort key order. */
  queryPrefix(pk: string, prefix: string, options: { limit?: number; cursor?: Record<string, any>; after?: string } = {}): TablePage {
    const partition = this.partitions.get(pk);
    if (!partition) return { items: [] };
    const start = options.cursor?.sk as string | undefined;
    const keys = [...partition.keys()]
      .filter((sk) => sk.startsWith(prefix) && (start === undefined || sk > start) && (options.after === undefined || sk > options.after))
      .sort(compare);
    return this.page(
      keys.map((sk) => partition.get(sk)!),
      options.limit,
      (i) => ({ pk: i.pk, sk: i.sk }),
    );
  }

  /** One page of GSI1 partition `gsi1pk` (sort keys after `after` when given), in gsi1sk order. */
  queryIndex(gsi1pk: string, options: { limit?: number; cursor?: Record<string, any>; after?: string } = {}): TablePage {
    const entries = this.index.get(gsi1pk);
    if (!entries) return { items: [] };
    const order = (a: Item, b: Item) => compare(a.gsi1sk, b.gsi1sk) || compare(a.pk, b.pk) || compare(a.sk, b.sk);
    const c = options.cursor;
    const items = [...entries.values()].filter((i) => (options.after === undefined || i.gsi1sk > options.after) && (!c || order(i, c) > 0)).sort(order);
    return this.page(items, options.limit, (i) => ({ pk: i.pk, sk: i.sk, gsi1pk: i.gsi1pk, gsi1sk: i.gsi1sk }));
  }

  /** Deletes every item of partition `pk`. */
  deletePartition(pk: string): void {
    for (const sk of [...(this.partitions.get(pk)?.keys() ?? [])]) this.remove({ pk, sk });
  }

  private page(items: Item[], limit: number | undefined, keyOf: (i: Item) => Record<string, any>): TablePage {
    if (limit !== undefined && !(limit >= 1)) throw new Error(`Limit must be at least 1, got ${limit}`);
    // Like DynamoDB, a page that reached its limit carries a cursor even when nothing follows it.
    if (limit === undefined || items.length < limit) return { items: items.map(copy) };
    const taken = items.slice(0, limit);
    return { items: taken.map(copy), cursor: keyOf(taken[taken.length - 1]) };
  }

  private remove(key: Key): Item | undefined {
    const partition = this.partitions.get(key.pk);
    const old = partition?.get(key.sk);
    if (!old) return undefined;
    partition!.delete(key.sk);
    if (partition!.size === 0) this.partitions.delete(key.pk);
    if (typeof old.gsi1pk === 'string') {
      const entries = this.index.get(old.gsi1pk);
      entries?.delete(ref(old.pk, old.sk));
      if (entries?.size === 0) this.index.delete(old.gsi1pk);
    }
    return old;
  }
}
