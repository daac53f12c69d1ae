/** Lambda of the scanning group: image scans and their findings, scanning configuration, account settings. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { sfnJobs } from '../../shared/deps/sfn.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/scanning.json' with { type: 'json' };
import { describeImageScanFindings, startImageScan } from '../../shared/scan/operations.ts';
import * as configuration from '../../shared/scan/configuration.ts';
import * as settings from '../../shared/registry/account-settings.ts';

export const operations = {
  StartImageScan: startImageScan,
  DescribeImageScanFindings: describeImageScanFindings,
  BatchGetRepositoryScanningConfiguration: configuration.batchGetRepositoryScanningConfiguration,
  GetRegistryScanningConfiguration: configuration.getRegistryScanningConfiguration,
  PutRegistryScanningConfiguration: configuration.putRegistryScanningConfiguration,
  GetAccountSetting: settings.getAccountSetting,
  PutAccountSetting: settings.putAccountSetting,
} satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs, events, jobs. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents, jobs: sfnJobs };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
