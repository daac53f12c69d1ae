/**
 * createRepositoryFromTemplate and CREATE_ON_PUSH on the in-memory stores: which template applies to a name, and two
 * first pushes of one new repository under every sampled interleaving of their store calls (test/helpers/interleave.ts).
 */
import { describe, expect, it } from 'vitest';
import { createRepositoryCreationTemplate } from '../../shared/registry/creation-template-operations.ts';
import { candidatePrefixes, createRepositoryFromTemplate, matchingTemplate } from '../../shared/registry/creation-templates.ts';
import { initiateLayerUpload } from '../../shared/registry/layers.ts';
import { pushManifest } from '../../shared/registry/put-image.ts';
import { startBlobUpload } from '../../shared/registry/blob-uploads.ts';
import { interleave } from '../helpers/interleave.ts';
import { memoryRegistry } from '../helpers/domain.ts';

const SEEDS = Number(process.env.RACE_SEEDS ?? 60);
const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }],
});

async function withTemplates(
  ...prefixes: { prefix: string; appliedFor?: ('CREATE_ON_PUSH' | 'REPLICATION' | 'PULL_THROUGH_CACHE')[]; description?: string }[]
) {
  const r = memoryRegistry();
  for (const t of prefixes) {
    await createRepositoryCreationTemplate(r.deps, r.actor, {
      prefix: t.prefix,
      appliedFor: t.appliedFor ?? ['CREATE_ON_PUSH'],
      description: t.description ?? t.prefix,
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'template', Value: t.prefix }],
      lifecyclePolicy: LIFECYCLE,
    });
  }
  return r;
}

describe('the template that applies to a repository name', () => {
  it('is looked for in each namespace the name lies in, longest first, then ROOT', () => {
    expect(candidatePrefixes('a/b/c')).toEqual(['a/b', 'a', 'ROOT']);
    expect(candidatePrefixes('app')).toEqual(['ROOT']);
  });

  it('is the longest matching prefix for the purpose, a trailing / assumed, ROOT last', async () => {
    // Prepare
    const r = await withTemplates({ prefix: 'team-a' }, { prefix: 'team-a/svc/' }, { prefix: 'ROOT' }, { prefix: 'team-b', appliedFor: ['REPLICATION'] });
    const match = async (name: string, purpose: 'CREATE_ON_PUSH' | 'REPLICATION' = 'CREATE_ON_PUSH') => (await matchingTemplate(r.deps, name, purpose))?.prefix;
    // Act and assess
    expect(await match('team-a/app')).toBe('team-a');
    expect(await match('team-a/svc/api')).toBe('team-a/svc/');
    expect(await match('team-ab/app')).toBe('ROOT');
    expect(await match('team-a')).toBe('ROOT');
    expect(await match('team-b/app')).toBe('ROOT');
    expect(await match('team-b/app', 'REPLICATION')).toBe('team-b');
    expect(await match('team-a/app', 'REPLICATION')).toBeUndefined();
  });

  it('is none for replication without a template: the repository gets the default settings', async () => {
    const r = memoryRegistry();

    const repo = await createRepositoryFromTemplate(r.deps, r.actor, 'copied/app', 'REPLICATION');

    expect(repo).toMatchObject({ name: 'copied/app', imageTagMutability: 'MUTABLE', encryptionType: 'AES256', tags: [], scanOnPush: false });
    expect(repo.policyText).toBeUndefined();
    expect(await r.deps.lifecycle.getPolicy(repo.uid)).toBeUndefined();
  });

  it('is none for a push without a template: nothing is created and the push fails as before', async () => {
    const r = await withTemplates({ prefix: 'team-a', appliedFor: ['REPLICATION'] });

    await expect(createRepositoryFromTemplate(r.deps, r.actor, 'team-a/app', 'CREATE_ON_PUSH')).rejects.toThrow(/RepositoryNotFound|does not exist/);
    await expect(initiateLayerUpload(r.deps, r.actor, { repositoryName: 'team-a/app' })).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
    expect(await r.deps.repositories.get('team-a/app')).toBeUndefined();
  });
});

describe('two first pushes of one new repository, under every sampled interleaving', () => {
  it.each(seeds)('both succeed into one repository with the template’s settings (seed %i)', async (seed) => {
    // Prepare
    const r = await withTemplates({ prefix: 'auto' });
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] });
    const ops = [
      (d: typeof r.deps) => initiateLayerUpload(d, r.actor, { repositoryName: 'auto/app' }),
      (d: typeof r.deps) => startBlobUpload(d, r.actor, { repositoryName: 'auto/app' }),
      (d: typeof r.deps) =>
        pushManifest(d, r.actor, { repositoryName: 'auto/app', manifest, tag: 'v1' }).catch((e) =>
          e.name === 'InvalidParameterException' ? 'refused manifest' : Promise.reject(e),
        ),
    ];
    // Act
    const run = await interleave(r.deps, ops, seed);
    // Assess
    expect(run.results.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const repos = (await r.deps.repositories.list(10)).items;
    expect(repos.map((x) => x.name)).toEqual(['auto/app']);
    expect(repos[0]).toMatchObject({ imageTagMutability: 'IMMUTABLE', tags: [{ Key: 'template', Value: 'auto' }] });
    expect((await r.deps.lifecycle.getPolicy(repos[0].uid))?.policyText).toBe(LIFECYCLE);
  });
});
