/** Bounded concurrency over a list. */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, and resolves to the results in the order of
 * `items`. The first rejection rejects the whole (calls already started still run to their end).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapLimit needs a limit of at least 1, not ${limit}`);
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
