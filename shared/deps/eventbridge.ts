/** The `events` part: registry events on the EventBridge bus EVENT_BUS_NAME names, or on an in-process bus without one. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Config } from '../config.ts';
import { EventBridgePublisher } from '../events/eventbridge.ts';
import { type EventPublisher, InProcessBus } from '../events/publisher.ts';

/** Builds the EventBridge publisher, or an in-process bus when no bus is configured. */
export function eventBridgeEvents(config: Config): EventPublisher {
  return config.eventBusName ? new EventBridgePublisher(new EventBridgeClient({ region: config.region }), config.eventBusName) : new InProcessBus();
}
