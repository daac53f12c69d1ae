/**
 * AWS's managed policies for Amazon ECR, as AWS publishes them (docs.aws.amazon.com/aws-managed-policy/latest/
 * reference/<name>.html), by ARN. A principal of the principals file may name them instead of an inline document.
 */
import { parsePolicy, type Policy } from './policy.ts';

const READ = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:GetRepositoryPolicy',
  'ecr:DescribeRepositories',
  'ecr:ListImages',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:GetLifecyclePolicy',
  'ecr:GetLifecyclePolicyPreview',
  'ecr:ListTagsForResource',
  'ecr:DescribeImageScanFindings',
];

const allow = (actions: string[]) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

/** The documents, version by version as AWS publishes them today (ReadOnly v3, PullOnly v1, PowerUser v3, FullAccess: ecr:*). */
const DOCUMENTS: Record<string, object> = {
  AmazonEC2ContainerRegistryReadOnly: allow(READ),
  AmazonEC2ContainerRegistryPullOnly: allow(['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage']),
  AmazonEC2ContainerRegistryPowerUser: allow([...READ, 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage']),
  AmazonEC2ContainerRegistryFullAccess: allow(['ecr:*']),
};

export const MANAGED_POLICY_PREFIX = 'arn:aws:iam::aws:policy/';

const parsed = new Map(Object.entries(DOCUMENTS).map(([name, doc]) => [`${MANAGED_POLICY_PREFIX}${name}`, parsePolicy(doc)]));

/** The managed policy of that ARN, or undefined when it is not one of ECR's. */
export const managedPolicy = (arn: string): Policy | undefined => parsed.get(arn);

/** The ARNs of the managed policies known here. */
export const MANAGED_POLICY_ARNS = [...parsed.keys()];
