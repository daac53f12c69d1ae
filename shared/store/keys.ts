/**
 * Every key of the registry, DynamoDB and S3, is built here and nowhere else.
 *
 * One DynamoDB table with generic attributes pk / sk / gsi1pk / gsi1sk (GSI1) and a TTL attribute `expiresAt`.
 * A repository's contents live in their own partition `RC#<uid>`, keyed by the repository's incarnation id,
 * so a deleted repository's leftovers are never visible to a new repository of the same name.
 *
 * | item            | pk                       | sk                         | gsi1pk                          | gsi1sk  | notes                                  |
 * |-----------------|--------------------------|----------------------------|---------------------------------|---------|----------------------------------------|
 * | Repository      | REPO#<registryId>#<name> | REPO                       | REPOS#<registryId>              | <name>  | settings, tags, policy, uid            |
 * | Image           | RC#<uid>                 | IMG#<digest>               |                                 |         | manifest inline (or in S3), push/pull  |
 * | Tag             | RC#<uid>                 | TAG#<tag>                  | IMGTAGS#<uid>#<digest>          | <tag>   | the one source of truth tag -> digest  |
 * | Index reference | RC#<uid>                 | REF#<child>#<parent>       |                                 |         | a manifest list/index names a child    |
 * | Referrer        | RC#<uid>                 | SUBJ#<subject>#<digest>    |                                 |         | a manifest whose subject is <subject>  |
 * | Layer link      | RC#<uid>                 | LAYER#<digest>             |                                 |         | may serve this blob; touchedAt (GC)    |
 * | Layer upload    | RC#<uid>                 | UPLOAD#<uploadId>          |                                 |         | expiresAt (TTL), next byte, hash state |
 * | Blob            | BLOB#<digest>            | BLOB                       | BLOBS#<digest's first hex digit>| <digest>| size, S3 key, touchedAt, linkedBy (uids), collecting |
 * | Lifecycle policy| RC#<uid>                 | LCPOLICY                   | LCPOLICIES#<registryId>         | <name>  | text, version, run lease, last run     |
 * | Policy preview  | RC#<uid>                 | LCPREVIEW                  |                                 |         | status, policy text, summary           |
 * | Lifecycle chunk | RC#<uid>                 | LCCHUNK#<kind>#<runId>#<n> |                                 |         | preview results / planned actions      |
 * | Lifecycle audit | RC#<uid>                 | LCAUDIT#<at>#<runId>#<dgst>|                                 |         | an image a run acted on (TTL 90 days)  |
 * | Archive marker  | RC#<uid>                 | ARCHIVES                   |                                 |         | the repository has held archived images|
 * | Image scan      | RC#<uid>                 | SCAN#<digest>              |                                 |         | latest scan: status, counts, findings  |
 * | Replication     | RC#<uid>                 | REPL#<digest>#<region>#<id>|                                 |         | an image's copy to one destination     |
 * | Signing status  | RC#<uid>                 | SIGN#<digest>#<profileArn> |                                 |         | an image's signature by one profile    |
 * | Scan config     | REGISTRY#<registryId>    | SCANCONFIG                 |                                 |         | registry scan type and rules           |
 * | Account setting | REGISTRY#<registryId>    | SETTING#<name>             |                                 |         | e.g. BASIC_SCAN_TYPE_VERSION           |
 * | Registry policy | REGISTRY#<registryId>    | POLICY                     |                                 |         | the registry policy's text             |
 * | Pull exclusions | REGISTRY#<registryId>    | PULLEXCLUSIONS             |                                 |         | principal ARNs (at most 100), version  |
 * | Creation templ. | REGISTRY#<registryId>    | TEMPLATE#<prefix>          |                                 |         | a repository creation template, version|
 * | Pull-thru rule  | REGISTRY#<registryId>    | PTC#<prefix>               |                                 |         | a pull through cache rule, version     |
 * | Upstream tag    | RC#<uid>                 | UPSTREAMTAG#<tag>          |                                 |         | when upstream was last asked of a tag  |
 * | Import lease    | RC#<uid>                 | IMPORT#<reference>         |                                 |         | owner, expiresAt: one importer at once |
 * | Replication conf| REGISTRY#<registryId>    | REPLICATION                |                                 |         | the replication rules (at most 25)     |
 * | Signing conf.   | REGISTRY#<registryId>    | SIGNING                    |                                 |         | the signing rules (at most 10)         |
 * | Backfills       | REGISTRY#<registryId>    | BACKFILLS                  |                                 |         | every backfill (90 days), version      |
 * | Backfill result | BACKFILL#<id>#<backfill> | RESULT#<status>#<repo>#<d> |                                 |         | one image a backfill tried (TTL 90 d)  |
 * | Active feed     | FEED#<registryId>        | ACTIVE                     |                                 |         | the vulnerability feed scans use       |
 * | GC mark         | GCMARK#<registryId>      | REPO#<uid> / PART#<uid> / BLOB#<digest> / MANIFEST#<object> |                    |         | maybe garbage since markedAt (repo name)|
 * | GC state        | GC#<registryId>          | STATE                      |                                 |         | last sweep, legacy blobs adopted, version |
 *
 * S3 objects:
 * | object                         | what                                                             |
 * |--------------------------------|------------------------------------------------------------------|
 * | uploads/<uploadId>/data        | a layer being uploaded (multipart); becomes the blob's object     |
 * | uploads/<uploadId>/whole/<n>   | a blob that one streamed request stored whole (no multipart)      |
 * | uploads/<uploadId>/pending/<n> | ECR parts smaller than S3's 5 MiB minimum, waiting to be coalesced |
 * | manifests/<alg>/<hex>/<nonce>  | manifests too large to keep inline in their image item (one each)  |
 * | scan/layers/v<n>/<alg>/<hex>   | a layer's scan index (indexer version n), shared by all images    |
 * | scan/inventory/v<n>/<alg>/<hex>| an image's coalesced packages, re-matched by continuous scanning   |
 * | scan/jobs/<scanId>/plan        | a scan run's plan: platform images and their layers               |
 * | scan/findings/<uid>/<d>/<scan> | a scan's findings (basic and enhanced)                            |
 * | feeds/<feedId>/...             | an imported vulnerability feed: manifest and per-package shards   |
 */

