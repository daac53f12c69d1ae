/**
 * The principals document (the REGISTRY_IAM_FILE format) as the deployment keeps it: a Secrets Manager secret
 * (REGISTRY_IAM_SECRET_ID, read with GetSecretValue; up to 64 KB) or an SSM SecureString (REGISTRY_IAM_PARAMETER,
 * read with GetParameter; 4 KB, or 8 KB for an advanced parameter). One signed call each (./aws-json.ts);
 * SECRETS_MANAGER_ENDPOINT and SSM_ENDPOINT override the endpoints.
 */
import type { PrincipalsDocumentSource } from '../config.ts';
import { callAwsJson } from './aws-json.ts';
import { readParameter } from './ssm-secret.ts';

export type PrincipalsDocumentReader = {
  /** What is read, for log lines: `Secrets Manager secret <id>`, `SSM parameter <name>`. */
  where: string;
  /** The document's text as stored now; throws when it cannot be read. */
  read: () => Promise<string>;
};

/** How to read the document `source` names, with the credentials and endpoints of `env`. */
export function principalsDocumentReader(source: PrincipalsDocumentSource, env: NodeJS.ProcessEnv): PrincipalsDocumentReader {
  if (source.kind === 'parameter') return { where: `SSM parameter ${source.name}`, read: () => readParameter(env, source.name) };
  const where = `Secrets Manager secret ${source.secretId}`;
  return {
    where,
    read: async () => {
      const out = await callAwsJson(env, {
        service: 'secretsmanager',
        target: 'secretsmanager.GetSecretValue',
        input: { SecretId: source.secretId },
        endpoint: env.SECRETS_MANAGER_ENDPOINT || undefined,
        what: where,
      });
      const value = typeof out.SecretString === 'string' ? out.SecretString : out.SecretBinary ? Buffer.from(out.SecretBinary, 'base64').toString('utf8') : '';
      if (!value) throw new Error(`${where} is empty`);
      return value;
    },
  };
}
