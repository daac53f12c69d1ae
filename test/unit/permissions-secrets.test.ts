/** What a function's role may read at cold start: the secret key's parameter, the principals document, their KMS key; exactly those. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deployedFunctions } from '../../infra/deploy/functions.ts';
import { PERMISSIONS, readsPrincipals, roleStatements, type ResourceRefs } from '../../infra/deploy/permissions.ts';
import { serverlessParts } from '../../infra/deploy/serverless-parts.ts';

const refs: ResourceRefs = { table: 't', bucket: 'b', eventBus: 'e', stateMachines: [], logGroups: ['l'], secretParameter: '/ecr/secret', secretKmsKey: '' };
const reads = (extra: Partial<ResourceRefs>) => roleStatements('auth', { ...refs, ...extra }).filter((s) => !s.Action[0].startsWith('logs:'));
const parameter = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` });
const secret = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-??????` });

describe('the reads of a role at cold start', () => {
  it('are the secret parameter alone without a principals document', () => {
    expect(reads({})).toEqual([{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [parameter('/ecr/secret')] }]);
  });

  it('add the principals secret, by name or by ARN, and the KMS key', () => {
    expect(reads({ iamSecretId: 'ecr/principals', secretKmsKey: 'arn:aws:kms:us-east-1:123456789012:key/k' })).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [parameter('/ecr/secret')] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secret('ecr/principals')] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:aws:kms:us-east-1:123456789012:key/k'] },
    ]);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr/principals-AbCdEf';
    expect(reads({ iamSecretId: arn })[1]).toEqual({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [arn] });
  });

  it('add the principals parameter, and the secret it references through SSM', () => {
    expect(reads({ iamParameter: '/ecr/principals' })).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [parameter('/ecr/secret'), parameter('/ecr/principals')] },
    ]);
    expect(reads({ secretParameter: '/aws/reference/secretsmanager/ecr/key', iamParameter: '/aws/reference/secretsmanager/ecr/principals' })).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: [parameter('/aws/reference/secretsmanager/ecr/key'), parameter('/aws/reference/secretsmanager/ecr/principals')],
      },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secret('ecr/key'), secret('ecr/principals')] },
    ]);
  });

  it('leave the principals document to the functions that authenticate callers or sign as the pusher: the other job functions can neither read it nor are told where it is', () => {
    // Prepare: signing-jobs decides signer:SignPayload with the pusher's identity policies, so it reads the document.
    const jobs = Object.keys(PERMISSIONS).filter((folder) => folder.endsWith('-jobs') && folder !== 'signing-jobs');
    expect(readsPrincipals('signing-jobs')).toBe(true);
    const options = { service: 's', stage: 't', domain: '', certificateArn: '', accessKeyId: 'k', secretParameter: '/ecr/secret', secretKmsKeyArn: '' };
    // Act
    const parts = serverlessParts({ ...options, iamSecretId: 'ecr/principals' }, join(import.meta.dirname, '..', '..'));
    // Assess
    expect(jobs).toEqual(['lifecycle-jobs', 'scanning-jobs', 'replication-jobs', 'gc-jobs']);
    for (const folder of Object.keys(PERMISSIONS)) {
      const read = roleStatements(folder, { ...refs, iamSecretId: 'ecr/principals' }).some((s) => s.Action.includes('secretsmanager:GetSecretValue'));
      expect(read, folder).toBe(!jobs.includes(folder));
      expect(readsPrincipals(folder), folder).toBe(!jobs.includes(folder));
    }
    expect(parts.environment).not.toHaveProperty('REGISTRY_IAM_SECRET_ID');
    for (const fn of deployedFunctions(join(import.meta.dirname, '..', '..'))) {
      const environment = (parts.functions[fn.name] as { environment?: Record<string, string> }).environment ?? {};
      expect(environment.REGISTRY_IAM_SECRET_ID, fn.name).toBe(jobs.includes(fn.folder) ? undefined : 'ecr/principals');
    }
  });
});
