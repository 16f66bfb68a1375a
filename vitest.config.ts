import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The README's pictures are taken on request (SK_SCREENSHOTS=docs), not in every run.
    exclude: [...configDefaults.exclude, ...(process.env.SK_SCREENSHOTS ? [] : ['test/pages/screenshots.test.ts'])],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end files start whole suites of processes: on two cores they run one at a time.
    fileParallelism: false,
    pool: 'forks',
  },
});
