import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forgetLiveHash, forgetLiveHashes, keepLiveHash, liveHashAt, MAX_LIVE_HASHES } from '../../shared/registry/live-hash.ts';

const hex = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

describe('the in-process hashes of layer uploads', () => {
  it('gives a fresh hash at byte 0 even for an upload it never saw', () => {
    // Act
    const hash = liveHashAt('never-seen', 0);

    // Assess
    expect(hash?.update('abc').digest('hex')).toBe(hex('abc'));
  });

  it('continues an upload only at exactly the byte it was kept at', () => {
    // Prepare
    keepLiveHash('u1', createHash('sha256').update('abc'), 3);

    // Act
    const behind = liveHashAt('u1', 6);
    const at = liveHashAt('u1', 3);

    // Assess
    expect(behind).toBeUndefined();
    expect(at?.update('def').digest('hex')).toBe(hex('abcdef'));
  });

  it('hands out copies, so a request that loses its write leaves the kept hash as it was', () => {
    // Prepare
    keepLiveHash('u2', createHash('sha256').update('abc'), 3);

    // Act
    liveHashAt('u2', 3)?.update('lost');

    // Assess
    expect(liveHashAt('u2', 3)?.digest('hex')).toBe(hex('abc'));
  });

  it('forgets an ended upload', () => {
    // Prepare
    keepLiveHash('u3', createHash('sha256').update('abc'), 3);

    // Act
    forgetLiveHash('u3');

    // Assess
    expect(liveHashAt('u3', 3)).toBeUndefined();
  });

  it(`keeps at most ${MAX_LIVE_HASHES} uploads, forgetting the least recently advanced first`, () => {
    // Prepare
    forgetLiveHashes();
    keepLiveHash('oldest', createHash('sha256').update('a'), 1);
    keepLiveHash('advanced', createHash('sha256').update('a'), 1);
    for (let i = 0; i < MAX_LIVE_HASHES - 2; i++) keepLiveHash(`filler-${i}`, createHash('sha256'), 1);
    keepLiveHash('advanced', createHash('sha256').update('ab'), 2);

    // Act
    keepLiveHash('newest', createHash('sha256').update('a'), 1);

    // Assess
    expect(liveHashAt('oldest', 1)).toBeUndefined();
    expect(liveHashAt('advanced', 2)).toBeDefined();
    expect(liveHashAt('newest', 1)).toBeDefined();
  });
});
