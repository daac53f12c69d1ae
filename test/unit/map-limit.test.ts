import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../shared/util/map-limit.ts';

/** A call that resolves when the test says so, recording how many calls are in flight. */
function gate() {
  let inFlight = 0;
  let peak = 0;
  const waiting: (() => void)[] = [];
  const fn = async (n: number) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight--;
    return n * 10;
  };
  return {
    fn,
    peak: () => peak,
    release: () => {
      for (const r of waiting.splice(0)) r();
    },
    waiting: () => waiting.length,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('resolves to the results in the order of the items, whatever order the calls finish in', async () => {
    // Prepare
    const delays = [30, 0, 20, 10, 5];
    // Act
    const out = await mapLimit(delays, 2, (ms) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms)));
    // Assess
    expect(out).toEqual(delays);
  });

  it('never has more than limit calls in flight, and starts the next as soon as one ends', async () => {
    // Prepare
    const g = gate();
    // Act
    const done = mapLimit([1, 2, 3, 4, 5], 2, g.fn);
    await settle();
    // Assess
    expect(g.waiting()).toBe(2);
    while (g.waiting()) {
      g.release();
      await settle();
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(g.peak()).toBe(2);
  });

  it('runs every item at once when the limit exceeds the number of items', async () => {
    const g = gate();
    const done = mapLimit([1, 2, 3], 10, g.fn);
    await settle();
    expect(g.waiting()).toBe(3);
    g.release();
    expect(await done).toEqual([10, 20, 30]);
  });

  it('resolves to an empty list for no items without calling fn', async () => {
    let calls = 0;
    expect(await mapLimit([], 4, async () => calls++)).toEqual([]);
    expect(calls).toBe(0);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s rather than silently doing nothing', async (limit) => {
    await expect(mapLimit([1], limit, async (n) => n)).rejects.toThrow(RangeError);
  });
});
