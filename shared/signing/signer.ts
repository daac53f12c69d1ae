/**
 * The narrow interface between a signing job and what holds the keys: give it a signing profile and a Notary
 * payload, get back a Notary Project JWS envelope. AWS Signer's SignPayload in AWS (./aws-signer.ts), the keys of
 * REGISTRY_SIGNING_KEYS_DIR locally (./keys-signer.ts). Failures carry the code DescribeImageSigningStatus reports.
 */

/** The failure codes a signing status may carry (README, "Managed signing"). */
export const SIGNING_FAILURE_CODES = [
  'ACCESS_DENIED',
  'SIGNING_KEY_NOT_FOUND',
  'SIGNING_KEY_INVALID',
  'SIGNING_PROFILE_NOT_FOUND',
  'SIGNER_REFUSED',
  'SIGNER_UNAVAILABLE',
  'IMAGE_NOT_FOUND',
  'SIGNATURE_PUSH_FAILED',
  'INTERNAL_ERROR',
] as const;
export type SigningFailureCode = (typeof SIGNING_FAILURE_CODES)[number];

/**
 * A signing that failed, with its code; `retryable` ones (the signer unreachable or throttling) are retried by the
 * state machine. The message opens with the code, so it survives Step Functions' error serialisation.
 */
export class SigningFailure extends Error {
  constructor(
    readonly code: SigningFailureCode,
    readonly reason: string,
    readonly retryable = false,
  ) {
    super(`${code}: ${reason}`);
    this.name = retryable ? 'SigningRetryable' : 'SigningFailure';
  }
}

/** A signed payload: the envelope bytes (`application/jose+json`) and annotations the signer adds to the signature's manifest. */
export type SignedPayload = { envelope: Buffer; annotations?: Record<string, string> };

export interface PayloadSigner {
  /** Signs a Notary payload with the signing profile `profileArn`; throws SigningFailure with its code. */
  sign(profileArn: string, payload: Buffer): Promise<SignedPayload>;
}

const PROFILE_ARN = /^arn:aws(?:-[a-z]+)*:signer:([a-z0-9-]+):([0-9]{12}):\/signing-profiles\/([a-zA-Z0-9_]{2,})$/;

/** The region, owner account and name of a signing profile ARN (`arn:aws:signer:<region>:<account>:/signing-profiles/<name>`); undefined for anything else. */
export function parseProfileArn(arn: string): { region: string; account: string; name: string } | undefined {
  const m = PROFILE_ARN.exec(arn);
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}
