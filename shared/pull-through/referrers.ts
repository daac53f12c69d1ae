/**
 * The referrers a cached image has upstream, as ECR lists them since 2026: the upstream's referrers API
 * (`GET /v2/<name>/referrers/<digest>`), else, for a registry without it (404), the OCI 1.1 referrers tag schema
 * (the index tagged `sha256-<hex>`). A referrer listed so is pulled from upstream when first asked for by digest.
 */
import type { Deps } from '../deps.ts';
import { UnableToListUpstreamImageReferrersException } from '../errors.ts';
import { isValidDigest } from '../registry/manifests.ts';
import { ruleKeyOf } from '../store/pull-through.ts';
import type { ReferrerRecord, RepositoryRecord } from '../store/types.ts';
import { UpstreamError } from './client.ts';
import { fetchManifest } from './import.ts';
import { upstreamClient } from './rules.ts';
import { upstreamRepositoryOf } from './upstreams.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/**
 * The upstream referrers of `subject` in a cached repository ([] for another repository, or once its rule is gone);
 * UnableToListUpstreamImageReferrersException when upstream cannot list them.
 */
export async function upstreamReferrers(deps: Deps, repo: RepositoryRecord, subject: string): Promise<ReferrerRecord[]> {
  if (repo.pullThroughCache === undefined || !isValidDigest(subject)) return [];
  const rule = await deps.pullThrough.get(repo.pullThroughCache);
  if (!rule) return [];
  const name = upstreamRepositoryOf(ruleKeyOf(rule.ecrRepositoryPrefix), rule.upstreamRepositoryPrefix, repo.name);
  try {
    const client = await upstreamClient(deps, rule);
    const res = await client.request('GET', `/v2/${name}/referrers/${subject}`, name, { accept: OCI_INDEX });
    if (res.ok) return descriptorsOf(await res.json());
    await res.body?.cancel();
    if (res.status !== 404) throw new UpstreamError(`${client.baseUrl} answered ${res.status} for the referrers of ${name}@${subject}`, res.status);
    try {
      const fallback = await fetchManifest({ client, name }, subject.replace(':', '-'));
      return descriptorsOf(JSON.parse(fallback.text));
    } catch (e) {
      if (e instanceof UpstreamError && e.status === 404) return [];
      throw e;
    }
  } catch (e) {
    if (!(e instanceof UpstreamError) && !(e instanceof SyntaxError)) throw e;
    throw new UnableToListUpstreamImageReferrersException(
      `The referrers of '${subject}' could not be listed from the upstream registry of '${repo.name}': ${(e as Error).message}`,
    );
  }
}

/** The well-formed descriptors of an index (an ill-formed one is skipped, as a client would). */
function descriptorsOf(index: unknown): ReferrerRecord[] {
  const manifests = (index as { manifests?: unknown })?.manifests;
  if (!Array.isArray(manifests)) return [];
  return manifests.flatMap((d) => {
    if (typeof d?.digest !== 'string' || !isValidDigest(d.digest) || typeof d.mediaType !== 'string' || !Number.isSafeInteger(d.size)) return [];
    return [
      {
        digest: d.digest,
        mediaType: d.mediaType,
        size: d.size,
        ...(typeof d.artifactType === 'string' ? { artifactType: d.artifactType } : {}),
        ...(d.annotations && typeof d.annotations === 'object' ? { annotations: d.annotations } : {}),
      },
    ];
  });
}
