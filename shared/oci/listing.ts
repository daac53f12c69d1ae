/** OCI listing routes: tags/list and _catalog (with n / last and a Link header), and referrers. */
import { isValidDigest } from '../registry/manifests.ts';
import { listRepositoryNames, listTagNames } from '../registry/names.ts';
import { listReferrers } from '../registry/referrers.ts';
import type { OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { json, type OciResponse } from './http.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** `n` and `last` of a listing request: n undefined means everything. */
function paging(ctx: OciContext): { n?: number; last?: string } {
  const n = ctx.req.query.get('n');
  if (n !== null && !/^\d+$/.test(n)) throw new OciError('UNSUPPORTED', `n must be a non-negative integer, not ${n}`, undefined, 400);
  return { n: n === null ? undefined : Number(n), last: ctx.req.query.get('last') ?? undefined };
}

function link(path: string, n: number, last: string): Record<string, string> {
  return { link: `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"` };
}

/** GET /v2/<name>/tags/list */
export async function listTags(ctx: OciContext, repositoryName: string): Promise<OciResponse> {
  const { n, last } = paging(ctx);
  const { names, more } = await listTagNames(ctx.deps, ctx.actor, { repositoryName, n, last });
  return json(200, { name: repositoryName, tags: names }, more && n ? link(`/v2/${repositoryName}/tags/list`, n, names[names.length - 1]) : {});
}

/** GET /v2/_catalog */
export async function listCatalog(ctx: OciContext): Promise<OciResponse> {
  const { n, last } = paging(ctx);
  const { names, more } = await listRepositoryNames(ctx.deps, ctx.actor, { n, last });
  return json(200, { repositories: names }, more && n ? link('/v2/_catalog', n, names[names.length - 1]) : {});
}

/** GET /v2/<name>/referrers/<digest>: an image index, empty when nothing refers to the digest. */
export async function getReferrers(ctx: OciContext, repositoryName: string, digest: string): Promise<OciResponse> {
  if (!isValidDigest(digest)) throw new OciError('DIGEST_INVALID', `invalid digest: ${digest}`);
  const artifactTypes = ctx.req.query.getAll('artifactType');
  const found = await listReferrers(ctx.deps, ctx.actor, { repositoryName, digest, artifactTypes });
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: found.map((r) => ({
      mediaType: r.mediaType,
      digest: r.digest,
      size: r.size,
      ...(r.artifactType ? { artifactType: r.artifactType } : {}),
      ...(r.annotations ? { annotations: r.annotations } : {}),
    })),
  };
  return json(200, index, { 'content-type': OCI_INDEX, ...(artifactTypes.length ? { 'oci-filters-applied': 'artifactType' } : {}) });
}
