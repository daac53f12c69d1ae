/**
 * The registry's secret access key from AWS Systems Manager Parameter Store, for the deployment: a
 * SecureString parameter, or a Secrets Manager secret through SSM's /aws/reference/secretsmanager/<name>.
 * Read once per cold start (shared/deps.ts), so the secret never sits in the template or the function's
 * environment.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/**
 * The secret named by REGISTRY_SECRET_PARAMETER, or undefined when that is unset or
 * REGISTRY_SECRET_ACCESS_KEY is given directly. SSM_ENDPOINT overrides the endpoint. Throws when the
 * parameter cannot be read: a registry without its secret must not start.
 */
export async function secretFromParameter(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const name = env.REGISTRY_SECRET_PARAMETER;
  if (!name || env.REGISTRY_SECRET_ACCESS_KEY) return undefined;
  const client = new SSMClient({ region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION, ...(env.SSM_ENDPOINT ? { endpoint: env.SSM_ENDPOINT } : {}) });
  try {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (!value) throw new Error(`SSM parameter ${name} is empty`);
    return value;
  } finally {
    client.destroy();
  }
}
