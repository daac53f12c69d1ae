import { homedir } from 'node:os';
/**
 * `npm run package` once, then the CloudFormation template it wrote is checked against the code it was
 * derived from: functions, routes, the router function (run in a vm), storage, edge, state machines,
 * and that no secret or machine path was baked in. test/deploy/bundles.test.ts runs the bundles.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTES, TARGET_PREFIX } from '../../infra/routing.ts';
import { tableDefinition } from '../../infra/table.ts';
import { deployedFunctions, deployedGroups, FEED_PREFIX } from '../../infra/deploy/functions.ts';
import { normalizedName } from '../../infra/deploy/state-machines.ts';
import { extractDir, runPackage, unzip, type Packaged } from '../helpers/deploy.ts';
import { loadRouter, viewerEvent, type Router } from '../helpers/edge.ts';
import { roleStatements, routeTargets, resourcesOf } from '../helpers/template.ts';
import { roleId } from '../../infra/deploy/serverless-parts.ts';
import { SQL_JS } from '../../shared/scan/index/rpmdb.ts';
import { CONSOLE_SECURITY_HEADERS } from '../../infra/local/console.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const functions = deployedFunctions(ROOT);
const groups = deployedGroups(functions);
const SQL_FILES = [`node_modules/${SQL_JS.script}`, `node_modules/${SQL_JS.wasm}`];
const SECRET_IN_SHELL = `shell-secret-${process.pid}-${Date.now()}`;

let pkg: Packaged;
let router: Router;
let routes: Record<string, string>;

beforeAll(async () => {
  // A secret in the packaging shell must not leak into what is shipped.
  process.env.REGISTRY_SECRET_ACCESS_KEY = SECRET_IN_SHELL;
  try {
    pkg = await runPackage();
  } finally {
    delete process.env.REGISTRY_SECRET_ACCESS_KEY;
  }
  router = loadRouter(resourcesOf(pkg.template, 'AWS::CloudFront::Function')[0][1].Properties.FunctionCode);
  routes = routeTargets(pkg.template);
}, 180_000);

describe('npm run package', () => {
  it('builds one arm64 Node.js 24 Lambda per handler in functions/, each bundled and with a role of its own', () => {
    const lambdas = resourcesOf(pkg.template, 'AWS::Lambda::Function');
    expect(lambdas.map(([id]) => id).sort()).toEqual(functions.map((f) => `${normalizedName(f.name)}LambdaFunction`).sort());
    for (const fn of functions) {
      const props = pkg.template.Resources[`${normalizedName(fn.name)}LambdaFunction`].Properties;
      expect(fn.entry.startsWith(`functions/${fn.folder}/`)).toBe(true);
      expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: `${fn.entry}.${fn.export}` });
      // One role per folder: the entry points of a folder share it, no two folders do.
      expect(props.Role).toEqual({ 'Fn::GetAtt': [roleId(fn.folder), 'Arn'] });
    }
    expect(pkg.zips.map((z) => z.split('/').pop()).sort()).toEqual(functions.map((f) => `${f.name}.zip`).sort());
  });

  it('routes every ECR group that has a handler, and the OCI API split by method, to the right Lambda with payload 2.0', () => {
    const expected: Record<string, string> = {};
    for (const fn of functions) for (const route of fn.routes) expected[route] = `${normalizedName(fn.name)}LambdaFunction`;
    expect(routes).toEqual(expected);
    for (const group of groups) expect(routes[`POST /ecr/${group}`]).toBe(`${normalizedName(group)}LambdaFunction`);
    if (functions.some((f) => f.name === 'oci-pull')) {
      for (const method of ['GET', 'HEAD']) expect(routes[`${method} /v2/{proxy+}`]).toBe('OciDashpullLambdaFunction');
    }
    if (functions.some((f) => f.name === 'oci-push')) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(routes[`${method} /v2/{proxy+}`]).toBe('OciDashpushLambdaFunction');
    }
    for (const [, integration] of resourcesOf(pkg.template, 'AWS::ApiGatewayV2::Integration')) {
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
  });

  it('sends each of the 62 operations through the router to an API route whose Lambda serves its group', async () => {
    expect(Object.keys(ROUTES)).toHaveLength(62);
    for (const [operation, group] of Object.entries(ROUTES)) {
      const out = router(viewerEvent('POST', '/', { host: 'registry.example.com', 'x-amz-target': `${TARGET_PREFIX}${operation}` }));
      const servedBy = groups.includes(group) ? group : groups[0];
      expect(out.uri, operation).toBe(`/ecr/${servedBy}`);
      expect(routes[`POST ${out.uri}`], operation).toBe(`${normalizedName(servedBy)}LambdaFunction`);
      if (groups.includes(group)) {
        const module = await import(join(ROOT, 'functions', group, 'handler.ts'));
        expect(
          Object.keys(module.operations ?? {}).every((op) => ROUTES[op] === group),
          group,
        ).toBe(true);
      }
    }
  });

  it('routes unknown targets to a group that answers UnknownOperationException, and leaves other requests alone', () => {
    expect(router(viewerEvent('POST', '/', { host: 'r.example.com', 'x-amz-target': `${TARGET_PREFIX}NoSuchOperation` })).uri).toBe(`/ecr/${groups[0]}`);
    expect(router(viewerEvent('POST', '/', { host: 'r.example.com' })).uri).toBe(`/ecr/${groups[0]}`);
    expect(router(viewerEvent('POST', '/', { host: 'r.example.com', 'x-amz-target': 'DynamoDB_20120810.GetItem' })).uri).toBe(`/ecr/${groups[0]}`);
    expect(router(viewerEvent('GET', '/v2/team/app/manifests/v1', { host: 'r.example.com' })).uri).toBe('/v2/team/app/manifests/v1');
    expect(router(viewerEvent('POST', '/v2/team/app/blobs/uploads/', { host: 'r.example.com', 'x-amz-target': `${TARGET_PREFIX}ListImages` })).uri).toBe(
      '/v2/team/app/blobs/uploads/',
    );
  });

  it('passes on the Host the client signed in x-forwarded-host, replacing any the client sent', () => {
    const out = router(
      viewerEvent('POST', '/', { host: 'registry.example.com', 'x-forwarded-host': 'evil.example.com', 'x-amz-target': `${TARGET_PREFIX}ListImages` }),
    );
    expect(out.headers['x-forwarded-host']).toEqual({ value: 'registry.example.com' });
    const code: string = resourcesOf(pkg.template, 'AWS::CloudFront::Function')[0][1].Properties.FunctionCode;
    expect(Buffer.byteLength(code)).toBeLessThan(10 * 1024);
  });

  it('puts CloudFront with the router on viewer requests in front of the HTTP API, uncached, all methods, Host kept for the API', () => {
    const [[, distribution]] = resourcesOf(pkg.template, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig;
    expect(config.Origins[0].DomainName['Fn::Sub']).toContain('${HttpApi}.execute-api.');
    const behavior = config.DefaultCacheBehavior;
    expect(behavior.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(behavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    expect(behavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['TargetRouterFunction', 'FunctionARN'] } }]);
    expect(pkg.template.Conditions?.HasCustomDomain).toBeDefined();
  });

  it("serves the web console from a private bucket of its own on /console/* of the same distribution, read only by that distribution, with the local host's page headers", () => {
    const [[, distribution]] = resourcesOf(pkg.template, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig;
    expect(config.Origins[1]).toEqual({
      Id: 'console',
      DomainName: { 'Fn::GetAtt': ['ConsoleBucket', 'RegionalDomainName'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
      OriginAccessControlId: { 'Fn::GetAtt': ['ConsoleOriginAccessControl', 'Id'] },
    });
    expect(config.CacheBehaviors).toHaveLength(1);
    const [behavior] = config.CacheBehaviors;
    expect(behavior).toMatchObject({
      PathPattern: '/console/*',
      TargetOriginId: 'console',
      AllowedMethods: ['GET', 'HEAD'],
      ViewerProtocolPolicy: 'https-only',
    });
    expect(behavior.FunctionAssociations).toBeUndefined();
    const [[headersId, headers]] = resourcesOf(pkg.template, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    expect(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy).toEqual({
      ContentSecurityPolicy: CONSOLE_SECURITY_HEADERS['content-security-policy'],
      Override: true,
    });
    const [[, oac]] = resourcesOf(pkg.template, 'AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const bucket = resourcesOf(pkg.template, 'AWS::S3::Bucket').find(([id]) => id === 'ConsoleBucket')![1];
    expect(Object.values(bucket.Properties.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
    const policy = resourcesOf(pkg.template, 'AWS::S3::BucketPolicy').find(([id]) => id === 'ConsoleBucketPolicy')![1];
    expect(policy.Properties.Bucket).toEqual({ Ref: 'ConsoleBucket' });
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub
        Resource: { 'Fn::Sub': '${ConsoleBucket.Arn}/console/*' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub
        Condition: { StringEquals: { 'AWS:SourceArn': { 'Fn::Sub': 'arn:aws:cloudfront::${AWS::AccountId}:distribution/${Distribution}' } } },
      },
    ]);
    expect(Object.keys(pkg.template.Outputs ?? {})).toEqual(expect.arrayContaining(['ConsoleBucketName', 'ConsoleUrl']));
  });

  it('keeps metadata in an on-demand table with point-in-time recovery, TTL on expiresAt and the index the data model needs', () => {
    const [[, table]] = resourcesOf(pkg.template, 'AWS::DynamoDB::Table');
    const def = tableDefinition('x');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: def.KeySchema,
      AttributeDefinitions: def.AttributeDefinitions,
      GlobalSecondaryIndexes: def.GlobalSecondaryIndexes,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('keeps blobs in an encrypted private unversioned bucket whose only lifecycle rule aborts unfinished multipart uploads', () => {
    const buckets = resourcesOf(pkg.template, 'AWS::S3::Bucket').filter(([id]) => id === 'BlobBucket');
    const props = buckets[0][1].Properties;
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.VersioningConfiguration).toBeUndefined();
    expect(props.LifecycleConfiguration.Rules).toHaveLength(1);
    const [rule] = props.LifecycleConfiguration.Rules;
    expect(Object.keys(rule).sort()).toEqual(['AbortIncompleteMultipartUpload', 'Id', 'Prefix', 'Status']);
    expect(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation).toBeGreaterThan(1);
  });

  it('keeps each function’s logs for a bounded time and gives the functions the event bus and the table and bucket names', () => {
    const logGroups = resourcesOf(pkg.template, 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(functions.length);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
    expect(resourcesOf(pkg.template, 'AWS::Events::EventBus')).toHaveLength(1);
    for (const [, fn] of resourcesOf(pkg.template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        TABLE_NAME: { Ref: 'RegistryTable' },
        BUCKET_NAME: { Ref: 'BlobBucket' },
        EVENT_BUS_NAME: { Ref: 'RegistryEventBus' },
        REGISTRY_SECRET_PARAMETER: '/serverless-ecr/dev/secret-access-key',
      });
    }
  });

  it('gives each function a role naming its actions and resources: no * action, no * resource, only its own log group', () => {
    for (const folder of new Set(functions.map((f) => f.folder))) {
      const statements = roleStatements(pkg.template, roleId(folder));
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of statement.Action) expect(action, folder).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
        for (const resource of statement.Resource) expect(resource, folder).not.toBe('*');
      }
      const logs = statements.find((s) => s.Action.includes('logs:PutLogEvents'))!;
      const own = functions
        .filter((f) => f.folder === folder)
        .map((f) => `arn:${'${AWS::Partition}'}:logs:${'${AWS::Region}'}:${'${AWS::AccountId}'}:log-group:/aws/lambda/serverless-ecr-dev-${f.name}:*`);
      expect(logs.Resource.map((r: any) => r['Fn::Sub'])).toEqual(own);
      expect(
        statements
          .flatMap((s) => s.Action)
          .filter((a) => a.startsWith('logs:'))
          .sort(),
      ).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    }
    // The state machines' roles (from serverless-step-functions) may invoke their task Lambdas only.
    for (const [id, role] of resourcesOf(pkg.template, 'AWS::IAM::Role').filter(([id]) => id.endsWith('StateMachineRole'))) {
      for (const statement of roleStatements(pkg.template, id)) {
        expect(statement.Action, id).toEqual(['lambda:InvokeFunction']);
        for (const resource of statement.Resource) expect(JSON.stringify(resource), id).toMatch(/LambdaFunction/);
      }
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service)).toContain('states.');
    }
  });

  it('lets the images group use the table and its index, the bucket’s objects and the event bus, and nothing else', () => {
    const statements = roleStatements(pkg.template, 'ImagesRole');
    const table = statements.find((s) => s.Action.some((a) => a.startsWith('dynamodb:')))!;
    expect(table.Action.sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(table.Resource).toEqual([
      { 'Fn::GetAtt': ['RegistryTable', 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['RegistryTable', 'Arn'] }, '/index/gsi1']] },
    ]);
    const bucket = statements.find((s) => s.Action.some((a) => a.startsWith('s3:')))!;
    expect(bucket).toEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['BlobBucket', 'Arn'] }, '/*']] }],
    });
    expect(statements.find((s) => s.Action.includes('events:PutEvents'))!.Resource).toEqual([{ 'Fn::GetAtt': ['RegistryEventBus', 'Arn'] }]);
    expect(statements.find((s) => s.Action.includes('ssm:GetParameter'))!.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/serverless-ecr/dev/secret-access-key' },
    ]);
    // The pull through cache credentials, for a BatchGetImage that imports from upstream.
    expect(statements.find((s) => s.Action.includes('secretsmanager:GetSecretValue'))!.Resource).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:ecr-pullthroughcache/*` },
    ]);
    expect(statements).toHaveLength(6);
    // GetAuthorizationToken touches no data at all.
    expect(
      roleStatements(pkg.template, 'AuthRole')
        .flatMap((s) => s.Action)
        .sort(),
    ).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']);
  });

  it('deploys every infra/*.asl.json as a state machine that passes asl-validator', () => {
    const aslFiles = readdirSync(join(ROOT, 'infra')).filter((f) => f.endsWith('.asl.json'));
    const machines = resourcesOf(pkg.template, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(aslFiles.length);
    const validate = createRequire(import.meta.url)('asl-validator');
    for (const [id, machine] of machines) {
      const definition = machine.Properties.DefinitionString;
      // serverless-step-functions writes Fn::Sub [json, {name: ref}]: give each reference a real-looking ARN.
      const json: string = typeof definition === 'string' ? definition : definition['Fn::Sub'][0];
      const text = json.replace(/\$\{[^}]+\}/g, 'arn:aws:lambda:us-east-1:123456789012:function:task');
      const { isValid, errorsText } = validate(JSON.parse(text));
      expect(isValid, `${id}: ${errorsText?.()}`).toBe(true);
      // Every task placeholder was wired to a deployed Lambda, none left for Step Functions to choke on.
      expect(json).not.toMatch(/FunctionArn\}/);
      for (const ref of Object.values<any>(typeof definition === 'string' ? {} : definition['Fn::Sub'][1])) {
        expect(pkg.template.Resources[ref['Fn::GetAtt'][0]].Type, id).toBe('AWS::Lambda::Function');
      }
      expect(machine.Properties.StateMachineName).toMatch(/^serverless-ecr-dev-/);
    }
  });

  it('invokes the task handlers’ other entry points from an EventBridge rule on the registry bus or a schedule', () => {
    const rules = resourcesOf(pkg.template, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    const triggered = functions.filter((f) => f.events.length);
    expect(rules).toHaveLength(triggered.reduce((n, f) => n + f.events.length, 0));
    for (const fn of triggered) {
      const target = `${normalizedName(fn.name)}LambdaFunction`;
      const mine = rules.filter((r) => r.Targets.some((t: any) => t.Arn['Fn::GetAtt'][0] === target));
      expect(mine, fn.name).toHaveLength(fn.events.length);
      for (const rule of mine) {
        if (rule.EventPattern)
          expect(rule).toMatchObject({
            EventBusName: { Ref: 'RegistryEventBus' },
            EventPattern: { source: ['serverless-ecr'], 'detail-type': ['ECR Image Action'] },
          });
        else expect(rule.ScheduleExpression).toMatch(/^rate\(/);
      }
    }
  });

  it('ships sql.js as files beside the scan tasks bundle only, and each entry point of a folder in a bundle of its own', async () => {
    // Act
    const listed: Record<string, string[]> = {};
    for (const fn of functions.filter((f) => f.folder === 'scanning-jobs')) {
      listed[fn.name] = await unzip(pkg.zips.find((z) => z.endsWith(`/${fn.name}.zip`))!, extractDir());
    }
    // Assess
    expect(listed['scanning-jobs']).toEqual(expect.arrayContaining(['functions/scanning-jobs/handler.mjs', ...SQL_FILES]));
    expect(listed['scanning-jobs-on-push']).toContain('functions/scanning-jobs/on-push.mjs');
    expect(listed['scanning-jobs-feed-import']).toContain('functions/scanning-jobs/feed-import.mjs');
    for (const name of ['scanning-jobs-on-push', 'scanning-jobs-feed-import']) {
      expect(
        listed[name].filter((f) => SQL_FILES.includes(f) || f.endsWith('/handler.mjs')),
        name,
      ).toEqual([]);
    }
  });

  it('imports the vulnerability feed hourly from the feed prefix of the bucket, with the time, memory and /tmp it needs and a listing of that prefix only', () => {
    const id = `${normalizedName('scanning-jobs-feed-import')}LambdaFunction`;
    const props = pkg.template.Resources[id].Properties;
    expect(props).toMatchObject({
      Handler: 'functions/scanning-jobs/feed-import.onFeedSchedule',
      Timeout: 900,
      MemorySize: 3008,
      EphemeralStorage: { Size: 10240 },
    });
    expect(props.Environment.Variables.SCAN_FEED_S3_PREFIX).toBe(FEED_PREFIX);
    const rules = resourcesOf(pkg.template, 'AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((r) => r.Targets.some((t: any) => t.Arn['Fn::GetAtt'][0] === id));
    expect(rules.map((r) => r.ScheduleExpression)).toEqual(['rate(1 hour)']);
    const statements = roleStatements(pkg.template, roleId('scanning-jobs'));
    expect(statements.find((s) => s.Action.includes('s3:ListBucket'))).toEqual({
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [{ 'Fn::GetAtt': ['BlobBucket', 'Arn'] }],
      Condition: { StringLike: { 's3:prefix': [`${FEED_PREFIX}*`] } },
    });
    expect(statements.find((s) => s.Action.includes('s3:GetObject'))!.Resource).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['BlobBucket', 'Arn'] }, '/*']] },
    ]);
    // No other role may list the bucket.
    for (const folder of new Set(functions.map((f) => f.folder))) {
      if (folder !== 'scanning-jobs')
        expect(
          roleStatements(pkg.template, roleId(folder)).flatMap((s) => s.Action),
          folder,
        ).not.toContain('s3:ListBucket');
    }
  });

  it('bakes no secret and no path of the packaging machine into the template or the bundles', async () => {
    const shipped = [join(pkg.dir, 'cloudformation-template-update-stack.json'), join(pkg.dir, 'cloudformation-template-create-stack.json')];
    for (const zip of pkg.zips) {
      const dir = extractDir();
      shipped.push(...(await unzip(zip, dir)).map((f) => join(dir, f)));
    }
    expect(shipped.filter((f) => f.endsWith('.mjs'))).toHaveLength(functions.length);
    for (const file of shipped) {
      if (!existsSync(file) || statSync(file).isDirectory()) continue;
      const text = readFileSync(file, 'utf8');
      // This machine's paths (the repository, the home folder), not a library's own literals such as emscripten's /home/web_user.
      for (const needle of [process.cwd(), `${homedir()}/`, '/work/', SECRET_IN_SHELL, 'REGISTRY_SECRET_ACCESS_KEY":']) {
        expect(text.includes(needle), `${needle} in ${file.split('/').slice(-2).join('/')}`).toBe(false);
      }
      // A key id as a token of its own (inside base64, such as sql.js's inlined wasm, the letters can occur by chance).
      expect(text).not.toMatch(/(?<![A-Za-z0-9+/=])AKIA[0-9A-Z]{16}(?![A-Za-z0-9+/=])/);
    }
  });
});
