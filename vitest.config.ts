import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file starts its own embedded stack; two cores run two files at a time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Packaged Lambda bundles (test/deploy/bundles.test.ts) load through Node's own import, as in Lambda.
    server: { deps: { external: [/secr-bundle-/] } },
  },
});
