/** Lambda of the images group: storing, reading, listing and deleting images. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { ecrHandler, type ModelOperations } from '../../shared/protocol/ecr-handler.ts';
import { putImage } from '../../shared/registry/put-image.ts';
import { batchDeleteImage, batchGetImage } from '../../shared/registry/images.ts';
import { describeImages, listImages } from '../../shared/registry/image-listing.ts';
import { listImageReferrers } from '../../shared/registry/referrers.ts';
import { updateImageStorageClass } from '../../shared/registry/storage-class.ts';

export const operations = {
  PutImage: putImage,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  ListImages: listImages,
  DescribeImages: describeImages,
  ListImageReferrers: listImageReferrers,
  UpdateImageStorageClass: updateImageStorageClass,
} satisfies ModelOperations;

export const createHandler = (deps: () => Deps) => ecrHandler(operations, deps);
export const handler = createHandler(depsFromEnv);
