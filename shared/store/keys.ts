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
 * | Layer link      | RC#<uid>                 | LAYER#<digest>             |                                 |         | the repository may serve this blob     |
 * | Layer upload    | RC#<uid>                 | UPLOAD#<uploadId>          |                                 |         | expiresAt (TTL), next byte, hash state |
 * | Blob            | BLOB#<digest>            | BLOB                       |                                 |         | size and S3 key, shared by all repos   |
 * | Lifecycle policy| RC#<uid>                 | LCPOLICY                   | LCPOLICIES#<registryId>         | <name>  | text, version, run lease, last run     |
 * | Policy preview  | RC#<uid>                 | LCPREVIEW                  |                                 |         | status, policy text, summary           |
 * | Lifecycle chunk | RC#<uid>                 | LCCHUNK#<kind>#<runId>#<n> |                                 |         | preview results / planned actions      |
 * | Lifecycle audit | RC#<uid>                 | LCAUDIT#<at>#<runId>#<dgst>|                                 |         | an image a run acted on (TTL 90 days)  |
 * | Archive marker  | RC#<uid>                 | ARCHIVES                   |                                 |         | the repository has held archived images|
 *
 * S3 objects:
 * | object                         | what                                                             |
 * |--------------------------------|------------------------------------------------------------------|
 * | uploads/<uploadId>/data        | a layer being uploaded (multipart); becomes the blob's object     |
 * | uploads/<uploadId>/pending/<n> | ECR parts smaller than S3's 5 MiB minimum, waiting to be coalesced |
 * | manifests/<alg>/<hex>          | manifests too large to keep inline in their image item            |
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
export const layerKey = (uid: string, digest: string): Key => ({ pk: contentsPk(uid), sk: `LAYER#${digest}` });
export const uploadKey = (uid: string, uploadId: string): Key => ({ pk: contentsPk(uid), sk: `UPLOAD#${uploadId}` });
export const blobKey = (digest: string): Key => ({ pk: `BLOB#${digest}`, sk: BLOB_SK });
export const lifecyclePolicyKey = (uid: string): Key => ({ pk: contentsPk(uid), sk: 'LCPOLICY' });
export const lifecyclePolicyIndex = (registryId: string, name: string) => ({ gsi1pk: lifecyclePolicyListPk(registryId), gsi1sk: name });
export const lifecyclePolicyListPk = (registryId: string) => `LCPOLICIES#${registryId}`;
export const lifecyclePreviewKey = (uid: string): Key => ({ pk: contentsPk(uid), sk: 'LCPREVIEW' });
export const lifecycleChunkKey = (uid: string, kind: string, runId: string, index: number): Key => ({ pk: contentsPk(uid), sk: `LCCHUNK#${kind}#${runId}#${String(index).padStart(6, '0')}` });
/** Audit keys sort by time (the run's start), then run and image: a retried batch rewrites the same items. */
export const lifecycleAuditKey = (uid: string, at: number, runId: string, digest: string): Key => ({ pk: contentsPk(uid), sk: `${LIFECYCLE_AUDIT_PREFIX}${String(at).padStart(15, '0')}#${runId}#${digest}` });
export const LIFECYCLE_AUDIT_PREFIX = 'LCAUDIT#';
export const archiveMarkerKey = (uid: string): Key => ({ pk: contentsPk(uid), sk: 'ARCHIVES' });

/** The digest in an image item's sort key. */
export const digestOfImageSk = (sk: string) => sk.slice(IMAGE_PREFIX.length);
/** The tag in a tag item's sort key. */
export const tagOfSk = (sk: string) => sk.slice(TAG_PREFIX.length);

// S3
export const uploadObject = (uploadId: string) => `uploads/${uploadId}/data`;
export const pendingPartObject = (uploadId: string, firstByte: number) => `uploads/${uploadId}/pending/${String(firstByte).padStart(16, '0')}`;
export const manifestObject = (digest: string) => `manifests/${digest.replace(':', '/')}`;
