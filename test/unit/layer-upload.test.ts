import { describe, expect, it } from 'vitest';
import { planPart } from '../../shared/registry/layer-upload.ts';
import { MAX_PARTS, MIN_PART_BYTES } from '../../shared/store/blobs.ts';

const MiB = 1024 * 1024;

describe('coalescing layer parts into S3 parts', () => {
  it('keeps a part pending while pending bytes and the part stay under 5 MiB', () => {
    expect(planPart(0, 0, 3 * MiB)).toEqual({ kind: 'pend' });
    expect(planPart(2, 2 * MiB, MIN_PART_BYTES - 2 * MiB - 1)).toEqual({ kind: 'pend' });
  });

  it('sends pending bytes and the part as the next S3 part once they reach 5 MiB', () => {
    expect(planPart(0, 3 * MiB, 2 * MiB)).toEqual({ kind: 'send', partNumber: 1 });
    expect(planPart(4, 3 * MiB, 3 * MiB)).toEqual({ kind: 'send', partNumber: 5 });
  });

  it('sends a part of 5 MiB or more straight to S3 when nothing is pending', () => {
    expect(planPart(0, 0, MIN_PART_BYTES)).toEqual({ kind: 'send', partNumber: 1 });
    expect(planPart(7, 0, 20 * MiB)).toEqual({ kind: 'send', partNumber: 8 });
  });

  it('keeps the last S3 part number for the final flush and refuses parts beyond it', () => {
    expect(planPart(MAX_PARTS - 2, 0, 6 * MiB)).toEqual({ kind: 'send', partNumber: MAX_PARTS - 1 });
    expect(planPart(MAX_PARTS - 1, 0, 6 * MiB)).toEqual({ kind: 'tooManyParts' });
    expect(planPart(MAX_PARTS - 1, 1 * MiB, 1 * MiB)).toEqual({ kind: 'pend' });
  });
});