export type Key = { pk: string; sk: string };

export const REPOSITORY_SK = 'REPO';
export const BLOB_SK = 'BLOB';
export const GSI1 = 'gsi1';

export const repositoryKey = (registryId: string, name: string): Key => ({ pk: `REPO#${registryId}#${name}`, sk: REPOSITORY_SK });
export const repositoryIndex = (registryId: string, name: string) => ({ gsi1pk: repositoryListPk(registryId), gsi1sk: name });
export const repositoryListPk = (registryId: string) => `REPOS#${registryId}`;

export const contentsPk = (uid: string) => `RC#${uid}`;
export const imageKey = (uid: string, digest: string): Key => ({ pk: contentsPk(uid), sk: `${IMAGE_PREFIX}${digest}` });
export const IMAGE_PREFIX = 'IMG#';
export const tagKey = (uid: string, tag: string): Key => ({ pk: contentsPk(uid), sk: `${TAG_PREFIX}${tag}` });
export const TAG_PREFIX = 'TAG#';
export const tagIndex = (uid: string, digest: string, tag: string) => ({ gsi1pk: imageTagsPk(uid, digest), gsi1sk: tag });
export const imageTagsPk = (uid: string, digest: string) => `IMGTAGS#${uid}#${digest}`;
export const referenceKey = (uid: string, child: string, parent: string): Key => ({ pk: contentsPk(uid), sk: `${referencePrefix(child)}${parent}` });
export const referencePrefix = (child: string) => `REF#${child}#`;
export const referrerKey = (uid: string, subject: string, digest: string): Key => ({ pk: contentsPk(uid), sk: `${referrerPrefix(subject)}${digest}` });
export const referrerPrefix = (subject: string) => `SUBJ#${subject}#`;
export const layerKey = (uid: string, digest: string): Key => ({ pk: contentsPk(uid), sk: `${LAYER_PREFIX}${digest}` });
export const LAYER_PREFIX = 'LAYER#';
export const uploadKey = (uid: string, uploadId: string): Key => ({ pk: contentsPk(uid), sk: `${UPLOAD_PREFIX}${uploadId}` });
export const UPLOAD_PREFIX = 'UPLOAD#';
export const blobKey = (digest: string): Key => ({ pk: `BLOB#${digest}`, sk: BLOB_SK });
export const lifecyclePolicyKey = (uid: string): Key => ({ pk: contentsPk(uid), sk: 'LCPOLICY' });
export const lifecyclePolicyIndex = (registryId: string, name: string) => ({ gsi1pk: lifecyclePolicyListPk(registryId), gsi1sk: name });
export const lifecyclePolicyListPk = (registryId: string) => `LCPOLICIES#${registryId}`;
export const lifecyclePreviewKey = (uid: string): Key => ({ pk: contentsPk(uid), sk: 'LCPREVIEW' });
export const LIFECYCLE_CHUNK_PREFIX = 'LCCHUNK#';
export const lifecycleChunkKey = (uid: string, kind: string, runId: string, index: number): Key => ({
  pk: contentsPk(uid),
  sk: `LCCHUNK#${kind}#${runId}#${String(index).padStart(6, '0')}`,
});
/** Audit keys sort by time (the run's start), then run and image: a retried batch rewrites the same items. */
export const lifecycleAuditKey = (uid: string, at: number, runId: string, digest: string): Key => ({
  pk: contentsPk(uid),
  sk: `${LIFECYCLE_AUDIT_PREFIX}${String(at).padStart(15, '0')}#${runId}#${digest}`,
});
export const LIFECYCLE_AUDIT_PREFIX = 'LCAUDIT#';
export const archiveMarkerKey = (uid: string): Key => ({ pk: contentsPk(uid), sk: 'ARCHIVES' });
export const scanKey = (uid: string, digest: string): Key => ({ pk: contentsPk(uid), sk: `${SCAN_PREFIX}${digest}` });
export const SCAN_PREFIX = 'SCAN#';
export const scanConfigurationKey = (registryId: string): Key => ({ pk: `REGISTRY#${registryId}`, sk: 'SCANCONFIG' });
export const accountSettingKey = (registryId: string, name: string): Key => ({ pk: `REGISTRY#${registryId}`, sk: `SETTING#${name}` });
export const registryPolicyKey = (registryId: string): Key => ({ pk: `REGISTRY#${registryId}`, sk: 'POLICY' });
export const pullTimeExclusionsKey = (registryId: string): Key => ({ pk: `REGISTRY#${registryId}`, sk: 'PULLEXCLUSIONS' });
export const creationTemplateKey = (registryId: string, prefix: string): Key => ({ pk: registryPk(registryId), sk: `${TEMPLATE_PREFIX}${prefix}` });
export const TEMPLATE_PREFIX = 'TEMPLATE#';
export const registryPk = (registryId: string) => `REGISTRY#${registryId}`;
export const pullThroughRuleKey = (registryId: string, prefix: string): Key => ({ pk: registryPk(registryId), sk: `${PULL_THROUGH_RULE_PREFIX}${prefix}` });
export const PULL_THROUGH_RULE_PREFIX = 'PTC#';
export const upstreamTagKey = (uid: string, tag: string): Key => ({ pk: contentsPk(uid), sk: `UPSTREAMTAG#${tag}` });
export const importLeaseKey = (uid: string, reference: string): Key => ({ pk: contentsPk(uid), sk: `IMPORT#${reference}` });
export const replicationConfigurationKey = (registryId: string): Key => ({ pk: `REGISTRY#${registryId}`, sk: 'REPLICATION' });
export const replicationStatusKey = (uid: string, digest: string, region: string, registryId: string): Key => ({
  pk: contentsPk(uid),
  sk: `${replicationStatusPrefix(digest)}${region}#${registryId}`,
});
export const replicationStatusPrefix = (digest: string) => `REPL#${digest}#`;
export const signingConfigurationKey = (registryId: string): Key => ({ pk: registryPk(registryId), sk: 'SIGNING' });
export const signingStatusKey = (uid: string, digest: string, profileArn: string): Key => ({
  pk: contentsPk(uid),
  sk: `${signingStatusPrefix(digest)}${profileArn}`,
});
export const signingStatusPrefix = (digest: string) => `SIGN#${digest}#`;
export const backfillsKey = (registryId: string): Key => ({ pk: `REGISTRY#${registryId}`, sk: 'BACKFILLS' });
export const backfillResultsPk = (registryId: string, backfillId: string) => `BACKFILL#${registryId}#${backfillId}`;
export const backfillResultPrefix = (status?: string) => (status === undefined ? 'RESULT#' : `RESULT#${status}#`);
export const backfillResultKey = (registryId: string, backfillId: string, status: string, repositoryName: string, digest: string): Key => ({
  pk: backfillResultsPk(registryId, backfillId),
  sk: `${backfillResultPrefix(status)}${repositoryName}#${digest}`,
});
export const activeFeedKey = (registryId: string): Key => ({ pk: `FEED#${registryId}`, sk: 'ACTIVE' });
/** Blob records are listed through GSI1 in 16 partitions, by the first hex digit of the digest. */
export const BLOB_SHARDS = '0123456789abcdef';
export const blobShardPk = (shard: string) => `BLOBS#${shard}`;
export const blobIndex = (digest: string) => ({ gsi1pk: blobShardPk(digest.slice(digest.indexOf(':') + 1)[0] ?? '0'), gsi1sk: digest });
export const gcMarksPk = (registryId: string) => `GCMARK#${registryId}`;
export const gcMarkKey = (registryId: string, kind: 'REPO' | 'PART' | 'BLOB' | 'MANIFEST', id: string): Key => ({
  pk: gcMarksPk(registryId),
  sk: `${kind}#${id}`,
});
export const gcStateKey = (registryId: string): Key => ({ pk: `GC#${registryId}`, sk: 'STATE' });

