/**
 * The local registry's replication triggers: replication on push (and, with REPLICATION_SYNC_DELETES=1, of deletions)
 * from the in-process bus. In AWS an EventBridge rule
 * calls the same function (functions/replication-jobs/on-push.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { serviceActor } from '../domain/actor.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import { logger } from '../observe/logger.ts';
import { replicateOnDelete, replicateOnPush } from './job.ts';

type Bus = { subscribe(listener: (event: RegistryEvent) => void): () => void };

export class LocalReplicationTriggers {
  private readonly inFlight = new Set<Promise<unknown>>();
  private unsubscribe?: () => void;

  constructor(private readonly deps: Deps) {}

  /** Starts replicating every successful push a replication rule matches, and every deletion when deletions sync. */
  start(bus: Bus) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event['detail-type'] !== 'ECR Image Action') return;
      const action = event.detail['action-type'];
      if (action !== 'PUSH' && action !== 'DELETE') return;
      const actor = serviceActor(this.deps.config, 'replication', randomUUID());
      const start = action === 'PUSH' ? replicateOnPush(this.deps, actor, event) : replicateOnDelete(this.deps, actor, event);
      const work = start.catch((e) => logger.error({ error: String(e) }, 'replication trigger failed'));
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
