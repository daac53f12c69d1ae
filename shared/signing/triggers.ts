/**
 * The local registry's signing trigger: managed signing on push, from the in-process bus. In AWS an EventBridge rule
 * calls the same function (functions/signing-jobs/on-push.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { serviceActor } from '../domain/actor.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import { logger } from '../observe/logger.ts';
import { signOnPush } from './job.ts';

type Bus = { subscribe(listener: (event: RegistryEvent) => void): () => void };

export class LocalSigningTriggers {
  private readonly inFlight = new Set<Promise<unknown>>();
  private unsubscribe?: () => void;

  constructor(private readonly deps: Deps) {}

  /** Starts signing every successful push a signing rule matches. */
  start(bus: Bus) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event['detail-type'] !== 'ECR Image Action' || event.detail['action-type'] !== 'PUSH') return;
      const work = signOnPush(this.deps, serviceActor(this.deps.config, 'signing', randomUUID()), event).catch((e) =>
        logger.error({ error: String(e) }, 'signing trigger failed'),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  /** Stops listening and waits for the starts already under way. */
  async stop() {
    this.unsubscribe?.();
    await Promise.allSettled([...this.inFlight]);
  }
}
