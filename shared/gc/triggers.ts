/**
 * What starts garbage collection, with no command needed: a tick every minute (an EventBridge schedule in AWS, a
 * timer in the local registry) starts the `gc` machine when a mark's grace period is over (so deleted data is
 * reclaimed within the grace period plus about a minute) or when the periodic sweep is due
 * (REGISTRY_GC_INTERVAL_SECONDS since the last one).
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { serviceActor } from '../domain/actor.ts';
import { logger } from '../observe/logger.ts';
import type { GcState } from '../store/gc.ts';
import { graceMs } from './collect.ts';
import { GC_ACTION, startGcState, type GcMode } from './run.ts';

/** A sweep claim older than this belongs to a run that died: another may start. */
const SWEEP_CLAIM_MS = 6 * 3600_000;
/** A marks run claim older than this belongs to a run that died (two at once would be safe, only wasteful). */
const MARKS_CLAIM_MS = 15 * 60_000;

/** The garbage collector's service actor. */
export const gcActor = (deps: Deps, requestId = 'gc-tick') => serviceActor(deps.config, 'gc', requestId);

/** Starts the run that is due, if any (a sweep first); returns which one it started. */
export async function gcTick(deps: Deps, actor: Actor): Promise<GcMode | undefined> {
  await deps.authorizer.authorize(actor, GC_ACTION, ANY_RESOURCE);
  const now = deps.now().getTime();
  const state = await deps.gc.state();
  const sweepDue = now - (state.lastSweepAt ?? 0) >= deps.config.gcIntervalSeconds * 1000 && now - (state.sweepClaimedAt ?? 0) >= SWEEP_CLAIM_MS;
  if (sweepDue && (await claim(deps, state, { sweepClaimedAt: now })))
    return start(deps, 'sweep', { ...state, version: state.version + 1, sweepClaimedAt: now });
  if (now - (state.marksClaimedAt ?? 0) < MARKS_CLAIM_MS || !(await marksDue(deps, now))) return undefined;
  if (await claim(deps, state, { marksClaimedAt: now })) return start(deps, 'marks', { ...state, version: state.version + 1, marksClaimedAt: now });
  return undefined;
}

/** Whether some mark's grace period is over. */
async function marksDue(deps: Deps, now: number): Promise<boolean> {
  let cursor: Record<string, any> | undefined;
  do {
    const page = await deps.gc.marks(200, cursor);
    if (page.items.some((m) => m.markedAt <= now - graceMs(deps))) return true;
    cursor = page.cursor;
  } while (cursor);
  return false;
}

async function claim(deps: Deps, state: GcState, change: Partial<GcState>): Promise<boolean> {
  return deps.gc.saveState({ ...state, ...change });
}

/** Starts the machine; a start that fails gives the claim back (`claimed`: the state as claimed) and throws. */
async function start(deps: Deps, mode: GcMode, claimed: GcState): Promise<GcMode> {
  const state = startGcState(deps, mode);
  try {
    await deps.jobs.start('gc', { state });
  } catch (e) {
    await deps.gc.saveState(mode === 'sweep' ? { ...claimed, sweepClaimedAt: undefined } : { ...claimed, marksClaimedAt: undefined });
    throw e;
  }
  logger.info({ gc: { runId: state.runId, mode } }, 'garbage collection started');
  return mode;
}

async function releaseDeadClaims(deps: Deps): Promise<void> {
  const state = await deps.gc.state();
  if (state.sweepClaimedAt !== undefined || state.marksClaimedAt !== undefined)
    await deps.gc.saveState({ ...state, sweepClaimedAt: undefined, marksClaimedAt: undefined });
}

/** The local registry's tick: every minute in the process, as EventBridge's schedule calls `gcTick` in AWS. */
export class LocalGcTrigger {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  constructor(
    private readonly deps: Deps,
    private readonly everyMs = 60_000,
  ) {}

  /** Starts ticking; first drops the claims of runs of an earlier process (none can be alive: the data directory is this process's). */
  start(): this {
    this.running = releaseDeadClaims(this.deps)
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = gcTick(this.deps, gcActor(this.deps))
        .catch((e) => logger.error({ error: `${(e as Error)?.name}: ${(e as Error)?.message}` }, 'garbage collection tick failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.everyMs);
    this.timer.unref();
    return this;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
