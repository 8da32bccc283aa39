// Every kind of organisation in every role it has, in a real browser: sign in, open each page the
// menu offers (and one detail page where a list offers one), and check that the page's heading
// appears, that no error notice shows (a FORBIDDEN here would mean a page selects a category the
// caller's kind may never read, which the hub refuses whole), that axe-core finds no serious
// violation and the browser logs no error, and that the menu holds exactly the role's pages.
// One browser context per organisation and role; pages are visited by clicking the menu.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DEMO_ORGANISATIONS } from '../../src/demo/region.ts';
import { ROLES_BY_KIND } from '../../src/policy/policy.ts';
import type { OrganisationKind, Role } from '../../src/policy/vocabulary.ts';
import { consoleProblems, seriousAxeViolations, signInAs, startConsole, type ConsoleHarness } from '../helpers/browser.ts';

let harness: ConsoleHarness;
beforeAll(async () => {
  harness = await startConsole();
}, 120_000);
afterAll(async () => harness?.close());

/** One organisation of every kind. */
const ORGANISATIONS = ['lz-den-haag', 'school-zuiderpark-college', 'smw-den-haag', 'politie-den-haag', 'jbw-crisisteam', 'veilig-thuis-haaglanden', 'cjg-den-haag'].map(
  (id) => DEMO_ORGANISATIONS.find((organisation) => organisation.id === id)!,
);

/** Menu entry → the h1 of its page. */
const PAGES: Record<string, string> = {
  Verwijzingen: 'Verwijzingen',
  'Nieuwe verwijzing': 'Nieuwe verwijzing',
  'Te laat': 'Te laat',
  Leerlingen: 'Leerlingen',
  'Uit beeld': 'Leerlingen uit beeld',
  Toegangslogboek: 'Toegangslogboek',
  'Noodtoegang beoordelen': 'Noodtoegang beoordelen',
  'Controle van het logboek': 'Controle van het toegangslogboek',
};

/** Lists that offer a detail page: menu entry → a link to one of its rows. */
const DETAIL_LINKS: Record<string, string> = {
  Verwijzingen: 'main table a[href^="#/referrals/"]:not([href="#/referrals/new"])',
  Leerlingen: 'main table a[href^="#/pupils/"]',
  'Uit beeld': 'main a[href^="#/out-of-view/"]',
};

function expectedMenu(kind: OrganisationKind, role: Role): string[] {
  if (role === 'PRIVACY_OFFICER') return ['Toegangslogboek', 'Noodtoegang beoordelen', 'Controle van het logboek'];
  return [
    'Verwijzingen',
    'Nieuwe verwijzing',
    ...(role === 'COORDINATOR' ? ['Te laat'] : []),
    'Leerlingen',
    ...(kind === 'LEERLINGZAKEN' || kind === 'SCHOOL' ? ['Uit beeld'] : []),
  ];
}

/** GraphQL requests in flight per page, so that a check waits until the page has its answers. */
const inFlight = new WeakMap<Page, { count: number; total: number }>();
function track(page: Page): void {
  const state = { count: 0, total: 0 };
  inFlight.set(page, state);
  const graphql = (url: string) => url.includes('/graphql');
  page.on('request', (request) => {
    if (!graphql(request.url())) return;
    state.count++;
    state.total++;
  });
  const done = (request: { url(): string }) => {
    if (graphql(request.url())) state.count--;
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
}

/** Waits until no GraphQL request is in flight and no section shows "loading" for a short while. */
async function settle(page: Page): Promise<void> {
  const state = inFlight.get(page)!;
  let quietSince = 0;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const quiet = state.count === 0 && (await page.locator('.loading').count()) === 0;
    if (!quiet) quietSince = 0;
    else if (!quietSince) quietSince = Date.now();
    else if (Date.now() - quietSince >= 100) return;
    await page.waitForTimeout(25);
  }
  throw new Error(`page did not settle: ${state.count} requests in flight`);
}

async function h1(page: Page): Promise<string> {
  return (await page.locator('main h1').innerText()).trim();
}

