/**
 * esbuild plugins of the Lambda bundles (serverless.yml custom.esbuild.plugins).
 *
 * Lambda credentials: a Lambda receives its role's credentials in its environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the bundles resolve the SDK's default credential chain
 * (@aws-sdk/credential-provider-node: SSO, ini files, process, web identity, IMDS, and the STS/SSO clients
 * they carry, about 100 KB minified) to its environment provider alone. The local host and the tests, which
 * run unbundled, keep the full chain.
 */
const { join } = require('node:path');

const credentialsFromEnvironment = {
  name: 'lambda-credentials-from-environment',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: join(__dirname, 'lambda-credentials.mjs') }));
  },
};

module.exports = [credentialsFromEnvironment];
