/** Lambda of the scanning group: image scans and their findings, scanning configuration, account settings. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import { describeImageScanFindings, startImageScan } from '../../shared/scan/operations.ts';
import * as configuration from '../../shared/scan/configuration.ts';

export const operations = {
  StartImageScan: startImageScan,
  DescribeImageScanFindings: describeImageScanFindings,
  BatchGetRepositoryScanningConfiguration: configuration.batchGetRepositoryScanningConfiguration,
  GetRegistryScanningConfiguration: configuration.getRegistryScanningConfiguration,
  PutRegistryScanningConfiguration: configuration.putRegistryScanningConfiguration,
  GetAccountSetting: configuration.getAccountSetting,
  PutAccountSetting: configuration.putAccountSetting,
} satisfies ModelOperations;

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
