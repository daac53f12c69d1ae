/**
 * The IAM actions of the ecr service, as AWS's service authorization reference lists them: one per API operation of
 * the model, and the permission-only actions of replication and the pull-through cache. Resource policies naming an
 * ecr: action outside this list are refused (shared/registry/policy.ts); test/unit/iam-actions.test.ts keeps it
 * equal to the model's operations.
 */

/** Actions that authorize no API operation of their own. */
export const PERMISSION_ONLY_ACTIONS = ['ReplicateImage', 'BatchImportUpstreamImage', 'GetImageCopyStatus'] as const;

/** The API operations, each authorized by the action of its name. */
export const OPERATION_ACTIONS = [
  'BatchCheckLayerAvailability',
  'BatchDeleteImage',
  'BatchGetImage',
  'BatchGetRepositoryScanningConfiguration',
  'CompleteLayerUpload',
  'CreatePullThroughCacheRule',
  'CreateRepository',
  'CreateRepositoryCreationTemplate',
  'DeleteLifecyclePolicy',
  'DeletePullThroughCacheRule',
  'DeleteRegistryPolicy',
  'DeleteRepository',
  'DeleteRepositoryCreationTemplate',
  'DeleteRepositoryPolicy',
  'DeleteSigningConfiguration',
  'DeregisterPullTimeUpdateExclusion',
  'DescribeImageReplicationStatus',
  'DescribeImageScanFindings',
  'DescribeImageSigningStatus',
  'DescribeImages',
  'DescribePullThroughCacheRules',
  'DescribeRegistry',
  'DescribeReplicationBackfillResults',
  'DescribeRepositories',
  'DescribeRepositoryCreationTemplates',
  'GetAccountSetting',
  'GetAuthorizationToken',
  'GetDownloadUrlForLayer',
  'GetLifecyclePolicy',
  'GetLifecyclePolicyPreview',
  'GetRegistryPolicy',
  'GetRegistryScanningConfiguration',
  'GetRepositoryPolicy',
  'GetSigningConfiguration',
  'InitiateLayerUpload',
  'ListImageReferrers',
  'ListImages',
  'ListPullTimeUpdateExclusions',
  'ListReplicationBackfills',
  'ListTagsForResource',
  'PutAccountSetting',
  'PutImage',
  'PutImageScanningConfiguration',
  'PutImageTagMutability',
  'PutLifecyclePolicy',
  'PutRegistryPolicy',
  'PutRegistryScanningConfiguration',
  'PutReplicationConfiguration',
  'PutSigningConfiguration',
  'RegisterPullTimeUpdateExclusion',
  'SetRepositoryPolicy',
  'StartImageScan',
  'StartLifecyclePolicyPreview',
  'StartReplicationBackfill',
  'StopReplicationBackfill',
  'TagResource',
  'UntagResource',
  'UpdateImageStorageClass',
  'UpdatePullThroughCacheRule',
  'UpdateRepositoryCreationTemplate',
  'UploadLayerPart',
  'ValidatePullThroughCacheRule',
] as const;

const known = new Set([...OPERATION_ACTIONS, ...PERMISSION_ONLY_ACTIONS].map((a) => `ecr:${a.toLowerCase()}`));

/** Whether `action` (`ecr:BatchGetImage`, in any case) is an ecr action IAM knows. */
export const isEcrAction = (action: string) => known.has(action.toLowerCase());
