/**
 * The registry's secret access key from AWS Systems Manager Parameter Store, for the deployment: a
 * SecureString parameter, or a Secrets Manager secret through SSM's /aws/reference/secretsmanager/<name>.
 * Read once per cold start (shared/deps/lambda.ts), so the secret never sits in the template or the function's
 * environment.
 *
 * The one call is SSM's GetParameter as its JSON protocol defines it (a POST with `X-Amz-Target`), signed
 * (./aws-json.ts) rather than made through @aws-sdk/client-ssm, which would add about 80 KB of models and error
 * classes for all of SSM's operations to every bundle.
 */
import { callAwsJson } from './aws-json.ts';

/**
 * The secret named by REGISTRY_SECRET_PARAMETER, or undefined when that is unset or
 * REGISTRY_SECRET_ACCESS_KEY is given directly. SSM_ENDPOINT overrides the endpoint. Throws when the
 * parameter cannot be read: a registry without its secret must not start.
 */
export async function secretFromParameter(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const name = env.REGISTRY_SECRET_PARAMETER;
  if (!name || env.REGISTRY_SECRET_ACCESS_KEY) return undefined;
  return readParameter(env, name);
}

/** The decrypted value of an SSM parameter (a SecureString, or /aws/reference/secretsmanager/<name>); throws when it cannot be read or is empty. */
export async function readParameter(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const out = await callAwsJson(env, {
    service: 'ssm',
    target: 'AmazonSSM.GetParameter',
    input: { Name: name, WithDecryption: true },
    endpoint: env.SSM_ENDPOINT || undefined,
    what: `SSM parameter ${name}`,
  });
  const value = out.Parameter?.Value;
  if (!value) throw new Error(`SSM parameter ${name} is empty`);
  return value;
}