/** The problems of the page as it is now, each named with `where`. */
async function problemsOf(page: Page, where: string): Promise<string[]> {
  const problems: string[] = [];
  const notices = await page.locator('.notice-error, [role="alert"]').allInnerTexts();
  for (const notice of notices) problems.push(`${where}: error notice: ${notice.replace(/\s+/g, ' ').trim()}`);
  for (const violation of await seriousAxeViolations(page))
    problems.push(`${where}: axe ${violation.impact} ${violation.id} (${violation.help}) at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  return problems;
}

describe.each(ORGANISATIONS)('console roles: $name ($kind)', (organisation) => {
  // The roles of one organisation side by side: each has its own browser context, and nothing here changes data.
  // Coordinators read what professionals of their kind read; beyond Leerlingzaken, schools and school
  // social work (overview, overdue work worth a look) their pages are the professionals' ones.
  const roles = (ROLES_BY_KIND[organisation.kind] as Role[]).filter(
    (role) => role !== 'COORDINATOR' || ['LEERLINGZAKEN', 'SCHOOL', 'SCHOOL_SOCIAL_WORK'].includes(organisation.kind),
  );
  it.for(roles)(
    '%s: the menu holds the role’s pages, and each page and a detail page show without errors',
    { concurrent: true, timeout: 60_000 },
    async (role, { expect }) => {
      const { page, context } = await harness.open();
      track(page);
      try {
        await signInAs(page, organisation.name, role);
        const menu = page.getByRole('navigation', { name: 'Hoofdmenu' });
        const entries = (await menu.getByRole('link').allInnerTexts()).map((text) => text.trim());
        expect(entries).toEqual(expectedMenu(organisation.kind, role));

        const problems: string[] = [];
        const details: string[] = [];
        for (const entry of entries) {
          await menu.getByRole('link', { name: entry, exact: true }).click();
          await page.getByRole('heading', { level: 1, name: PAGES[entry], exact: true }).waitFor();
          await settle(page);
          expect(await menu.getByRole('link', { name: entry, exact: true }).getAttribute('aria-current')).toBe('page');
          problems.push(...(await problemsOf(page, entry)));

          const detailLink = DETAIL_LINKS[entry];
          if (!detailLink) continue;
          const link = page.locator(detailLink).first();
          if ((await link.count()) === 0) continue;
          const target = (await link.getAttribute('href'))!;
          await link.click();
          await page.waitForFunction((hash) => window.location.hash === hash, target);
          await settle(page);
          const heading = await h1(page);
          details.push(target);
          if (heading === 'Deze pagina bestaat niet.' || heading === 'Dit lukte niet' || heading === '') problems.push(`${target}: heading "${heading}"`);
          problems.push(...(await problemsOf(page, target)));
        }
        expect(problems).toEqual([]);
        expect(consoleProblems(page)).toEqual([]);
        // Every case worker has referrals and pupils to open in the demo region; Leerlingzaken and schools cases too.
        if (role !== 'PRIVACY_OFFICER') {
          expect(details.filter((hash) => hash.startsWith('#/referrals/')).length).toBe(1);
          expect(details.filter((hash) => hash.startsWith('#/pupils/')).length).toBe(1);
        }
        if (entries.includes('Uit beeld')) expect(details.filter((hash) => hash.startsWith('#/out-of-view/')).length).toBe(1);

        if (role === 'PRIVACY_OFFICER') {
          // A case worker's address typed by hand: the page does not exist for her, and nothing is asked of the hub.
          for (const hash of ['#/referrals', '#/pupils', '#/referrals/new', '#/out-of-view']) {
            const before = inFlight.get(page)!.total;
            await page.evaluate((target) => {
              window.location.hash = target;
            }, hash);
            await page.getByRole('heading', { level: 1, name: 'Deze pagina bestaat niet.', exact: true }).waitFor();
            await settle(page);
            expect(inFlight.get(page)!.total).toBe(before);
            expect(await page.locator('main table').count()).toBe(0);
            expect(await page.locator('main form').count()).toBe(0);
          }
          expect(await seriousAxeViolations(page)).toEqual([]);
        }
      } finally {
        await context.close();
      }
    },
  );
});
