/**
 * Verifies AWS Signature Version 4 on an incoming ECR request by recomputing it with the SDK's own
 * signer (@smithy/signature-v4) over the received method, path, query, signed headers and body hash, and
 * comparing in constant time. Refusals are worded and typed as AWS words them. The checks that need no body come
 * first (checkSigV4), so a host can refuse a request before reading its body, and hash the body as it streams.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import { IncompleteSignatureException, InvalidSignatureException, MissingAuthenticationTokenException, UnrecognizedClientException } from '../errors.ts';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export type SignedRequest = {
  method: string;
  /** The path the client signed: `/` for every ECR call, whatever a router rewrote it to. */
  path: string;
  query: Record<string, string | string[]>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer | string;
};

/** Looks up the secret of an access key id; undefined for an unknown key. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

const AUTH = /^AWS4-HMAC-SHA256 (.*)$/;

/** What a signature must also cover, as AWS requires: the scope's region, and headers that must be signed. */
export type SigningRules = { region?: string; mustSign?: string[] };

/**
 * A request whose Authorization header, credential scope, access key, date and signed headers are good: only the
 * signature itself, which covers the body, is left to check. Built before the body is read (checkSigV4).
 */
export type SignatureCheck = {
  accessKeyId: string;
  /** Resolves with the access key id when the signature matches the request with a body of this SHA-256 (hex); throws AWS's error otherwise. */
  verify(payloadSha256: string): Promise<string>;
};

/** The SHA-256 of a body, in hex, as SigV4's canonical request holds it. */
export function sha256Hex(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Resolves with the verified access key id, or throws the error AWS would answer with. */
export async function verifySigV4(req: SignedRequest, service: string, secretOf: SecretLookup, now = new Date(), rules: SigningRules = {}): Promise<string> {
  return checkSigV4(req, service, secretOf, now, rules).verify(sha256Hex(req.body));
}

/**
 * Checks everything of a signed request but the signature over its body, in AWS's order, and throws the error AWS
 * would answer with: one Authorization header of the right shape, the credential scope, a known access key, the
 * date within 15 minutes, the headers that must be signed. A caller reads the body only once this has passed.
 * Two Authorization headers arrive joined by a comma (as HTTP joins repeated headers, and API Gateway does).
 */
export function checkSigV4(
  req: Omit<SignedRequest, 'body'>,
  service: string,
  secretOf: SecretLookup,
  now = new Date(),
  rules: SigningRules = {},
): SignatureCheck {
  const authorization = req.headers.authorization;
  if (!authorization) throw new MissingAuthenticationTokenException('Missing Authentication Token');
  const match = AUTH.exec(authorization.trim());
  if (!match)
    throw new IncompleteSignatureException(
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization.split(' ')[0]}`,
    );
  // AWS reads the parameters as key=value pairs separated by commas and white space: a second header's
  // `AWS4-HMAC-SHA256` (or any stray word) is not one.
  const params: Record<string, string> = Object.create(null);
  for (const pair of match[1].split(/[,\s]+/).filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0)
      throw new IncompleteSignatureException(`'${pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`);
    params[pair.slice(0, i)] = pair.slice(i + 1);
  }
  for (const required of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!params[required]) throw new IncompleteSignatureException(`Authorization header requires '${required}' parameter. Authorization=AWS4-HMAC-SHA256`);
  }
  const [accessKeyId, day, region, scopeService, terminator, ...extra] = params.Credential.split('/');
  if (!accessKeyId || !day || !region || !scopeService || terminator !== 'aws4_request' || extra.length) {
    throw new IncompleteSignatureException(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${params.Credential}'`,
    );
  }
  const amzDate = req.headers['x-amz-date'];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new IncompleteSignatureException("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const secret = secretOf(accessKeyId);
  if (secret === undefined) throw new UnrecognizedClientException('The security token included in the request is invalid.');
  if (scopeService !== service) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${service}'. `);
  if (rules.region !== undefined && region !== rules.region) throw new InvalidSignatureException(`Credential should be scoped to a valid region. `);
  if (day !== amzDate.slice(0, 8))
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );

  const signingDate = parseAmzDate(amzDate);
  const skew = signingDate.getTime() - now.getTime();
  if (skew < -MAX_CLOCK_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature expired: ${amzDate} is now earlier than ${amz(new Date(now.getTime() - MAX_CLOCK_SKEW_MS))} (${amz(now)} - 15 min.)`,
    );
  }
  if (skew > MAX_CLOCK_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${amzDate} is still later than ${amz(new Date(now.getTime() + MAX_CLOCK_SKEW_MS))} (${amz(now)} + 15 min.)`,
    );
  }

  const signedHeaders = params.SignedHeaders.split(';').map((h: string) => h.toLowerCase());
  for (const name of rules.mustSign ?? []) {
    if (!signedHeaders.includes(name)) throw new InvalidSignatureException(`'${name}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    if (req.headers[name] === undefined) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    headers[name] = req.headers[name];
  }
  const given = String(params.Signature).toLowerCase();
  const verify = async (payloadSha256: string) => {
    const signer = new SignatureV4({
      service,
      region,
      credentials: { accessKeyId, secretAccessKey: secret },
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: true,
      applyChecksum: false,
    });
    // The signer takes the payload's hash from x-amz-content-sha256: the body's own hash stands there (a client that
    // signed that header signed its value, which must then be this hash), and it is signed only when the client signed it.
    const signsHash = signedHeaders.includes(SHA256_HEADER);
    const request = new HttpRequest({
      method: req.method.toUpperCase(),
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path.split('?')[0],
      query: req.query,
      headers: { ...headers, [SHA256_HEADER]: payloadSha256 },
    });
    const signed = await signer.sign(request, {
      signingDate,
      unsignableHeaders: new Set(signsHash ? [] : [SHA256_HEADER]),
      signableHeaders: new Set(signedHeaders),
    });
    const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? '';
    if (expected.length !== given.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(given))) {
      throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    }
    return accessKeyId;
  };
  return { accessKeyId, verify };
}

const SHA256_HEADER = 'x-amz-content-sha256';

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function parseAmzDate(s: string): Date {
  return new Date(Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15)));
}

function amz(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
