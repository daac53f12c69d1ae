import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The registries the tests start in process log every request (shared/observe/logger.ts): only warnings
    // and errors reach the test output unless LOG_LEVEL asks for more.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    // Each file starts its own embedded stack; two cores run two files at a time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Packaged Lambda bundles (test/deploy/bundles.test.ts) load through Node's own import, as in Lambda.
    server: { deps: { external: [/secr-bundle-/] } },
  },
});
