/**
 * The signer in AWS: AWS Signer's SignPayload (`POST /signing-jobs/with-payload`, REST-JSON, SigV4 signing name
 * `signer`) with the rule's signing profile (a Notation-compatible `Notation-OCI-SHA384-ECDSA` profile), as the
 * Notation AWS Signer plugin calls it: the Notary payload in, the whole JWS envelope (signing scheme
 * `notary.x509.signingAuthority`) and the manifest annotations out. Signed with the function's role credentials from the
 * environment, by the SDK's own SigV4 signer (no Signer SDK client for one call); SIGNER_ENDPOINT overrides the endpoint.
 */
import { signedPostHeaders } from '../secrets/aws-json.ts';
import { NOTARY_PAYLOAD_TYPE } from './envelope.ts';
import { parseProfileArn, SigningFailure, type PayloadSigner } from './signer.ts';

/** AWS Signer in `region` (the profile's own region when its ARN names one), credentials from `env`. */
export function awsSigner(env: NodeJS.ProcessEnv, endpoint?: string): PayloadSigner {
  return {
    async sign(profileArn, payload) {
      const profile = parseProfileArn(profileArn);
      if (!profile) throw new SigningFailure('SIGNING_PROFILE_NOT_FOUND', `${profileArn} is not a signing profile ARN`);
      const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
      if (!accessKeyId || !secretAccessKey)
        throw new SigningFailure('SIGNER_UNAVAILABLE', 'No AWS credentials in the environment to call AWS Signer with', true);
      const url = new URL('/signing-jobs/with-payload', endpoint ?? `https://signer.${profile.region}.amazonaws.com/`);
      const body = JSON.stringify({
        profileName: profile.name,
        profileOwner: profile.account,
        payload: payload.toString('base64'),
        payloadFormat: NOTARY_PAYLOAD_TYPE,
      });
      const headers = await signedPostHeaders(url, body, {
        service: 'signer',
        region: profile.region,
        credentials: { accessKeyId, secretAccessKey, sessionToken },
        headers: { 'content-type': 'application/json' },
      });
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) });
      } catch (e) {
        throw new SigningFailure('SIGNER_UNAVAILABLE', `AWS Signer did not answer: ${(e as Error).message}`, true);
      }
      const out = (await res.json().catch(() => ({}))) as Record<string, any>;
      if (!res.ok) throw refusal(res, out);
      if (typeof out.signature !== 'string' || out.signature === '') throw new SigningFailure('SIGNER_REFUSED', 'AWS Signer answered no signature');
      const metadata = out.metadata && typeof out.metadata === 'object' ? (out.metadata as Record<string, string>) : undefined;
      return { envelope: Buffer.from(out.signature, 'base64'), ...(metadata ? { annotations: metadata } : {}) };
    },
  };
}

/** AWS Signer's error as a signing failure: its error type from the `x-amzn-errortype` header or the body. */
function refusal(res: Response, out: Record<string, any>): SigningFailure {
  const type = String(res.headers.get('x-amzn-errortype') ?? out.__type ?? out.code ?? `HTTP ${res.status}`)
    .split(':')[0]
    .split('#')
    .pop()!;
  const reason = `AWS Signer refused SignPayload: ${type}${(out.message ?? out.Message) ? `: ${out.message ?? out.Message}` : ''}`;
  if (type === 'AccessDeniedException') return new SigningFailure('ACCESS_DENIED', reason);
  if (type === 'ResourceNotFoundException' || type === 'NotFoundException') return new SigningFailure('SIGNING_PROFILE_NOT_FOUND', reason);
  if (type === 'ThrottlingException' || type === 'TooManyRequestsException' || res.status >= 500) return new SigningFailure('SIGNER_UNAVAILABLE', reason, true);
  return new SigningFailure('SIGNER_REFUSED', reason);
}
