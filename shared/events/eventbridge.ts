/** EventPublisher on Amazon EventBridge (AWS mode). */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, RegistryEvent } from './publisher.ts';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: RegistryEvent[]) {
    for (let i = 0; i < events.length; i += 10) {
      try {
        await this.client.send(
          new PutEventsCommand({
            Entries: events.slice(i, i + 10).map((e) => ({
              EventBusName: this.busName,
              // EventBridge reserves the aws.* sources for AWS itself: ours carry the same detail under our own source.
              Source: 'serverless-ecr',
              DetailType: e['detail-type'],
              Detail: JSON.stringify(e.detail),
              Resources: e.resources,
              Time: new Date(e.time),
            })),
          }),
        );
      } catch (err) {
        console.error('EventBridge PutEvents failed', err);
      }
    }
  }
}
