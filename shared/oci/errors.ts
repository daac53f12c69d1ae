/**
 * The OCI distribution error catalogue, kept as data (code → HTTP status and the spec's message), the error
 * the OCI routes throw, and the one translation of ECR domain errors into it. The OCI boundary
 * (shared/oci/dispatch.ts) writes `{"errors":[{"code","message","detail"}]}` once.
 */
import { EcrError } from '../errors.ts';

export const OCI_ERRORS = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'tag invalid' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported' },
  TOO_MANY_REQUESTS: { status: 429, message: 'too many requests' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  UNKNOWN: { status: 500, message: 'unknown error' },
} as const;

export type OciCode = keyof typeof OCI_ERRORS;

/** An OCI wire error; `status` defaults to the catalogue's. */
export class OciError extends Error {
  override readonly name = 'OciError';
  readonly status: number;
  constructor(
    readonly code: OciCode,
    message?: string,
    readonly detail?: unknown,
    status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? OCI_ERRORS[code].message);
    this.status = status ?? OCI_ERRORS[code].status;
  }
}

/** What a route serves, for the mapping of domain errors that mean different things on different routes. */
export type RouteKind = 'manifest' | 'blob' | 'upload' | 'listing' | 'base';

/** The domain errors that reach the OCI API, as the OCI codes a docker-style client understands. */
const FROM_DOMAIN: Record<string, OciCode> = {
  RepositoryNotFoundException: 'NAME_UNKNOWN',
  AccessDeniedException: 'DENIED',
  ImageNotFoundException: 'MANIFEST_UNKNOWN',
  LayersNotFoundException: 'BLOB_UNKNOWN',
  UploadNotFoundException: 'BLOB_UPLOAD_UNKNOWN',
  InvalidLayerPartException: 'RANGE_INVALID',
  InvalidLayerException: 'DIGEST_INVALID',
  BlobSizeMismatchException: 'SIZE_INVALID',
  BlobInUseException: 'DENIED',
  ImageDigestDoesNotMatchException: 'DIGEST_INVALID',
  ImageTagAlreadyExistsException: 'TAG_INVALID',
  LimitExceededException: 'TOO_MANY_REQUESTS',
  InvalidParameterException: 'DIGEST_INVALID',
  UnableToGetUpstreamImageException: 'UNAVAILABLE',
  UnableToGetUpstreamLayerException: 'UNAVAILABLE',
};

/** Where a route gives a domain error another meaning than FROM_DOMAIN's. */
const BY_ROUTE: Partial<Record<RouteKind, Record<string, OciCode>>> = {
  manifest: {
    LayersNotFoundException: 'MANIFEST_BLOB_UNKNOWN',
    ReferencedImagesNotFoundException: 'MANIFEST_BLOB_UNKNOWN',
    InvalidParameterException: 'MANIFEST_INVALID',
  },
  upload: { LimitExceededException: 'BLOB_UPLOAD_INVALID' },
};

/** Translates a domain error for a route of `kind`; anything else (an OciError, an unexpected error) is returned unchanged. */
export function fromDomainError(error: unknown, kind: RouteKind): unknown {
  if (!(error instanceof EcrError)) return error;
  const code = BY_ROUTE[kind]?.[error.name] ?? FROM_DOMAIN[error.name];
  if (!code) return error;
  if (code === 'RANGE_INVALID') {
    // 416 with the Range the upload has really reached.
    const last = Number(error.fields.lastValidByteReceived ?? -1);
    return new OciError(code, error.message, undefined, 416, { range: `0-${Math.max(0, last)}` });
  }
  return new OciError(code, error.message);
}
