import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateInput, type Model } from '../../shared/protocol/validate.ts';
import whole from '../../shared/model/ecr-model.json' with { type: 'json' };
import { ROUTES } from '../../infra/routing.ts';
import { groupTarget } from '../../scripts/gen-model.ts';

/**
 * Validates against the whole model and against the slice of the operation's group (what its Lambda bundles),
 * checks both give the same outcome, and returns (or throws) it.
 */
function validate(operation: string, input: unknown): Record<string, any> {
  const slice = JSON.parse(readFileSync(groupTarget(ROUTES[operation]), 'utf8')) as Model;
  const outcome = (model: Model) => {
    try {
      return { value: validateInput(model, operation, input) };
    } catch (e) {
      return { error: e as Error };
    }
  };
  const fromWhole = outcome(whole);
  const fromSlice = outcome(slice);
  expect(fromSlice.value).toEqual(fromWhole.value);
  expect([fromSlice.error?.name, fromSlice.error?.message]).toEqual([fromWhole.error?.name, fromWhole.error?.message]);
  if (fromWhole.error) throw fromWhole.error;
  return fromWhole.value!;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('validation from the model', () => {
  it('accepts a valid input and decodes a blob into bytes', () => {
    const out = validate('UploadLayerPart', {
      repositoryName: 'a/b',
      uploadId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      partFirstByte: 0,
      partLastByte: 2,
      layerPartBlob: Buffer.from('abc').toString('base64'),
    });
    expect(Buffer.isBuffer(out.layerPartBlob)).toBe(true);
    expect(out.layerPartBlob.toString()).toBe('abc');
  });

  it('words a pattern violation as ECR does for an operation without ValidationException', () => {
    const e = thrown(() => validate('CreateRepository', { repositoryName: 'Bad_Name!' }));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe(
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*''",
    );
  });

  it('names a missing required member', () => {
    const e = thrown(() => validate('DescribeImages', {}));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'Member must not be null'");
  });

  it('checks ranges, list lengths and enums, naming nested members', () => {
    expect(thrown(() => validate('ListImages', { repositoryName: 'ab', maxResults: 0 })).message).toContain(
      "'maxResults' failed to satisfy constraint: 'Member must have value greater than or equal to 1'",
    );
    expect(thrown(() => validate('BatchGetImage', { repositoryName: 'ab', imageIds: [] })).message).toContain(
      "'imageIds' failed to satisfy constraint: 'Member must have length greater than or equal to 1'",
    );
    expect(thrown(() => validate('ListImages', { repositoryName: 'ab', filter: { tagStatus: 'SOME' } })).message).toContain(
      "'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'",
    );
    expect(thrown(() => validate('BatchGetImage', { repositoryName: 'ab', imageIds: [{ imageTag: '' }] })).message).toContain("'imageIds.1.member.imageTag'");
  });

  it('uses the AWS validation wording, counting every violation, where the model lists ValidationException', () => {
    const e = thrown(() => validate('CreatePullThroughCacheRule', { ecrRepositoryPrefix: 'x', upstreamRegistryUrl: '' }));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(/^\d+ validation errors? detected: Value '.*' at '.*' failed to satisfy constraint: Member must/);
  });

  it('answers SerializationException for a value of the wrong JSON type', () => {
    expect(thrown(() => validate('ListImages', { repositoryName: 'ab', maxResults: '10' })).name).toBe('SerializationException');
    expect(thrown(() => validate('ListImages', { repositoryName: 5 })).name).toBe('SerializationException');
  });
});

describe('blob decoding', () => {
  it('refuses text that is not base64 with SerializationException', () => {
    const input = (blob: string) => ({
      repositoryName: 'ab',
      uploadId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      partFirstByte: 0,
      partLastByte: 0,
      layerPartBlob: blob,
    });
    expect(thrown(() => validate('UploadLayerPart', input('ab!d'))).name).toBe('SerializationException');
    expect(thrown(() => validate('UploadLayerPart', input('abc'))).name).toBe('SerializationException');
    expect(validate('UploadLayerPart', input('YQ==')).layerPartBlob.toString()).toBe('a');
    expect(validate('UploadLayerPart', input('')).layerPartBlob.length).toBe(0);
  });
});
