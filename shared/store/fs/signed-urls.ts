/**
 * Download URLs the registry signs and serves itself, where it is the only way in (the local host): what a
 * presigned S3 URL is in AWS. A URL names one object and is bound to one blob of one repository and an expiry:
 *
 *   <scheme>://<host>/_blobs/<object key>?repository=<name>&digest=<digest>&expires=<epoch s>&signature=<hmac>
 *
 * The signature is an HMAC-SHA256 over all four, with a key derived from the registry's secret, so changing any
 * of them (another object, another blob, a later expiry) or dropping the signature is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The path prefix signed blob URLs live under, on the registry's own port. */
export const SIGNED_BLOB_PREFIX = '/_blobs/';

/** Why a signed URL is refused, in S3's words (every refusal is HTTP 403, as S3's is). */
export type SignedUrlRefusal = { code: 'AccessDenied' | 'SignatureDoesNotMatch'; message: string };

/** What a valid signed URL grants: reading this object, which holds this digest. */
export type SignedBlob = { key: string; repositoryName: string; digest: string };

/** The key that signs blob URLs, derived from the registry's signing key so that both rotate with the secret. */
export function blobUrlKey(signingKey: Buffer): Buffer {
  return createHmac('sha256', signingKey).update('serverless-ecr blob url v1').digest();
}

/** Signs and checks blob URLs with one key and clock. */
export class BlobUrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly scheme: 'http' | 'https',
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A URL on `host` for `key`, valid for `expiresInSeconds` from now. */
  sign(objectKey: string, expiresInSeconds: number, target: { repositoryName: string; digest: string; host: string }): string {
    const expires = Math.floor(this.now().getTime() / 1000) + expiresInSeconds;
    const path = SIGNED_BLOB_PREFIX + objectKey.split('/').map(encodeURIComponent).join('/');
    const query = new URLSearchParams({ repository: target.repositoryName, digest: target.digest, expires: String(expires) });
    query.set('signature', this.mac(objectKey, target.repositoryName, target.digest, expires));
    return `${this.scheme}://${target.host}${path}?${query}`;
  }

  /** The object a request path and query may read, or why not. */
  verify(pathname: string, query: URLSearchParams): SignedBlob | SignedUrlRefusal {
    const [repositoryName, digest, expires, signature] = ['repository', 'digest', 'expires', 'signature'].map((n) => query.get(n));
    if (!pathname.startsWith(SIGNED_BLOB_PREFIX) || !repositoryName || !digest || !expires || !signature) {
      return { code: 'AccessDenied', message: 'Query-string authentication requires the repository, digest, expires and signature parameters' };
    }
    let objectKey: string;
    try {
      objectKey = pathname.slice(SIGNED_BLOB_PREFIX.length).split('/').map(decodeURIComponent).join('/');
    } catch {
      return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
    }
    const at = /^\d{1,12}$/.test(expires) ? Number(expires) : Number.NaN;
    const expected = Number.isNaN(at) ? '' : this.mac(objectKey, repositoryName, digest, at);
    const given = Buffer.from(signature);
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
    }
    if (at * 1000 <= this.now().getTime()) return { code: 'AccessDenied', message: 'Request has expired' };
    return { key: objectKey, repositoryName, digest };
  }

  private mac(objectKey: string, repositoryName: string, digest: string, expires: number): string {
    return createHmac('sha256', this.key)
      .update(['v1', objectKey, repositoryName, digest, String(expires)].join('\n'))
      .digest('base64url');
  }
}

/** Whether a verification refused the URL. */
export const isRefusal = (v: SignedBlob | SignedUrlRefusal): v is SignedUrlRefusal => 'code' in v;
