/**
 * One call of an AWS JSON 1.1 API (SSM's GetParameter, Secrets Manager's GetSecretValue), signed with the SDK's own
 * SigV4 signer, which the request verification already bundles, and the role credentials the Lambda runtime puts
 * in the environment. A whole SDK client per service would add its models and error classes for every operation
 * to every bundle, for the one call the registry makes.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** A service's refusal or failure, named as the service names it (`ParameterNotFound`, `ResourceNotFoundException`, `AccessDeniedException`). */
export class AwsCallError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export type AwsJsonCall = {
  /** The signing name and the endpoint's first label: `ssm`, `secretsmanager`. */
  service: string;
  /** X-Amz-Target: `AmazonSSM.GetParameter`, `secretsmanager.GetSecretValue`. */
  target: string;
  input: Record<string, unknown>;
  /** The endpoint when not AWS's own (`https://<service>.<region>.amazonaws.com/`). */
  endpoint?: string;
  /** What is being read, for the error messages: `SSM parameter /x`. */
  what: string;
  /** How long the service has to answer (AWS_JSON_TIMEOUT_MS by default). */
  timeoutMs?: number;
};

/**
 * How long a call waits for its answer. A Lambda frozen mid-call finds it timed out when it thaws, so a refresh
 * that lost its connection ends (and is tried again) instead of standing in the way of every later one.
 */
export const AWS_JSON_TIMEOUT_MS = 5_000;

/** The call's JSON output; throws AwsCallError for the service's refusals and Error when the environment cannot sign. */
export async function callAwsJson(env: NodeJS.ProcessEnv, call: AwsJsonCall): Promise<Record<string, any>> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`Cannot read ${call.what}: AWS_REGION is not set`);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error(`Cannot read ${call.what}: no AWS credentials in the environment`);
  const url = new URL(call.endpoint ?? `https://${call.service}.${region}.amazonaws.com/`);
  const body = JSON.stringify(call.input);
  const headers = await signedPostHeaders(url, body, {
    service: call.service,
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': call.target },
  });
  const timeoutMs = call.timeoutMs ?? AWS_JSON_TIMEOUT_MS;
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) }).catch((e: Error) => {
    if (e.name === 'TimeoutError') throw new Error(`${call.what} could not be read: no answer within ${timeoutMs} ms`);
    throw e;
  });
  // The signal covers the body too: an answer that stops halfway times out like one that never comes.
  const out = (await res.json().catch((e: Error) => {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`${call.what} could not be read: no answer within ${timeoutMs} ms`);
    return {};
  })) as Record<string, any>;
  if (!res.ok) {
    const type = String(out.__type ?? `HTTP ${res.status}`)
      .split('#')
      .pop()!;
    const message = out.message ?? out.Message;
    throw new AwsCallError(type, `${call.what} could not be read: ${type}${message ? `: ${message}` : ''}`);
  }
  return out;
}

export type SigningContext = {
  service: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The request's headers besides host (which the URL gives). */
  headers: Record<string, string>;
};

/** The headers of a SigV4-signed POST of `body` to `url`, host left out: fetch sends the host it connects to, the one signed. */
export async function signedPostHeaders(url: URL, body: string, context: SigningContext): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: context.service, region: context.region, sha256: Hash.bind(null, 'sha256'), credentials: context.credentials });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      headers: { host: url.host, ...context.headers },
      body,
    }),
  );
  const { host: _host, ...headers } = signed.headers;
  return headers;
}
