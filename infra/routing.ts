/**
 * The one routing table: every ECR operation (62, as in shared/model/ecr-model.json) and the operation
 * group (one Lambda each) that serves it. The local host's dispatch, the deployment's routes and the
 * tests that check every operation has a handler are all derived from this table.
 */
export const GROUPS = ['repositories', 'images', 'layers', 'auth', 'lifecycle', 'scanning', 'registry', 'cache'] as const;
export type Group = (typeof GROUPS)[number];

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export const ROUTES: Readonly<Record<string, Group>> = {
  // repositories
  CreateRepository: 'repositories',
  DescribeRepositories: 'repositories',
  DeleteRepository: 'repositories',
  PutImageTagMutability: 'repositories',
  PutImageScanningConfiguration: 'repositories',
  TagResource: 'repositories',
  UntagResource: 'repositories',
  ListTagsForResource: 'repositories',
  SetRepositoryPolicy: 'repositories',
  GetRepositoryPolicy: 'repositories',
  DeleteRepositoryPolicy: 'repositories',
  // images
  PutImage: 'images',
  BatchGetImage: 'images',
  BatchDeleteImage: 'images',
  ListImages: 'images',
  DescribeImages: 'images',
  ListImageReferrers: 'images',
  UpdateImageStorageClass: 'images',
  DescribeImageReplicationStatus: 'images',
  DescribeImageSigningStatus: 'images',
  // layers
  BatchCheckLayerAvailability: 'layers',
  InitiateLayerUpload: 'layers',
  UploadLayerPart: 'layers',
  CompleteLayerUpload: 'layers',
  GetDownloadUrlForLayer: 'layers',
  // auth
  GetAuthorizationToken: 'auth',
  // lifecycle
  PutLifecyclePolicy: 'lifecycle',
  GetLifecyclePolicy: 'lifecycle',
  DeleteLifecyclePolicy: 'lifecycle',
  StartLifecyclePolicyPreview: 'lifecycle',
  GetLifecyclePolicyPreview: 'lifecycle',
  // scanning
  StartImageScan: 'scanning',
  DescribeImageScanFindings: 'scanning',
  BatchGetRepositoryScanningConfiguration: 'scanning',
  GetRegistryScanningConfiguration: 'scanning',
  PutRegistryScanningConfiguration: 'scanning',
  GetAccountSetting: 'scanning',
  PutAccountSetting: 'scanning',
  // registry
  DescribeRegistry: 'registry',
  PutRegistryPolicy: 'registry',
  GetRegistryPolicy: 'registry',
  DeleteRegistryPolicy: 'registry',
  PutReplicationConfiguration: 'registry',
  PutSigningConfiguration: 'registry',
  GetSigningConfiguration: 'registry',
  DeleteSigningConfiguration: 'registry',
  RegisterPullTimeUpdateExclusion: 'registry',
  DeregisterPullTimeUpdateExclusion: 'registry',
  ListPullTimeUpdateExclusions: 'registry',
  StartReplicationBackfill: 'registry',
  StopReplicationBackfill: 'registry',
  DescribeReplicationBackfillResults: 'registry',
  ListReplicationBackfills: 'registry',
  // cache: pull-through cache rules and repository creation templates
  CreatePullThroughCacheRule: 'cache',
  DescribePullThroughCacheRules: 'cache',
  DeletePullThroughCacheRule: 'cache',
  UpdatePullThroughCacheRule: 'cache',
  ValidatePullThroughCacheRule: 'cache',
  CreateRepositoryCreationTemplate: 'cache',
  DescribeRepositoryCreationTemplates: 'cache',
  DeleteRepositoryCreationTemplate: 'cache',
  UpdateRepositoryCreationTemplate: 'cache',
};

/** The operation an `X-Amz-Target` header value names (known or not), or undefined when it is not ECR's. */
export function operationOfTarget(target: string | undefined): string | undefined {
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/** The group serving an `X-Amz-Target` header value, or undefined for an unknown target. */
export function groupForTarget(target: string | undefined): { operation: string; group: Group } | undefined {
  const operation = operationOfTarget(target);
  if (operation === undefined) return undefined;
  const group = Object.hasOwn(ROUTES, operation) ? ROUTES[operation] : undefined;
  return group ? { operation, group } : undefined;
}
