/**
 * The Notary Project signature, as its specification defines it (notaryproject/specifications, signature-specification.md
 * and signature-envelope-jws.md): the payload naming the signed artifact's descriptor, the JWS envelope (flattened JSON
 * serialization, `application/jose+json`) with the signed attributes in its protected header and the certificate chain
 * in its unprotected header, and the OCI artifact manifest that stores the envelope as its one layer, with the image
 * as its subject.
 */
import { createHash, type KeyObject, sign as signBytes, type X509Certificate } from 'node:crypto';

export const NOTARY_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const NOTARY_SIGNATURE_ARTIFACT = 'application/vnd.cncf.notary.signature';
export const JWS_ENVELOPE_TYPE = 'application/jose+json';
export const THUMBPRINT_ANNOTATION = 'io.cncf.notary.x509chain.thumbprint#S256';
export const OCI_EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';
/** The empty JSON object `{}`: the config of an artifact that has none (OCI image spec 1.1). */
export const OCI_EMPTY = Buffer.from('{}');
export const SIGNING_AGENT = 'serverless-ecr/0.1.0';

/** A content descriptor: what a signature's payload names, and what a manifest's subject is. */
export type Descriptor = { mediaType: string; digest: string; size: number };

/** The JWS algorithms the Notary Project allows, by key: RSASSA-PSS by modulus size, ECDSA by curve. */
export type NotaryAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

/** A flattened JWS JSON serialization, as the Notary Project's JWS envelope is. */
export type JwsEnvelope = { payload: string; protected: string; header: { x5c: string[]; 'io.cncf.notary.signingAgent'?: string }; signature: string };

/** The signature payload (`application/vnd.cncf.notary.payload.v1+json`) naming exactly the artifact's media type, digest and size. */
export function notaryPayload(target: Descriptor): Buffer {
  return Buffer.from(JSON.stringify({ targetArtifact: { mediaType: target.mediaType, digest: target.digest, size: target.size } }));
}

/** The Notary algorithm a private key signs with; undefined for a key type or size the specification does not allow. */
export function algorithmOf(key: KeyObject): NotaryAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    return ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as const)[details.namedCurve as string];
  }
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    return ({ 2048: 'PS256', 3072: 'PS384', 4096: 'PS512' } as const)[details.modulusLength as 2048];
  }
  return undefined;
}

const HASH_OF: Record<NotaryAlgorithm, { hash: string; bytes: number }> = {
  PS256: { hash: 'sha256', bytes: 32 },
  PS384: { hash: 'sha384', bytes: 48 },
  PS512: { hash: 'sha512', bytes: 64 },
  ES256: { hash: 'sha256', bytes: 32 },
  ES384: { hash: 'sha384', bytes: 48 },
  ES512: { hash: 'sha512', bytes: 64 },
};

/** RFC 3339 without fractional seconds, as the specification asks of its times. */
export const rfc3339 = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Signs a payload into a Notary Project JWS envelope with the `notary.x509` signing scheme: the protected header holds
 * `alg`, `cty`, the signing scheme (critical) and the signing time; `x5c` carries the chain, leaf first. The signature is
 * over `BASE64URL(protected).BASE64URL(payload)`, ECDSA as r||s (IEEE P1363), RSASSA-PSS with a salt of the hash's length.
 */
export function signEnvelope(payload: Buffer, key: KeyObject, chain: X509Certificate[], alg: NotaryAlgorithm, at: Date): Buffer {
  const header = {
    alg,
    cty: NOTARY_PAYLOAD_TYPE,
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': rfc3339(at),
    crit: ['io.cncf.notary.signingScheme'],
  };
  const protectedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const encodedPayload = payload.toString('base64url');
  const input = Buffer.from(`${protectedHeader}.${encodedPayload}`, 'ascii');
  const { hash, bytes } = HASH_OF[alg];
  const signature = alg.startsWith('ES')
    ? signBytes(hash, input, { key, dsaEncoding: 'ieee-p1363' })
    : signBytes(hash, input, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: bytes });
  const envelope: JwsEnvelope = {
    payload: encodedPayload,
    protected: protectedHeader,
    header: { x5c: chain.map((c) => c.raw.toString('base64')), 'io.cncf.notary.signingAgent': SIGNING_AGENT },
    signature: signature.toString('base64url'),
  };
  return Buffer.from(JSON.stringify(envelope));
}

/** The SHA-256 thumbprints (lowercase hex) of an envelope's certificate chain, leaf first: the manifest's thumbprint annotation. */
export function chainThumbprints(envelope: Buffer): string[] {
  const parsed = JSON.parse(envelope.toString('utf8')) as Partial<JwsEnvelope>;
  const x5c = parsed.header?.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) throw new Error('the signature envelope carries no certificate chain (x5c)');
  return x5c.map((der) => createHash('sha256').update(Buffer.from(der, 'base64')).digest('hex'));
}

/** A blob's descriptor: its media type, sha256 digest and size. */
export const descriptorOf = (mediaType: string, bytes: Buffer): Descriptor => ({
  mediaType,
  digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  size: bytes.length,
});

/**
 * The signature's OCI manifest: artifactType `application/vnd.cncf.notary.signature`, the empty config, the envelope
 * as its one layer, the signed image as its subject, and the chain's thumbprints (plus the signer's annotations).
 */
export function signatureManifest(subject: Descriptor, envelope: Buffer, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: NOTARY_SIGNATURE_ARTIFACT,
    config: descriptorOf(OCI_EMPTY_TYPE, OCI_EMPTY),
    layers: [descriptorOf(JWS_ENVELOPE_TYPE, envelope)],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { ...annotations, [THUMBPRINT_ANNOTATION]: JSON.stringify(chainThumbprints(envelope)) },
  });
}
