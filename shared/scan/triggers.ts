/**
 * The local registry's scanning triggers: scan on push from the in-process bus, and the feed import on
 * start and every SCAN_FEED_INTERVAL_SECONDS. In AWS an EventBridge rule and schedule call the same
 * functions (functions/scanning-jobs/handler.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { serviceActor } from '../domain/actor.ts';
import type { RegistryEvent } from '../events/publisher.ts';
import { scanOnPush } from './start.ts';
import { runConfiguredFeedImport } from './feed/job.ts';

type Bus = { subscribe(listener: (event: RegistryEvent) => void): () => void };

export const DEFAULT_FEED_INTERVAL_SECONDS = 3600;

export class LocalScanTriggers {
  private readonly inFlight = new Set<Promise<unknown>>();
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private importing?: Promise<unknown>;

  constructor(
    private readonly deps: Deps,
    private readonly feedIntervalSeconds = DEFAULT_FEED_INTERVAL_SECONDS,
  ) {}

  /** Subscribes to pushes and imports the feed location (awaited, so scans find a feed from the start). */
  async start(bus: Bus) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event['detail-type'] === 'ECR Image Action' && event.detail['action-type'] === 'PUSH')
        this.track(scanOnPush(this.deps, this.actor(), event), 'scan on push failed');
    });
    if (!this.hasFeedLocation()) return;
    await this.importFeed();
    this.timer = setInterval(() => this.track(this.importFeed(), 'feed import failed'), this.feedIntervalSeconds * 1000);
    this.timer.unref();
  }

  /** Imports the feed location now (one import at a time). */
  importFeed(force = false): Promise<unknown> {
    if (!this.hasFeedLocation()) return Promise.resolve(undefined);
    this.importing ??= runConfiguredFeedImport(this.deps, this.actor(), { force })
      .then((r) => {
        if (r.imported) console.log(`feed ${r.feedId} imported: ${r.advisories} advisories, ${r.rematched} continuous scans re-matched`);
        return r;
      })
      .catch((e) => console.error(JSON.stringify({ level: 'error', message: 'feed import failed', error: String(e) })))
      .finally(() => {
        this.importing = undefined;
      });
    return this.importing;
  }

  /** The scanning service, acting on a trigger. */
  private actor() {
    return serviceActor(this.deps.config, 'scan', randomUUID());
  }

  private hasFeedLocation() {
    return Boolean(this.deps.config.scanFeedDir || this.deps.config.scanFeedS3Prefix);
  }

  /** Stops listening and waits for the work already started. */
  async stop() {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight, this.importing]);
  }

  private track(work: Promise<unknown>, message: string) {
    const tracked = work.catch((e) => console.error(JSON.stringify({ level: 'error', message, error: String(e) })));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
