// The console in a real browser: Debian's headless Chromium driven by playwright-core (no browser
// download), against a hub listening on a free port with the console built from src/console.
// Without Chromium, vitest.config.ts leaves these tests out (see chromium.ts); under CI=true they
// fail at the start with what to install.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumFound, MISSING_ON_CI } from './chromium.ts';
import { startTestHub, type TestHub } from './hub.ts';

export { CHROMIUM };
const root = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(root, 'test/artifacts');

/** Builds the console from src/console into a fresh folder (vite's API; about a second). */
export async function buildConsole(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'ketenhub-console-'));
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, and vite would then bundle React's development build: test what ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(root, 'src/console/vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

export interface ConsoleHarness {
  hub: TestHub;
  baseUrl: string;
  browser: Browser;
  /** A fresh browser context (no storage shared with other people), at the console's sign-in page. */
  open(options?: { language?: 'nl' | 'en' }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function startConsole(options: { env?: Record<string, string> } = {}): Promise<ConsoleHarness> {
  if (!chromiumFound()) throw new Error(MISSING_ON_CI);
  const directory = await buildConsole();
  const hub = await startTestHub({ env: { CONSOLE_DIR: directory, ...options.env } });
  const server: Server = await new Promise((resolve) => {
    const listening = hub.hub.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --lang: date inputs and number formats as a Dutch officer's browser shows them.
    args: ['--headless', '--lang=nl-NL', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-extensions', '--no-first-run'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    hub,
    baseUrl,
    browser,
    async open(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'nl-NL', acceptDownloads: true });
      const page = await context.newPage();
      if (options.language === 'en') await page.addInitScript(() => window.localStorage.setItem('ketenhub.language', 'en'));
      // A console error (a failed script, a CSP refusal) is a bug: collect them for the test to check.
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      (page as Page & { problems?: string[] }).problems = problems;
      await page.goto(`${baseUrl}/console/`);
      return { context, page };
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Console errors the page logged so far (CSP refusals, failed requests, uncaught errors). Chromium
 * also logs every HTTP 400, which is how the hub answers BAD_USER_INPUT: the form shows those, so
 * they are not problems of the page.
 */
export function consoleProblems(page: Page): string[] {
  return ((page as Page & { problems?: string[] }).problems ?? []).filter((text) => !/Failed to load resource: .*status of 400/.test(text));
}

/** Signs in through the demo sign-in form, as a person of `organisation` in `role`. */
export async function signInAs(page: Page, organisationName: RegExp | string, role: 'PROFESSIONAL' | 'COORDINATOR' | 'PRIVACY_OFFICER'): Promise<void> {
  const organisation = page.getByLabel(/^(Organisatie|Organisation)/);
  const option = await organisation.locator('option').filter({ hasText: organisationName }).first().getAttribute('value');
  await organisation.selectOption(option!);
  await page.getByLabel(/^(Rol|Role)/).selectOption(role);
  await page.getByRole('button', { name: /demo/i }).click();
  await page.getByRole('navigation', { name: /Hoofdmenu|Main menu/ }).waitFor();
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now; returns serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Through the DevTools protocol, not a <script>: the console's CSP refuses inline scripts (rightly).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations;
  })) as AxeViolation[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** Saves a screenshot (full page unless told) under test/artifacts/ (not committed). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  return path;
}

export function cleanArtifacts(): void {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
}
