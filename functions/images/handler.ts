/** Lambda of the images group: storing, reading, listing and deleting images. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import model from '../../shared/model/groups/images.json' with { type: 'json' };
import { putImage } from '../../shared/registry/put-image.ts';
import { batchDeleteImage, batchGetImage } from '../../shared/registry/images.ts';
import { describeImages, listImages } from '../../shared/registry/image-listing.ts';
import { listImageReferrers } from '../../shared/registry/referrers.ts';
import { describeImageReplicationStatus } from '../../shared/registry/replication-status.ts';
import { describeImageSigningStatus } from '../../shared/signing/status.ts';
import { updateImageStorageClass } from '../../shared/registry/storage-class.ts';

export const operations = {
  PutImage: putImage,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  ListImages: listImages,
  DescribeImages: describeImages,
  ListImageReferrers: listImageReferrers,
  UpdateImageStorageClass: updateImageStorageClass,
  DescribeImageReplicationStatus: describeImageReplicationStatus,
  DescribeImageSigningStatus: describeImageSigningStatus,
} satisfies ModelOperations;

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs, events. */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ecrHandler(operations, model, deps);
export const handler = createHandler(fromEnv);
