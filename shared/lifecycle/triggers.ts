/**
 * What starts lifecycle runs besides a policy change: image pushes and the daily schedule. In AWS an EventBridge
 * rule and an EventBridge schedule invoke functions/lifecycle-jobs/handler.ts; locally LocalLifecycleTriggers
 * listens on the in-process bus (debounced per repository, so a burst of pushes gives one run) and keeps a timer.
 * Both end in the same functions: onRegistryEvent and runScheduledLifecycle.
 */
import type { Deps } from '../deps.ts';
import { randomUUID } from 'node:crypto';
import { serviceActor, type Actor } from '../domain/actor.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import { requestLifecycleRun, runScheduledLifecycle } from './runs.ts';

/**
 * Starts (or queues) a run for the repository of a successful push; ignores every other event. The source is
 * not checked: `aws.ecr` on the local bus, `serverless-ecr` on EventBridge (which reserves aws.* for AWS).
 */
export async function onRegistryEvent(deps: Deps, _actor: Actor, event: Pick<RegistryEvent, 'detail-type' | 'detail'>): Promise<'started' | 'queued' | 'none'> {
  const { detail } = event;
  if (event['detail-type'] !== 'ECR Image Action' || detail?.['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS') return 'none';
  return requestLifecycleRun(deps, String(detail['repository-name']), 'PUSH');
}

export type TriggerOptions = {
  /** Quiet time after a push before the run starts; later pushes to the same repository restart it. */
  debounceMs: number;
  /** Longest a run waits under a steady stream of pushes. */
  maxDelayMs: number;
  /** Interval of the scheduled run over all repositories with a policy. */
  scheduleMs: number;
};

export const DEFAULT_TRIGGERS: TriggerOptions = { debounceMs: 2000, maxDelayMs: 20_000, scheduleMs: 24 * 3600_000 };

type Bus = { subscribe(listener: (event: RegistryEvent) => void): () => void };

/** The local triggers: a debounced subscriber on the in-process bus and the daily timer. */
export class LocalLifecycleTriggers {
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; first: number; event: RegistryEvent }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private unsubscribe?: () => void;
  private schedule?: NodeJS.Timeout;

  constructor(
    private readonly deps: Deps,
    private readonly options: TriggerOptions = DEFAULT_TRIGGERS,
  ) {}

  start(bus: Bus) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event['detail-type'] === 'ECR Image Action' && event.detail['action-type'] === 'PUSH') this.debounce(event);
    });
    this.schedule = setInterval(() => this.track(runScheduledLifecycle(this.deps, lifecycleActor(this.deps))), this.options.scheduleMs);
    this.schedule.unref();
  }

  /** Stops listening, drops pending pushes and waits for the triggers already firing. */
  async stop() {
    this.unsubscribe?.();
    clearInterval(this.schedule);
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private debounce(event: RegistryEvent) {
    const repository = String(event.detail['repository-name']);
    const now = Date.now();
    const waiting = this.pending.get(repository);
    if (waiting) clearTimeout(waiting.timer);
    const first = waiting?.first ?? now;
    const delay = Math.max(0, Math.min(this.options.debounceMs, first + this.options.maxDelayMs - now));
    const timer = setTimeout(() => {
      this.pending.delete(repository);
      this.track(onRegistryEvent(this.deps, lifecycleActor(this.deps), event));
    }, delay);
    timer.unref();
    this.pending.set(repository, { timer, first, event });
  }

  private track(work: Promise<unknown>) {
    const tracked = work.catch((e) => console.error(JSON.stringify({ level: 'error', message: 'lifecycle trigger failed', error: String(e) })));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}

/** The lifecycle service acting on a trigger. */
export const lifecycleActor = (deps: Deps): Actor => serviceActor(deps.config, 'lifecycle', randomUUID());
