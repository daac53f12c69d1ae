/** The CreationTemplateStore contract (shared/store/templates.ts). */
import { describe, expect, it } from 'vitest';
import type { CreationTemplateRecord } from '../../../shared/store/templates.ts';
import { readAll, useStores, type StoresFactory } from './stores.ts';

const T = 1_800_000_000_000;

function template(prefix: string, extra: Partial<CreationTemplateRecord> = {}): CreationTemplateRecord {
  return { prefix, resourceTags: [], imageTagMutability: 'MUTABLE', appliedFor: ['CREATE_ON_PUSH'], createdAt: T, updatedAt: T, version: 1, ...extra };
}

export function templateContract(factory: StoresFactory) {
  describe('CreationTemplateStore', () => {
    const stores = useStores(factory);

    it('creates a template once per prefix (TEMPLATE_IS_NEW), a trailing / naming the same prefix', async () => {
      const { templates } = stores();
      const t = template('team-a', {
        description: 'd',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:000000000000:key/k' },
        resourceTags: [{ Key: 'team', Value: 'a' }],
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
        repositoryPolicy: '{"Version":"2012-10-17","Statement":[]}',
        lifecyclePolicy: '{"rules":[]}',
        appliedFor: ['REPLICATION', 'CREATE_ON_PUSH'],
        customRoleArn: 'arn:aws:iam::000000000000:role/r',
      });

      expect(await templates.create(t)).toBe(true);
      expect(await templates.create(template('team-a/'))).toBe(false);

      expect(await templates.get('team-a')).toEqual(t);
      expect(await templates.get('team-a/')).toEqual(t);
      expect(await templates.get('team-ab')).toBeUndefined();
    });

    it('reads many prefixes at once, returning only those that have a template', async () => {
      const { templates } = stores();
      for (const p of ['ROOT', 'a', 'a/b']) await templates.create(template(p));

      const found = await templates.getMany(['a/b', 'a', 'a/b/c', 'ROOT', 'a/']);

      expect(found.map((t) => t.prefix).sort()).toEqual(['ROOT', 'a', 'a/b']);
      expect(await templates.getMany([])).toEqual([]);
    });

    it('replaces only the version read (TEMPLATE_UNCHANGED_SINCE_READ), and says when the template is gone', async () => {
      const { templates } = stores();
      await templates.create(template('p'));

      expect(await templates.replace(template('p', { description: 'one' }), 1)).toBe('replaced');
      expect(await templates.replace(template('p', { description: 'stale' }), 1)).toBe('changed');
      expect(await templates.get('p')).toMatchObject({ description: 'one', version: 2 });
      expect(await templates.replace(template('q'), 1)).toBe('missing');
      expect(await templates.get('q')).toBeUndefined();
    });

    it('deletes a template once, returning what it was', async () => {
      const { templates } = stores();
      await templates.create(template('p', { description: 'x' }));

      expect(await templates.delete('p/')).toMatchObject({ prefix: 'p', description: 'x' });
      expect(await templates.delete('p')).toBeUndefined();
      expect(await templates.count()).toBe(0);
    });

    it('lists every template in prefix order, a page at a time, and counts them', async () => {
      const { templates } = stores();
      const prefixes = ['b', 'ROOT', 'a/x', 'a', 'c-d'];
      for (const p of prefixes) await templates.create(template(p));

      const { items, pages } = await readAll(2, (cursor) => templates.list(2, cursor));

      expect(items.map((t) => t.prefix)).toEqual(['ROOT', 'a', 'a/x', 'b', 'c-d']);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(await templates.count()).toBe(5);
    });
  });
}
