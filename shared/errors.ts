/**
 * The domain's typed errors, named exactly like the wire `__type` of Amazon ECR's JSON protocol (name, message,
 * the extra members the model declares as `fields`, and a `cause`). Domain code throws these; each protocol maps
 * them once: the ECR boundary (shared/protocol/ecr-handler.ts, `errorResult`) writes HTTP 400
 * `{"__type", "message", ...fields}`, the OCI boundary (shared/oci/errors.ts) turns them into OCI codes.
 * Anything else thrown becomes a `ServerException` (HTTP 500) or OCI `UNKNOWN`.
 */

/** Base class: `name` is the wire type, `fields` extra members the model declares (e.g. lastValidByteReceived). */
export class EcrError extends Error {
  readonly status: number = 400;
  constructor(
    readonly name: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ECR's wording of a constraint a member fails: "Invalid parameter at 'x' failed to satisfy constraint: '...'". */
export function invalidParameter(member: string, constraint: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`);
}

/**
 * A blob upload's body did not carry the bytes it announced (Content-Length or Content-Range). The ECR API has
 * no such case (its parts arrive whole in the request), so only the OCI boundary maps it (SIZE_INVALID).
 */
export class BlobSizeMismatchException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('BlobSizeMismatchException', message, fields);
  }
}

/**
 * A blob an image of the repository still references cannot be unlinked. ECR has no blob delete; only the OCI
 * boundary maps it (DENIED, as distribution refuses a blob delete it does not allow).
 */
export class BlobInUseException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('BlobInUseException', message, fields);
  }
}

// Errors of the ECR model that the served operations raise (shared/model/ecr-model.json lists which operation may raise which);
// the errors of operations not served yet come with those operations.
export class BlockedByOrganizationPolicyException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('BlockedByOrganizationPolicyException', message, fields);
  }
}
export class EmptyUploadException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('EmptyUploadException', message, fields);
  }
}
export class ExclusionAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ExclusionAlreadyExistsException', message, fields);
  }
}
export class ExclusionNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ExclusionNotFoundException', message, fields);
  }
}
export class ImageAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ImageAlreadyExistsException', message, fields);
  }
}
export class ImageArchivedException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ImageArchivedException', message, fields);
  }
}
export class ImageDigestDoesNotMatchException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ImageDigestDoesNotMatchException', message, fields);
  }
}
export class ImageNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ImageNotFoundException', message, fields);
  }
}
export class ImageStorageClassUpdateNotSupportedException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ImageStorageClassUpdateNotSupportedException', message, fields);
  }
}
export class ImageTagAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ImageTagAlreadyExistsException', message, fields);
  }
}
export class InvalidLayerException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('InvalidLayerException', message, fields);
  }
}
export class InvalidLayerPartException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('InvalidLayerPartException', message, fields);
  }
}
export class InvalidParameterException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('InvalidParameterException', message, fields);
  }
}
export class InvalidTagParameterException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('InvalidTagParameterException', message, fields);
  }
}
export class KmsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('KmsException', message, fields);
  }
}
export class LayerAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LayerAlreadyExistsException', message, fields);
  }
}
export class LayerInaccessibleException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LayerInaccessibleException', message, fields);
  }
}
export class LayerPartTooSmallException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LayerPartTooSmallException', message, fields);
  }
}
export class LayersNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LayersNotFoundException', message, fields);
  }
}
export class LifecyclePolicyNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LifecyclePolicyNotFoundException', message, fields);
  }
}
export class LifecyclePolicyPreviewInProgressException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LifecyclePolicyPreviewInProgressException', message, fields);
  }
}
export class LifecyclePolicyPreviewNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LifecyclePolicyPreviewNotFoundException', message, fields);
  }
}
export class LimitExceededException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('LimitExceededException', message, fields);
  }
}
export class ReferencedImagesNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ReferencedImagesNotFoundException', message, fields);
  }
}
export class ReplicationBackfillInProgressException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ReplicationBackfillInProgressException', message, fields);
  }
}
export class ReplicationBackfillInvalidStatusException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ReplicationBackfillInvalidStatusException', message, fields);
  }
}
export class ReplicationBackfillNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ReplicationBackfillNotFoundException', message, fields);
  }
}
export class RegistryPolicyNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('RegistryPolicyNotFoundException', message, fields);
  }
}
export class RepositoryAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('RepositoryAlreadyExistsException', message, fields);
  }
}
export class RepositoryNotEmptyException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('RepositoryNotEmptyException', message, fields);
  }
}
export class RepositoryNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('RepositoryNotFoundException', message, fields);
  }
}
export class RepositoryPolicyNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('RepositoryPolicyNotFoundException', message, fields);
  }
}
export class ScanNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ScanNotFoundException', message, fields);
  }
}
export class ServerException extends EcrError {
  override readonly status = 500;
  constructor(message: string, fields?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('ServerException', message, fields, options);
  }
}
export class SigningConfigurationNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('SigningConfigurationNotFoundException', message, fields);
  }
}
export class TemplateAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('TemplateAlreadyExistsException', message, fields);
  }
}
export class TemplateNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('TemplateNotFoundException', message, fields);
  }
}
export class TooManyTagsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('TooManyTagsException', message, fields);
  }
}
export class PullThroughCacheRuleAlreadyExistsException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('PullThroughCacheRuleAlreadyExistsException', message, fields);
  }
}
export class PullThroughCacheRuleNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('PullThroughCacheRuleNotFoundException', message, fields);
  }
}
export class SecretNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('SecretNotFoundException', message, fields);
  }
}
export class UnableToAccessSecretException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnableToAccessSecretException', message, fields);
  }
}
export class UnableToDecryptSecretValueException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnableToDecryptSecretValueException', message, fields);
  }
}
export class UnsupportedUpstreamRegistryException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnsupportedUpstreamRegistryException', message, fields);
  }
}
export class UnableToGetUpstreamImageException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnableToGetUpstreamImageException', message, fields);
  }
}
export class UnableToGetUpstreamLayerException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnableToGetUpstreamLayerException', message, fields);
  }
}
export class UnableToListUpstreamImageReferrersException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnableToListUpstreamImageReferrersException', message, fields);
  }
}
export class UnsupportedImageTypeException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnsupportedImageTypeException', message, fields);
  }
}
export class UploadNotFoundException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UploadNotFoundException', message, fields);
  }
}
export class ValidationException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('ValidationException', message, fields);
  }
}

// Errors of the AWS JSON protocol and of SigV4, raised before an operation runs.
export class UnknownOperationException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnknownOperationException', message, fields);
  }
}
export class SerializationException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('SerializationException', message, fields);
  }
}
export class MissingAuthenticationTokenException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('MissingAuthenticationTokenException', message, fields);
  }
}
export class UnrecognizedClientException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('UnrecognizedClientException', message, fields);
  }
}
export class InvalidSignatureException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('InvalidSignatureException', message, fields);
  }
}
export class AccessDeniedException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('AccessDeniedException', message, fields);
  }
}
export class IncompleteSignatureException extends EcrError {
  constructor(message: string, fields?: Record<string, unknown>) {
    super('IncompleteSignatureException', message, fields);
  }
}
