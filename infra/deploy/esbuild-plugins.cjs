/**
 * esbuild plugins of the Lambda bundles (serverless.yml custom.esbuild.plugins).
 *
 * Lambda credentials: a Lambda receives its role's credentials in its environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the bundles resolve the SDK's default credential chain
 * (@aws-sdk/credential-provider-node: SSO, ini files, process, web identity, IMDS, and the STS/SSO clients
 * they carry, about 100 KB minified) to its environment provider alone. The local host and the tests, which
 * run unbundled, keep the full chain.
 *
 * Lambda logger: shared/observe/logger.ts (pino, with thread-stream, sonic-boom and its serializers: about 60 KB
 * minified) is resolved to shared/observe/lambda-logger.ts, which writes the same lines for the calls the Lambdas
 * make. The local host keeps pino (its child loggers and error serializers).
 */
const { join } = require('node:path');

const credentialsFromEnvironment = {
  name: 'lambda-credentials-from-environment',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: join(__dirname, 'lambda-credentials.mjs') }));
  },
};

const loggerWithoutPino = {
  name: 'lambda-logger-without-pino',
  setup(build) {
    build.onResolve({ filter: /\/observe\/logger\.ts$|^\.\/logger\.ts$/ }, (args) => {
      const resolved = join(args.resolveDir, args.path);
      if (resolved !== join(__dirname, '..', '..', 'shared', 'observe', 'logger.ts')) return undefined;
      return { path: join(__dirname, '..', '..', 'shared', 'observe', 'lambda-logger.ts') };
    });
  },
};

module.exports = [credentialsFromEnvironment, loggerWithoutPino];
