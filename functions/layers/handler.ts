/** Lambda of the layers group: layer availability, layer uploads in parts, and layer download URLs. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/layers.json' with { type: 'json' };
import * as layers from '../../shared/registry/layers.ts';

export const operations = {
  BatchCheckLayerAvailability: layers.batchCheckLayerAvailability,
  InitiateLayerUpload: layers.initiateLayerUpload,
  UploadLayerPart: layers.uploadLayerPart,
  CompleteLayerUpload: layers.completeLayerUpload,
  GetDownloadUrlForLayer: layers.getDownloadUrlForLayer,
} satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
