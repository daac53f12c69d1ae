/**
 * The web console in AWS: its static files (console/dist) in a private bucket of their own, read by CloudFront
 * through origin access control, behind the registry's own distribution on `/console/*`, so the page and the ECR
 * endpoint it signs for share one origin (no CORS). infra/deploy/resources.ts adds these to the stack; the files
 * are uploaded after a deploy (README, "Web console").
 */
import { CONSOLE_CSP, CONSOLE_PREFIX } from '../console.ts';

/** Logical ids of the console's resources. */
export const CONSOLE_IDS = {
  bucket: 'ConsoleBucket',
  bucketPolicy: 'ConsoleBucketPolicy',
  originAccess: 'ConsoleOriginAccessControl',
  headers: 'ConsoleResponseHeadersPolicy',
} as const;

// AWS managed CloudFront cache policy: cached, compressed, TTLs from the objects' Cache-Control.
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

/** The bucket, the policy letting only this distribution read it, the origin access control and the page's headers. */
export function consoleResources(stage: string, distributionId: string) {
  return {
    [CONSOLE_IDS.bucket]: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    },
    [CONSOLE_IDS.bucketPolicy]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: CONSOLE_IDS.bucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Action: 's3:GetObject',
              Resource: { 'Fn::Sub': `\${${CONSOLE_IDS.bucket}.Arn}${CONSOLE_PREFIX}*` },
              Condition: { StringEquals: { 'AWS:SourceArn': { 'Fn::Sub': `arn:aws:cloudfront::\${AWS::AccountId}:distribution/\${${distributionId}}` } } },
            },
          ],
        },
      },
    },
    [CONSOLE_IDS.originAccess]: {
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: {
        OriginAccessControlConfig: {
          Name: `serverless-ecr-${stage}-console`,
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        },
      },
    },
    [CONSOLE_IDS.headers]: {
      Type: 'AWS::CloudFront::ResponseHeadersPolicy',
      Properties: {
        ResponseHeadersPolicyConfig: {
          Name: `serverless-ecr-${stage}-console`,
          SecurityHeadersConfig: {
            ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CSP, Override: true },
            ContentTypeOptions: { Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
          },
        },
      },
    },
  };
}

/** The distribution's origin for the console's bucket. */
export const consoleOrigin = () => ({
  Id: 'console',
  DomainName: { 'Fn::GetAtt': [CONSOLE_IDS.bucket, 'RegionalDomainName'] },
  S3OriginConfig: { OriginAccessIdentity: '' },
  OriginAccessControlId: { 'Fn::GetAtt': [CONSOLE_IDS.originAccess, 'Id'] },
});

/** `/console/*` to the bucket: GET and HEAD only, cached as the objects say, no router function (not an ECR call). */
export const consoleBehavior = () => ({
  PathPattern: `${CONSOLE_PREFIX}*`,
  TargetOriginId: 'console',
  ViewerProtocolPolicy: 'https-only',
  AllowedMethods: ['GET', 'HEAD'],
  CachedMethods: ['GET', 'HEAD'],
  Compress: true,
  CachePolicyId: CACHING_OPTIMIZED,
  ResponseHeadersPolicyId: { Ref: CONSOLE_IDS.headers },
});
