/**
 * The feed location's layout, the same in a directory and under an S3 prefix: `<Ecosystem>/all.zip` or
 * `<name>.zip`, nothing deeper and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { feedKeys } from '../../shared/scan/feed/source.ts';

describe('the keys of an S3 feed location', () => {
  it('are the zips directly under the prefix or one folder down, in the order given', () => {
    // Prepare
    const keys = [
      'feeds/incoming/Alpine/all.zip',
      'feeds/incoming/Debian/all.zip',
      'feeds/incoming/extra.zip',
      'feeds/incoming/Debian/README.txt',
      'feeds/incoming/a/b/deep.zip',
      'feeds/other/Debian/all.zip',
      'feeds/000001-ab/manifest.json',
    ];
    // Act
    const found = feedKeys('feeds/incoming/', keys);
    // Assess
    expect(found).toEqual(['feeds/incoming/Alpine/all.zip', 'feeds/incoming/Debian/all.zip', 'feeds/incoming/extra.zip']);
  });
});
