import { defineConfig } from 'vitest/config';

// One suite, two engines: PGlite by default, the PostgreSQL server when DATABASE_URL is set.
// The global setup migrates a template once; each test file gets its own copy of it.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
