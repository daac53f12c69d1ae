// What the Lambda bundles get for @aws-sdk/credential-provider-node (infra/deploy/esbuild-plugins.cjs): the
// role's credentials from the environment, as the Lambda runtime sets them.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init) => fromEnv(init);
