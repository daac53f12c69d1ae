/**
 * A Notary Project signature verifier for the tests, independent of the signing code: the JWS envelope is verified with
 * `jose` (flattened JWS, the Notary signing scheme as its one critical header), the certificate chain with node:crypto
 * X.509 up to the trust anchor, and the payload must name exactly the expected artifact's media type, digest and size.
 */
import { X509Certificate } from 'node:crypto';
import { flattenedVerify } from 'jose';

export type Verdict = { valid: true; header: Record<string, unknown> } | { valid: false; reason: string };
export type Target = { mediaType: string; digest: string; size: number };

const ALGORITHMS = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

/** Whether `envelopeBytes` is a valid Notary Project JWS signature of `target` by a certificate chaining to `trustAnchorPem`. */
export async function verifyNotarySignature(envelopeBytes: Buffer, target: Target, trustAnchorPem: string): Promise<Verdict> {
  try {
    const envelope = JSON.parse(envelopeBytes.toString('utf8'));
    const keys = Object.keys(envelope).sort();
    if (keys.join() !== 'header,payload,protected,signature') return { valid: false, reason: `envelope members ${keys.join()}` };
    const header = JSON.parse(Buffer.from(envelope.protected, 'base64url').toString('utf8'));
    if (!ALGORITHMS.includes(header.alg)) return { valid: false, reason: `alg ${header.alg}` };
    if (header.cty !== 'application/vnd.cncf.notary.payload.v1+json') return { valid: false, reason: `cty ${header.cty}` };
    const scheme = header['io.cncf.notary.signingScheme'];
    if (scheme !== 'notary.x509' && scheme !== 'notary.x509.signingAuthority') return { valid: false, reason: `signing scheme ${scheme}` };
    if (!Array.isArray(header.crit) || !header.crit.includes('io.cncf.notary.signingScheme')) return { valid: false, reason: 'crit lacks the signing scheme' };
    const time = header[scheme === 'notary.x509' ? 'io.cncf.notary.signingTime' : 'io.cncf.notary.authenticSigningTime'];
    if (typeof time !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(time)) return { valid: false, reason: `signing time ${time}` };

    const chain = (envelope.header?.x5c ?? []).map((der: string) => new X509Certificate(Buffer.from(der, 'base64')));
    if (chain.length === 0) return { valid: false, reason: 'no x5c' };
    const anchor = new X509Certificate(trustAnchorPem);
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey))
        return { valid: false, reason: `certificate ${i} not issued by the next` };
    }
    const root = chain[chain.length - 1];
    const anchored = root.fingerprint256 === anchor.fingerprint256 || (root.checkIssued(anchor) && root.verify(anchor.publicKey));
    if (!anchored) return { valid: false, reason: 'the chain does not end at the trust anchor' };
    const leaf = chain[0];
    if (leaf.ca) return { valid: false, reason: 'the signing certificate is a CA' };
    if (leaf.keyUsage && !leaf.keyUsage.includes(CODE_SIGNING)) return { valid: false, reason: 'the signing certificate is not for code signing' };
    const expected = expectedAlg(leaf);
    if (header.alg !== expected) return { valid: false, reason: `alg ${header.alg} for a ${expected} key` };

    const { payload } = await flattenedVerify(envelope, leaf.publicKey, { algorithms: [header.alg], crit: { 'io.cncf.notary.signingScheme': true } });
    const named = JSON.parse(Buffer.from(payload).toString('utf8')).targetArtifact ?? {};
    if (named.mediaType !== target.mediaType || named.digest !== target.digest || named.size !== target.size) {
      return { valid: false, reason: `the payload names ${JSON.stringify(named)}` };
    }
    return { valid: true, header };
  } catch (e) {
    return { valid: false, reason: (e as Error).message };
  }
}

function expectedAlg(cert: X509Certificate): string | undefined {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as Record<string, string>)[details.namedCurve!];
  return ({ 2048: 'PS256', 3072: 'PS384', 4096: 'PS512' } as Record<number, string>)[details.modulusLength!];
}
