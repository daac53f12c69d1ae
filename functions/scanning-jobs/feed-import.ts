/**
 * Lambda of the hourly feed import schedule: reads the OSV exports under SCAN_FEED_S3_PREFIX in the registry's
 * bucket when they changed, then re-matches continuous scans. Enters the domain as the `scan` service actor.
 */
import { randomUUID } from 'node:crypto';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { serviceActor } from '../../shared/domain/actor.ts';
import { runConfiguredFeedImport } from '../../shared/scan/feed/job.ts';

/** The clients this entry point builds: stores, blobs (exports and shards), events (re-matched scan results). */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents };
const fromEnv = lambdaDeps(parts);

/** Imports the feed location when it changed (`{"force": true}` re-imports it). */
export const onFeedSchedule = async (event?: { force?: boolean }) => {
  const deps = fromEnv();
  return runConfiguredFeedImport(deps, serviceActor(deps.config, 'scan', randomUUID()), { force: event?.force === true });
};
