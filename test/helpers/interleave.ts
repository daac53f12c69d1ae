/**
 * A deterministic interleaving harness on the in-memory stores. Each operation runs on its own copy of the deps whose
 * store methods (repositories, images, layers, blobs, templates, lifecycle, registry) wait at a gate before they run; a seeded scheduler lets exactly
 * one waiting store call go at a time, chosen at random among those waiting, and runs `check` on the ungated deps
 * whenever every operation waits or has finished. The same seed replays the same interleaving. The unit of
 * interleaving is one store call; the writes inside one multi-write store method keep their adapter's order.
 */
import type { Deps } from '../../shared/deps.ts';

export type Operation = (deps: Deps) => Promise<unknown>;
export type Interleaving = { results: PromiseSettledResult<unknown>[]; steps: number; trace: number[] };

const GATED = ['repositories', 'images', 'layers', 'blobs', 'imageStates', 'templates', 'lifecycle', 'registry', 'gc'] as const;
const MAX_STEPS = 10_000;

/** A small seeded generator (mulberry32): the same seed, the same choices. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `operations` concurrently, one store call at a time in the order `seed` picks; `check` after every step. */
export async function interleave(deps: Deps, operations: Operation[], seed: number, check: () => Promise<void> = async () => {}): Promise<Interleaving> {
  const random = seeded(seed);
  const waiting: { op: number; go: () => void }[] = [];
  const done = new Set<number>();
  const gatedDeps = operations.map((_, op) => gate(deps, () => new Promise<void>((go) => waiting.push({ op, go }))));
  const running = operations.map((operation, op) =>
    Promise.resolve()
      .then(() => operation(gatedDeps[op]))
      .finally(() => done.add(op)),
  );
  const settled = Promise.allSettled(running);
  // Quiet: every operation waits at a gate or has finished, twice in a row (parallel calls of one operation reach
  // their gates over a few turns of the event loop).
  const quiet = async () => {
    let calm = 0;
    for (let turns = 0; calm < 2; turns++) {
      if (turns > 10_000) throw new Error('an operation neither reached a store call nor finished');
      await tick();
      const blocked = new Set(waiting.map((w) => w.op));
      calm = operations.every((_, op) => done.has(op) || blocked.has(op)) ? calm + 1 : 0;
    }
  };
  const trace: number[] = [];
  let steps = 0;
  await quiet();
  while (waiting.length > 0) {
    if (++steps > MAX_STEPS) throw new Error(`more than ${MAX_STEPS} store calls`);
    await check();
    const [next] = waiting.splice(Math.floor(random() * waiting.length), 1);
    trace.push(next.op);
    next.go();
    await quiet();
  }
  const results = await settled;
  await check();
  return { results, steps, trace };
}

/** A copy of deps whose gated stores wait for `wait()` before every method call. */
function gate(deps: Deps, wait: () => Promise<void>): Deps {
  const copy: Record<string, unknown> = { ...deps };
  for (const name of GATED) {
    const store = (deps as unknown as Record<string, object>)[name];
    if (!store) continue;
    copy[name] = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await wait();
          return value.apply(target, args);
        };
      },
    });
  }
  return copy as unknown as Deps;
}
