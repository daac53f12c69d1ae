/**
 * The CloudFormation resources around the Lambdas: the table (from infra/table.ts), the blob bucket, the
 * event bus, the CloudFront distribution with its X-Amz-Target router function (and the web console's bucket
 * behind it on /console/*: infra/deploy/console.ts), and the outputs.
 * serverless.yml takes them through infra/deploy/serverless-parts.ts.
 */
import { tableDefinition, TTL_ATTRIBUTE } from '../table.ts';
import { CONSOLE_IDS, consoleBehavior, consoleOrigin, consoleResources } from './console.ts';

/** Logical ids other parts refer to. */
export const IDS = {
  table: 'RegistryTable',
  bucket: 'BlobBucket',
  eventBus: 'RegistryEventBus',
  router: 'TargetRouterFunction',
  distribution: 'Distribution',
  httpApi: 'HttpApi',
} as const;

/** Days after which S3 aborts an unfinished multipart upload: longer than an upload stays resumable (UPLOAD_TTL_SECONDS, 1 day). */
export const ABORT_MULTIPART_AFTER_DAYS = 2;

// AWS managed CloudFront policies: no caching (every call is signed and unique); every viewer header
// but Host to the origin (API Gateway needs its own Host; the router copies the viewer's to x-forwarded-host).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

export type ResourceOptions = { stage: string; domain: string; certificateArn: string; routerCode: string };

const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } as const;

/** The table as a CloudFormation resource: on demand, point-in-time recovery, TTL on expiresAt, its GSIs. */
export function tableResource() {
  const def = tableDefinition('unused');
  return {
    Type: 'AWS::DynamoDB::Table',
    ...RETAIN,
    Properties: {
      BillingMode: def.BillingMode,
      AttributeDefinitions: def.AttributeDefinitions,
      KeySchema: def.KeySchema,
      GlobalSecondaryIndexes: def.GlobalSecondaryIndexes,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      SSESpecification: { SSEEnabled: true },
    },
  };
}

/** The blob bucket: encrypted, private, unversioned; only unfinished multipart uploads are ever cleaned by rule. */
export function bucketResources() {
  return {
    [IDS.bucket]: {
      Type: 'AWS::S3::Bucket',
      ...RETAIN,
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        // Completed blobs stay under uploads/<id>/data: no rule may expire objects, only abort unfinished uploads.
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'AbortIncompleteMultipartUploads',
              Status: 'Enabled',
              Prefix: '',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS },
            },
          ],
        },
      },
    },
    BlobBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: IDS.bucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [{ 'Fn::GetAtt': [IDS.bucket, 'Arn'] }, { 'Fn::Sub': `\${${IDS.bucket}.Arn}/*` }],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

/** CloudFront in front of the HTTP API, running the router on every viewer request. */
export function edgeResources(options: ResourceOptions) {
  return {
    [IDS.router]: {
      Type: 'AWS::CloudFront::Function',
      Properties: {
        Name: `serverless-ecr-${options.stage}-target-router`,
        AutoPublish: true,
        FunctionConfig: { Comment: 'Rewrites POST / to /ecr/<group> by X-Amz-Target (generated from infra/routing.ts)', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: options.routerCode,
      },
    },
    [IDS.distribution]: {
      Type: 'AWS::CloudFront::Distribution',
      Properties: {
        DistributionConfig: {
          Enabled: true,
          Comment: `serverless-ecr ${options.stage}`,
          HttpVersion: 'http2and3',
          PriceClass: 'PriceClass_100',
          Aliases: { 'Fn::If': ['HasCustomDomain', [options.domain], { Ref: 'AWS::NoValue' }] },
          ViewerCertificate: {
            'Fn::If': [
              'HasCustomDomain',
              { AcmCertificateArn: options.certificateArn, SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' },
              { CloudFrontDefaultCertificate: true },
            ],
          },
          Origins: [
            {
              Id: 'api',
              DomainName: { 'Fn::Sub': `\${${IDS.httpApi}}.execute-api.\${AWS::Region}.amazonaws.com` },
              CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'], OriginReadTimeout: 30 },
            },
            consoleOrigin(),
          ],
          CacheBehaviors: [consoleBehavior()],
          DefaultCacheBehavior: {
            TargetOriginId: 'api',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
            CachedMethods: ['GET', 'HEAD'],
            Compress: false,
            CachePolicyId: CACHING_DISABLED,
            OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
            FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [IDS.router, 'FunctionARN'] } }],
          },
        },
      },
    },
  };
}

/** Everything but the roles and the Lambdas, with the conditions and outputs. */
export function resources(options: ResourceOptions, roles: Record<string, unknown>) {
  return {
    Conditions: {
      HasCustomDomain: { 'Fn::Not': [{ 'Fn::Equals': [options.domain, ''] }] },
    },
    Resources: {
      [IDS.table]: tableResource(),
      ...bucketResources(),
      [IDS.eventBus]: { Type: 'AWS::Events::EventBus', Properties: { Name: `serverless-ecr-${options.stage}` } },
      ...edgeResources(options),
      ...consoleResources(options.stage, IDS.distribution),
      ...roles,
    },
    Outputs: {
      RegistryEndpoint: {
        Description: 'The endpoint ECR clients use (--endpoint-url) and the registry host for docker-style clients',
        Value: { 'Fn::If': ['HasCustomDomain', `https://${options.domain}`, { 'Fn::Sub': `https://\${${IDS.distribution}.DomainName}` }] },
      },
      DistributionDomainName: { Description: 'Point the custom domain (CNAME or alias) here', Value: { 'Fn::GetAtt': [IDS.distribution, 'DomainName'] } },
      TableName: { Value: { Ref: IDS.table } },
      BucketName: { Value: { Ref: IDS.bucket } },
      EventBusName: { Value: { Ref: IDS.eventBus } },
      ConsoleBucketName: { Description: 'Upload console/dist here under console/ (README, "Web console")', Value: { Ref: CONSOLE_IDS.bucket } },
      ConsoleUrl: {
        Description: 'The web console',
        Value: {
          'Fn::If': [
            'HasCustomDomain',
            `https://${options.domain}/console/index.html`,
            { 'Fn::Sub': `https://\${${IDS.distribution}.DomainName}/console/index.html` },
          ],
        },
      },
    },
  };
}
