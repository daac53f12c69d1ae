/** How the registry's deps get their principals and their Authorizer, for every way deps are built (AWS, local, memory). */
import type { Config } from '../config.ts';
import type { Authorizer } from '../domain/authorize.ts';
import type { RepositoryStore } from '../store/metadata.ts';
import type { RegistryStore } from '../store/registry.ts';
import { PolicyAuthorizer } from './authorizer.ts';
import { watchPrincipalsFile, type PrincipalsSource } from './file.ts';
import { Directory, rootEntry } from './principals.ts';

/** The principals of a configuration: the root key, and those of the principals file when one is named. */
export function principalsOf(config: Config): PrincipalsSource {
  const root = rootEntry(config.registryId, config.accessKeyId, config.secretAccessKey);
  if (config.iamFile) return watchPrincipalsFile(config.iamFile, root);
  // Only the Lambdas read the document from AWS, at cold start (shared/deps/lambda.ts), and hand it over.
  if (config.iamDocument) throw new Error('The principals document in AWS (REGISTRY_IAM_SECRET_ID, REGISTRY_IAM_PARAMETER) is read by the Lambdas only.');
  const only = new Directory([root]);
  return { directory: () => only, close: () => undefined };
}

/** Decides as IAM does over the deps' principals, repositories and registry policy. */
export function policyAuthorizer(deps: {
  config: Config;
  principals: PrincipalsSource;
  repositories: Pick<RepositoryStore, 'get'>;
  registry: Pick<RegistryStore, 'getPolicy'>;
  now: () => Date;
}): Authorizer {
  return new PolicyAuthorizer({
    directory: () => deps.principals.directory(),
    registryId: deps.config.registryId,
    region: deps.config.region,
    repository: (name) => deps.repositories.get(name),
    registryPolicy: () => deps.registry.getPolicy(),
    now: () => deps.now(),
  });
}
