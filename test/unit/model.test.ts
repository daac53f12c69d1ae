import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel, SOURCE, TARGET } from '../../scripts/gen-model.ts';
import { ROUTES, groupForTarget } from '../../infra/routing.ts';

const committed = JSON.parse(readFileSync(TARGET, 'utf8'));

describe('the generated model and the routing table', () => {
  it.runIf(existsSync(SOURCE))('the committed model is what the generator makes from the Smithy model', () => {
    expect(buildModel(JSON.parse(readFileSync(SOURCE, 'utf8')))).toEqual(committed);
  });

  it('the model has the 58 operations of the ECR API', () => {
    expect(Object.keys(committed.operations)).toHaveLength(58);
  });

  it('routes exactly the operations of the model, each to one group', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(Object.keys(committed.operations).sort());
  });

  it('reads the group from an X-Amz-Target header and refuses unknown targets', () => {
    expect(groupForTarget('AmazonEC2ContainerRegistry_V20150921.PutImage')).toEqual({ operation: 'PutImage', group: 'images' });
    expect(groupForTarget('AmazonEC2ContainerRegistry_V20150921.toString')).toBeUndefined();
    expect(groupForTarget('Other.PutImage')).toBeUndefined();
  });
});
