// Where the browser tests find Chromium, and what happens when there is none. Kept apart from
// browser.ts (which loads playwright, vite and a hub) because vitest.config.ts reads it too: without
// a browser, `npm test` leaves the browser project out with one line saying what to install, except
// under CI=true, where a missing browser must fail the run rather than pass it quietly.
import { accessSync, constants } from 'node:fs';

/** Debian's package, or the binary named by CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** CI=true (or any value but an empty one, `false` or `0`), as CI services set it. */
export const onCi = (env: NodeJS.ProcessEnv = process.env): boolean => !!env.CI && env.CI !== 'false' && env.CI !== '0';

export function chromiumFound(path: string = CHROMIUM): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The one line `npm test` prints when it leaves the browser tests out. */
export const SKIP_LINE =
  `Browser tests (test/browser/) skipped: no Chromium at ${CHROMIUM}. ` +
  'Install it (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary; with CI=true a missing browser fails the run.';

/** The error each browser test file fails with under CI=true when there is no browser. */
export const MISSING_ON_CI =
  `No Chromium at ${CHROMIUM}, and CI=true: the browser tests must run here. ` +
  'Install it (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.';

/** Whether the browser tests are left out of this run (no browser, not on CI). */
export const skipBrowserTests = (): boolean => !chromiumFound() && !onCi();
