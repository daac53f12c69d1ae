/** Lambda of the layers group: layer availability, layer uploads in parts, and layer download URLs. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import * as layers from '../../shared/registry/layers.ts';

export const operations = {
  BatchCheckLayerAvailability: layers.batchCheckLayerAvailability,
  InitiateLayerUpload: layers.initiateLayerUpload,
  UploadLayerPart: layers.uploadLayerPart,
  CompleteLayerUpload: layers.completeLayerUpload,
  GetDownloadUrlForLayer: layers.getDownloadUrlForLayer,
} satisfies ModelOperations;

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
