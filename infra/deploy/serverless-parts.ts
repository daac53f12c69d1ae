/**
 * The parts of serverless.yml derived from the code: functions with their routes, events and roles, the
 * shared environment, the state machines and the resources. serverless.yml loads them through
 * serverless-parts.cjs (`${file(...)}`), so a new group or task handler is deployed by existing.
 */
import { join } from 'node:path';
import { cloudFrontFunctionCode } from './cloudfront-function.ts';
import { deployedFunctions, deployedGroups, FEED_PREFIX, REGISTRY_BUS, type DeployedFunction } from './functions.ts';
import { readsPrincipals, roleStatements } from './permissions.ts';
import { IDS, resources } from './resources.ts';
import { normalizedName, stateMachines } from './state-machines.ts';

/** The deployment's parameters (serverless.yml `params`, set with `--param="name=value"`). */
export type DeployOptions = {
  service: string;
  stage: string;
  domain: string;
  certificateArn: string;
  accessKeyId: string;
  secretParameter: string;
  secretKmsKeyArn: string;
  /** The principals document's Secrets Manager secret ('' or absent: none). */
  iamSecretId?: string;
  /** The principals document's SSM parameter ('' or absent: none). */
  iamParameter?: string;
  /** The replication peers document's Secrets Manager secret ('' or absent: no destination is reachable). */
  peersSecretId?: string;
};

/** The full name serverless gives a function: <service>-<stage>-<name>. */
export const lambdaName = (o: DeployOptions, fn: string) => `${o.service}-${o.stage}-${fn}`;

/** The role of a function folder (shared by its entry points). */
export const roleId = (folder: string) => `${normalizedName(folder)}Role`;

const arn = (service: string, resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}` });

/** Every derived part of the serverless configuration for these options, from the project at `root`. */
export function serverlessParts(options: DeployOptions, root: string) {
  if (!options.secretParameter) throw new Error('the secretParameter parameter must name the SSM parameter holding the registry secret access key');
  if (options.iamSecretId && options.iamParameter)
    throw new Error('set at most one of the iamSecretId and iamParameter parameters: both name the principals document');
  const functions = deployedFunctions(root);
  const groups = deployedGroups(functions);
  if (!groups.length) throw new Error('no ECR group has a functions/<group>/handler.ts');
  const machines = stateMachines(join(root, 'infra'), [...new Set(functions.map((f) => f.folder))]);
  // Machine ARNs are spelled out rather than referenced: a task function may start the machine that runs it.
  const machinePrefix = `stateMachine:${options.service}-${options.stage}-`;
  const machineArns = machines.map((m) => arn('states', `${machinePrefix}${m.name}`));

  const roles: Record<string, unknown> = {};
  for (const folder of new Set(functions.map((f) => f.folder))) {
    const logGroups = functions.filter((f) => f.folder === folder).map((f) => arn('logs', `log-group:/aws/lambda/${lambdaName(options, f.name)}:*`));
    roles[roleId(folder)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: `${folder}-least-privilege`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: roleStatements(folder, {
                table: { 'Fn::GetAtt': [IDS.table, 'Arn'] },
                bucket: { 'Fn::GetAtt': [IDS.bucket, 'Arn'] },
                eventBus: { 'Fn::GetAtt': [IDS.eventBus, 'Arn'] },
                stateMachines: machineArns,
                logGroups,
                secretParameter: options.secretParameter,
                secretKmsKey: options.secretKmsKeyArn,
                iamSecretId: options.iamSecretId ?? '',
                iamParameter: options.iamParameter ?? '',
                peersSecretId: options.peersSecretId ?? '',
              }),
            },
          },
        ],
      },
    };
  }

  return {
    functions: Object.fromEntries(functions.map((fn) => [fn.name, functionConfig(fn, principalsEnvironment(options, fn))])),
    environment: {
      REGISTRY_ID: { Ref: 'AWS::AccountId' },
      TABLE_NAME: { Ref: IDS.table },
      BUCKET_NAME: { Ref: IDS.bucket },
      EVENT_BUS_NAME: { Ref: IDS.eventBus },
      STATE_MACHINE_ARN_PREFIX: arn('states', machinePrefix),
      REGISTRY_ACCESS_KEY_ID: options.accessKeyId,
      REGISTRY_SECRET_PARAMETER: options.secretParameter,
      ...(options.peersSecretId ? { REGISTRY_PEERS_SECRET_ID: options.peersSecretId } : {}),
      REGISTRY_PUBLIC_HOST: options.domain,
      REGISTRY_PUBLIC_SCHEME: 'https',
      // A Lambda takes and answers at most 6 MB (binary bodies base64-encoded): layer parts and OCI chunks of
      // 4 MiB, blobs downloaded from S3 through presigned URLs.
      LAYER_PART_SIZE: String(4 * 1024 * 1024),
      OCI_CHUNK_MAX_LENGTH: String(4 * 1024 * 1024),
      OCI_BLOB_DELIVERY: 'redirect',
      // The feed location: OSV exports uploaded to <bucket>/feeds/incoming/<Ecosystem>/all.zip.
      SCAN_FEED_S3_PREFIX: FEED_PREFIX,
    },
    stepFunctions: {
      validate: false,
      stateMachines: Object.fromEntries(
        machines.map((m) => [m.name, { id: m.id, name: `${options.service}-${options.stage}-${m.name}`, definition: m.definition }]),
      ),
    },
    resources: resources(
      { stage: options.stage, domain: options.domain, certificateArn: options.certificateArn, routerCode: cloudFrontFunctionCode(groups) },
      roles,
    ),
  };
}

/** The principals document's variable, for the functions that authenticate callers (infra/deploy/permissions.ts readsPrincipals). */
function principalsEnvironment(options: DeployOptions, fn: DeployedFunction): Record<string, string> {
  if (!readsPrincipals(fn.folder)) return {};
  return {
    ...(options.iamSecretId ? { REGISTRY_IAM_SECRET_ID: options.iamSecretId } : {}),
    ...(options.iamParameter ? { REGISTRY_IAM_PARAMETER: options.iamParameter } : {}),
  };
}

function functionConfig(fn: DeployedFunction, environment: Record<string, string>) {
  const describe = {
    ecr: `ECR operations of the ${fn.name} group`,
    oci: `OCI distribution API (${fn.name})`,
    task: `Jobs of functions/${fn.folder} (${fn.export})`,
  };
  return {
    handler: `${fn.entry}.${fn.export}`,
    role: roleId(fn.folder),
    description: describe[fn.kind],
    ...(Object.keys(environment).length ? { environment } : {}),
    ...fn.settings,
    ...(fn.files ? { package: { patterns: fn.files } } : {}),
    events: [
      ...fn.routes.map((route) => ({ httpApi: route })),
      ...fn.events.map((event) => JSON.parse(JSON.stringify(event), (_, v) => (v === REGISTRY_BUS ? { Ref: IDS.eventBus } : v))),
    ],
  };
}
