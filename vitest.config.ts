import { defineConfig } from 'vitest/config';
import { SKIP_LINE, skipBrowserTests } from './test/helpers/chromium.ts';

// Without Chromium (and not on CI) the browser project is left out, with one line saying why
// (once: vitest loads this file more than once in a run).
const withoutBrowser = skipBrowserTests();
if (withoutBrowser && !process.env.KETENHUB_BROWSER_SKIP_SAID) {
  process.env.KETENHUB_BROWSER_SKIP_SAID = '1';
  console.warn(SKIP_LINE);
}

export default defineConfig({
  // graphql ships CommonJS and ESM builds; yoga loads one and vite would hand our code the other,
  // and graphql-js refuses objects from a second copy. Point everyone at the same build.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    // Builds the migrated, seeded database once; each test file then starts from a copy of it.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two files at a time, each with its own database.
    maxWorkers: 2,
    reporters: ['default'],
    // The browser tests (headless Chromium) run after the API tests, never beside them: a browser
    // takes a core, and the load and timing-bound API tests must not share the machine with one.
    projects: [
      { extends: true, test: { name: 'api', include: ['test/*.test.ts'], exclude: ['test/load.test.ts'], sequence: { groupOrder: 0 } } },
      // The load tests measure how the hub shares itself between callers: alone on the machine,
      // after the other API tests, so another test file's work is not counted as the hub's.
      { extends: true, test: { name: 'load', include: ['test/load.test.ts'], sequence: { groupOrder: 1 } } },
      ...(withoutBrowser ? [] : [{ extends: true as const, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], sequence: { groupOrder: 2 } } }]),
    ],
    // `vitest run test/browser/…` without a browser: the line above, and no failure for no files.
    passWithNoTests: withoutBrowser,
  },
});
