/** Lambda of the layers group: layer availability, layer uploads in parts, and layer download URLs. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler } from '../../shared/protocol/ecr-handler.ts';
import * as layers from '../../shared/registry/layers.ts';

export const operations = {
  BatchCheckLayerAvailability: layers.batchCheckLayerAvailability,
  InitiateLayerUpload: layers.initiateLayerUpload,
  UploadLayerPart: layers.uploadLayerPart,
  CompleteLayerUpload: layers.completeLayerUpload,
  GetDownloadUrlForLayer: layers.getDownloadUrlForLayer,
};

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