/** The digest in an image item's sort key. */
export const digestOfImageSk = (sk: string) => sk.slice(IMAGE_PREFIX.length);
/** The tag in a tag item's sort key. */
export const tagOfSk = (sk: string) => sk.slice(TAG_PREFIX.length);

// S3
export const uploadObject = (uploadId: string) => `uploads/${uploadId}/data`;
export const pendingPartObject = (uploadId: string, firstByte: number) => `uploads/${uploadId}/pending/${String(firstByte).padStart(16, '0')}`;
export const wholeUploadObject = (uploadId: string, nonce: string) => `uploads/${uploadId}/whole/${nonce}`;
/** A large manifest's object: one per stored image item (`nonce`), so collecting one never touches another's; older items name `manifests/<alg>/<hex>`. */
export const manifestObject = (digest: string, nonce?: string) => `manifests/${digest.replace(':', '/')}${nonce ? `/${nonce}` : ''}`;
export const layerIndexObject = (digest: string, indexerVersion: number) => `scan/layers/v${indexerVersion}/${digest.replace(':', '/')}.json`;
export const inventoryObject = (digest: string, indexerVersion: number) => `scan/inventory/v${indexerVersion}/${digest.replace(':', '/')}.json`;
export const scanPlanObject = (scanId: string) => `scan/jobs/${scanId}/plan.json`;
export const findingsObject = (uid: string, digest: string, scanId: string) => `scan/findings/${uid}/${digest.replace(':', '/')}/${scanId}.json`;
export const feedManifestObject = (feedId: string) => `feeds/${feedId}/manifest.json`;
export const feedShardObject = (feedId: string, ecosystem: string, bucket: number) =>
  `feeds/${feedId}/${encodeURIComponent(ecosystem)}/${String(bucket).padStart(3, '0')}.json`;
