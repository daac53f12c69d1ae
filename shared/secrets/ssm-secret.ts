/**
 * The registry's secret access key from AWS Systems Manager Parameter Store, for the deployment: a
 * SecureString parameter, or a Secrets Manager secret through SSM's /aws/reference/secretsmanager/<name>.
 * Read once per cold start (shared/deps/lambda.ts), so the secret never sits in the template or the function's
 * environment.
 *
 * The one call is SSM's GetParameter as its JSON protocol defines it (a POST with `X-Amz-Target`), signed with
 * the SDK's own SigV4 signer, which the request verification already bundles, and the role credentials the
 * Lambda runtime puts in the environment. @aws-sdk/client-ssm would add about 80 KB of models and error
 * classes for all of SSM's operations to every bundle.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SSM's answer to a refused or failed GetParameter, named as SSM names it (`ParameterNotFound`, `AccessDeniedException`). */
export class ParameterReadError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * The secret named by REGISTRY_SECRET_PARAMETER, or undefined when that is unset or
 * REGISTRY_SECRET_ACCESS_KEY is given directly. SSM_ENDPOINT overrides the endpoint. Throws when the
 * parameter cannot be read: a registry without its secret must not start.
 */
export async function secretFromParameter(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const name = env.REGISTRY_SECRET_PARAMETER;
  if (!name || env.REGISTRY_SECRET_ACCESS_KEY) return undefined;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`Cannot read SSM parameter ${name}: AWS_REGION is not set`);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error(`Cannot read SSM parameter ${name}: no AWS credentials in the environment`);
  const url = new URL(env.SSM_ENDPOINT ?? `https://ssm.${region}.amazonaws.com/`);
  const body = JSON.stringify({ Name: name, WithDecryption: true });
  const signer = new SignatureV4({ service: 'ssm', region, sha256: Hash.bind(null, 'sha256'), credentials: { accessKeyId, secretAccessKey, sessionToken } });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      body,
    }),
  );
  // fetch sends the host it connects to, which is the one signed.
  const { host: _host, ...headers } = signed.headers;
  const res = await fetch(url, { method: 'POST', headers, body });
  const out = (await res.json().catch(() => ({}))) as { Parameter?: { Value?: string }; __type?: string; message?: string; Message?: string };
  if (!res.ok) {
    const type = (out.__type ?? `HTTP ${res.status}`).split('#').pop()!;
    throw new ParameterReadError(
      type,
      `SSM parameter ${name} could not be read: ${type}${(out.message ?? out.Message) ? `: ${out.message ?? out.Message}` : ''}`,
    );
  }
  const value = out.Parameter?.Value;
  if (!value) throw new Error(`SSM parameter ${name} is empty`);
  return value;
}
