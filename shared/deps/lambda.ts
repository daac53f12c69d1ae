/**
 * A Lambda's dependencies: the configuration from its environment and the parts its entry module names
 * (shared/deps/parts.ts), built once per cold start, on first use.
 */
import { configFromEnv, DEFAULT_SECRET_ACCESS_KEY, principalsDocumentSource } from '../config.ts';
import type { Deps } from '../deps.ts';
import { watchPrincipalsDocument } from '../iam/document.ts';
import { rootEntry } from '../iam/principals.ts';
import { principalsDocumentReader } from '../secrets/principals-document.ts';
import { secretFromParameter } from '../secrets/ssm-secret.ts';
import { assembleDeps, type DepsParts } from './parts.ts';

// In AWS the secret key is read from SSM Parameter Store (REGISTRY_SECRET_PARAMETER), and the principals document
// from Secrets Manager or SSM (REGISTRY_IAM_SECRET_ID / REGISTRY_IAM_PARAMETER), by top-level awaits: they complete
// in the Lambda's init phase, before the first request, and everything after stays synchronous.
const parameterSecret = await secretFromParameter(process.env);
const documentSource = principalsDocumentSource(process.env);
const documentReader = documentSource && principalsDocumentReader(documentSource, process.env);
const document = documentReader && (await documentReader.read());

/** The Deps of `parts` from the environment, built on first call. Refuses the default keys in a Lambda. */
export function lambdaDeps(parts: DepsParts): () => Deps {
  let deps: Deps | undefined;
  return () => {
    if (!deps) {
      const config = configFromEnv(parameterSecret === undefined ? process.env : { ...process.env, REGISTRY_SECRET_ACCESS_KEY: parameterSecret });
      if (process.env.AWS_LAMBDA_FUNCTION_NAME && config.secretAccessKey === DEFAULT_SECRET_ACCESS_KEY) {
        throw new Error('Refusing the default access keys in AWS: set REGISTRY_SECRET_PARAMETER (or REGISTRY_SECRET_ACCESS_KEY).');
      }
      if (process.env.AWS_LAMBDA_FUNCTION_NAME && config.secretAccessKey === '') {
        throw new Error('Refusing an empty secret access key in AWS: set REGISTRY_SECRET_PARAMETER (or REGISTRY_SECRET_ACCESS_KEY).');
      }
      const root = rootEntry(config.registryId, config.accessKeyId, config.secretAccessKey);
      deps = assembleDeps(
        config,
        parts,
        documentReader && document !== undefined ? watchPrincipalsDocument(document, documentReader.read, root, { where: documentReader.where }) : undefined,
      );
    }
    return deps;
  };
}
