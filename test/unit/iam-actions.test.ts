/** The ecr actions IAM knows (shared/iam/actions.ts) against the model's operations and the routing table. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../infra/routing.ts';
import { isEcrAction, OPERATION_ACTIONS } from '../../shared/iam/actions.ts';

const model = JSON.parse(readFileSync('shared/model/ecr-model.json', 'utf8')) as { operations: Record<string, unknown> };

describe('the ecr actions', () => {
  it('are one per operation of the model, the routing table having the same', () => {
    expect([...OPERATION_ACTIONS].sort()).toEqual(Object.keys(model.operations).sort());
    expect([...OPERATION_ACTIONS].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('are known in any case, with the permission-only actions, and nothing else is', () => {
    expect(isEcrAction('ecr:BatchGetImage')).toBe(true);
    expect(isEcrAction('ECR:batchgetimage')).toBe(true);
    expect(isEcrAction('ecr:ReplicateImage')).toBe(true);
    expect(isEcrAction('ecr:BatchImportUpstreamImage')).toBe(true);
    expect(isEcrAction('ecr:FlyToTheMoon')).toBe(false);
    expect(isEcrAction('s3:GetObject')).toBe(false);
  });
});
