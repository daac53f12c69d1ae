/**
 * The store contract: every implementation of the storage interfaces in shared/store/ passes it
 * (test/store/memory.test.ts, test/store/dynamo-s3.test.ts, test/store/fs.test.ts). Each guarantee is one test, named as a sentence.
 */
import { blobContract } from './blobs.ts';
import { imageContract } from './images.ts';
import { layerContract } from './layers.ts';
import { lifecycleContract } from './lifecycle.ts';
import { partitionContract } from './partition.ts';
import { repositoryContract } from './repositories.ts';
import { registryContract } from './registry.ts';
import { scanContract } from './scans.ts';
import { templateContract } from './templates.ts';
import { gcContract } from './gc.ts';
import { pullThroughContract } from './pull-through.ts';
import type { ContractOptions, StoresFactory } from './stores.ts';

export type { ContractOptions, Stores, StoresFactory } from './stores.ts';

/** Declares the whole contract for the stores `factory` builds (a fresh set for each test). */
export function storeContract(factory: StoresFactory, options: ContractOptions = {}) {
  repositoryContract(factory);
  imageContract(factory);
  layerContract(factory);
  scanContract(factory);
  registryContract(factory);
  templateContract(factory);
  pullThroughContract(factory);
  lifecycleContract(factory);
  partitionContract(factory);
  gcContract(factory);
  blobContract(factory, options);
}
