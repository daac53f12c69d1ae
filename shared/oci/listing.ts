/** OCI listing routes: tags/list and _catalog (with n / last and a Link header), and referrers. */
import { isValidDigest } from '../registry/manifests.ts';
import { referrersOf } from '../registry/referrers.ts';
import type { RepositoryRecord } from '../store/types.ts';
import type { OciContext } from './context.ts';
import { OciError } from './errors.ts';
import { json, type OciResponse } from './http.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const PAGE = 1000;

/** `n` and `last` of a listing request: n undefined means everything. */
function paging(ctx: OciContext): { n?: number; last?: string } {
  const n = ctx.req.query.get('n');
  if (n !== null && !/^\d+$/.test(n)) throw new OciError('UNSUPPORTED', `n must be a non-negative integer, not ${n}`, undefined, 400);
  return { n: n === null ? undefined : Number(n), last: ctx.req.query.get('last') ?? undefined };
}

/** Reads names after `last`, at most n (all when n is undefined); `more` says whether any remain. */
async function collect(read: (after: string | undefined, limit: number) => Promise<string[]>, n: number | undefined, last: string | undefined) {
  const names: string[] = [];
  let after = last;
  for (;;) {
    const want = n === undefined ? PAGE : Math.min(PAGE, n + 1 - names.length);
    if (want <= 0) break;
    const page = await read(after, want);
    names.push(...page);
    if (page.length < want) break;
    after = page[page.length - 1];
  }
  const more = n !== undefined && names.length > n;
  return { names: more ? names.slice(0, n) : names, more };
}

function link(path: string, n: number, last: string): Record<string, string> {
  return { link: `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"` };
}

/** GET /v2/<name>/tags/list */
export async function listTags(ctx: OciContext, repo: RepositoryRecord): Promise<OciResponse> {
  const { n, last } = paging(ctx);
  const { names, more } = await collect(async (after, limit) => (await ctx.deps.images.tagsAfter(repo.uid, after, limit)).map((t) => t.tag), n, last);
  const path = `/v2/${repo.name}/tags/list`;
  return json(200, { name: repo.name, tags: names }, more && n ? link(path, n, names[names.length - 1]) : {});
}

/** GET /v2/_catalog */
export async function listCatalog(ctx: OciContext): Promise<OciResponse> {
  const { n, last } = paging(ctx);
  const { names, more } = await collect((after, limit) => ctx.deps.repositories.namesAfter(after, limit), n, last);
  return json(200, { repositories: names }, more && n ? link('/v2/_catalog', n, names[names.length - 1]) : {});
}

/** GET /v2/<name>/referrers/<digest>: an image index, empty when nothing refers to the digest. */
export async function listReferrers(ctx: OciContext, repo: RepositoryRecord, digest: string): Promise<OciResponse> {
  if (!isValidDigest(digest)) throw new OciError('DIGEST_INVALID', `invalid digest: ${digest}`);
  const artifactTypes = ctx.req.query.getAll('artifactType');
  const found = await referrersOf(ctx, repo, digest, artifactTypes);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: found.map((r) => ({ mediaType: r.mediaType, digest: r.digest, size: r.size, ...(r.artifactType ? { artifactType: r.artifactType } : {}), ...(r.annotations ? { annotations: r.annotations } : {}) })),
  };
  return json(200, index, { 'content-type': OCI_INDEX, ...(artifactTypes.length ? { 'oci-filters-applied': 'artifactType' } : {}) });
}
