/**
 * One publisher for ECR-shaped events ("ECR Image Action", later "ECR Image Scan"...): EventBridge in AWS
 * (shared/events/eventbridge.ts), an in-process bus locally that the jobs subscribe to.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

export type RegistryEvent = {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.ecr';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
};

export interface EventPublisher {
  /** Publishes the events; never throws for a delivery failure (a lost event must not fail a push). */
  publish(events: RegistryEvent[]): Promise<void>;
}

/** Builds an event envelope as EventBridge delivers ECR's. */
export function ecrEvent(
  detailType: string,
  account: string,
  region: string,
  detail: Record<string, unknown>,
  resources: string[] = [],
  at = new Date(),
): RegistryEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ecr',
    account,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources,
    detail,
  };
}

/** The local bus: subscribers get every event in process; `log` receives one JSON line per event. */
export class InProcessBus extends EventEmitter implements EventPublisher {
  constructor(private readonly log?: (line: string) => void) {
    super();
    this.setMaxListeners(100);
  }

  async publish(events: RegistryEvent[]) {
    for (const event of events) {
      this.log?.(JSON.stringify(event));
      try {
        this.emit('event', event);
      } catch (e) {
        console.error('event subscriber failed', e);
      }
    }
  }

  /** Calls `listener` with every event published from now on; returns the unsubscribe function. */
  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.on('event', listener);
    return () => this.off('event', listener);
  }
}
