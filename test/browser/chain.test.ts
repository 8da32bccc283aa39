// The chain scenario in a real browser, against a hub with the demo region on its fixed
// clock: Leerlingzaken creates a referral, school social work accepts it and hands it over to the
// CJG, each view showing only what the policy allows; the municipality's privacy officer then finds
// those accesses in the access log. On the way: filters and paging change the rows, the hub's
// refusals show under the field that caused them and change nothing, English translates, axe-core
// finds no serious violation on any page. The tests run in order on one pupil.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProblems, screenshot, seriousAxeViolations, signInAs, startConsole, type ConsoleHarness } from '../helpers/browser.ts';

let harness: ConsoleHarness;
/** Den Haag pupils no organisation has referred yet, each with a family name no other pupil of Leerlingzaken starts with. */
let pupil: { id: string; displayName: string; familyName: string };
let other: { id: string; displayName: string; familyName: string };
beforeAll(async () => {
  harness = await startConsole();
  const listed = await harness.hub.gql(
    { org: 'lz-den-haag', role: 'PROFESSIONAL' },
    `{ pupils(first: 100) { edges { node { id displayName familyName referrals(first: 1) { totalCount } } } } }`,
  );
  const nodes = listed.body.data.pupils.edges.map((edge: { node: unknown }) => edge.node) as {
    id: string;
    displayName: string;
    familyName: string;
    referrals: { totalCount: number };
  }[];
  for (const candidate of nodes.filter((node) => node.referrals.totalCount === 0)) {
    const sameStart = nodes.filter((node) => node.familyName.toLowerCase().startsWith(candidate.familyName.toLowerCase()));
    if (sameStart.length !== 1) continue;
    const others = await Promise.all(
      ['smw-den-haag', 'cjg-den-haag'].map((org) => harness.hub.gql({ org, role: 'PROFESSIONAL' }, `query($id: ID!) { pupil(id: $id) { id } }`, { id: candidate.id })),
    );
    if (others.every((response) => response.body.data.pupil === null)) {
      if (pupil) {
        other = candidate;
        break;
      }
      pupil = candidate;
    }
  }
  expect(other).toBeDefined();
}, 120_000);
afterAll(async () => harness?.close());

async function referralsOf(org: string, filter: Record<string, unknown> = {}): Promise<{ totalCount: number; ids: string[] }> {
  const response = await harness.hub.gql(
    { org, role: 'PROFESSIONAL' },
    `query($filter: ReferralFilter) { referrals(first: 100, filter: $filter) { totalCount edges { node { id } } } }`,
    { filter },
  );
  return { totalCount: response.body.data.referrals.totalCount, ids: response.body.data.referrals.edges.map((edge: { node: { id: string } }) => edge.node.id) };
}

async function referralRows(page: Page): Promise<string[]> {
  return page.locator('table.referral-table tbody tr a[href^="#/referrals/"]').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
}

async function expectClean(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAxeViolations(page)).toEqual([]);
  expect(consoleProblems(page)).toEqual([]);
}

async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((target) => {
    window.location.hash = target;
  }, hash);
}

describe('console: referrals', () => {
  it('lists referrals with filters in the address and paging that starts again when they change', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, 'Leerlingzaken Den Haag', 'PROFESSIONAL');
    const all = await referralsOf('lz-den-haag');
    const received = await referralsOf('lz-den-haag', { direction: 'RECEIVED' });
    expect(all.totalCount).toBeGreaterThan(20);
    await page.getByRole('heading', { level: 1, name: 'Verwijzingen' }).waitFor();
    await page.getByText(`Verwijzingen (${all.totalCount})`).waitFor();
    // The officer's main page, as docs/officers.md and the README show it (docs/console-officer.png).
    await page.setViewportSize({ width: 1280, height: 1200 });
    await screenshot(page, 'officer-referrals', { fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
    const first = await referralRows(page);
    expect(first).toHaveLength(20);
    await page.getByRole('button', { name: 'Volgende' }).click();
    await page.getByText(/^Pagina 2/).waitFor();
    // The page number changes at once; the rows when the hub has answered.
    await page.waitForFunction((firstHref) => document.querySelector('table.referral-table tbody tr a[href^="#/referrals/"]')?.getAttribute('href') !== firstHref, first[0]);
    const second = await referralRows(page);
    expect(second.length).toBe(all.totalCount - 20);
    expect(second.filter((href) => first.includes(href))).toEqual([]);

    await page.getByLabel('Richting').selectOption('RECEIVED');
    await page.getByRole('button', { name: 'Filter toepassen' }).click();
    await page.getByText(`Verwijzingen (${received.totalCount})`).waitFor();
    await page.getByText(/^Pagina 1/).waitFor();
    expect(page.url()).toContain('direction=RECEIVED');
    expect((await referralRows(page)).sort()).toEqual(received.ids.map((id) => `#/referrals/${id}`).sort());
    // Every row is from another organisation, said in words.
    expect(await page.locator('table.referral-table tbody tr').filter({ hasText: 'Aan:' }).count()).toBe(0);
    await expectClean(page, 'referrals-list');

    // Back restores the unfiltered list and the form with it.
    await page.goBack();
    await page.getByText(`Verwijzingen (${all.totalCount})`).waitFor();
    expect(await page.getByLabel('Richting').inputValue()).toBe('');
    await context.close();
  });

  it('creates a referral: the hub’s refusals under their field change nothing, then it is sent', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, 'Leerlingzaken Den Haag', 'PROFESSIONAL');
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe verwijzing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nieuwe verwijzing' }).waitFor();
    await page.getByLabel('Achternaam begint met').fill(pupil.familyName);
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await page.getByText('Gevonden leerlingen (1)').waitFor();
    await page.getByRole('link', { name: `Kiezen ${pupil.displayName}` }).click();
    await page.getByRole('heading', { level: 2, name: '2. Verwijzing' }).waitFor();
    await expectClean(page, 'referrals-new');

    await page.getByLabel('Ontvanger').selectOption('smw-den-haag');
    await page.getByLabel('Grondslag').selectOption('LEERPLICHTWET');
    await page.getByLabel('Burgerservicenummer', { exact: true }).check();
    // No reason: the hub's refusal, worded by the console, under the reason; focus there, nothing created.
    await page.getByRole('button', { name: 'Verwijzing versturen' }).click();
    const reason = page.getByLabel('Reden van de verwijzing');
    await page.getByText('Vul dit in.').first().waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await reason.evaluate((element) => element === document.activeElement)).toBe(true);
    // BSN to school social work: the hub names the category, under the shared data.
    await reason.fill('Langdurig verzuim; gezin wil hulp bij het weer naar school gaan.');
    await page.getByRole('button', { name: 'Verwijzing versturen' }).click();
    const categories = page.getByRole('group', { name: 'Gedeelde gegevens' });
    await categories.getByText('De ontvanger mag dit nooit lezen: Burgerservicenummer. Vink het uit.').waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBeNull();
    // The console in Dutch shows no English sentence from the hub.
    expect(await page.getByText(/may never read|must not be empty/).count()).toBe(0);
    const after = await harness.hub.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, `query($id: ID!) { pupil(id: $id) { referrals { totalCount } } }`, { id: pupil.id });
    expect(after.body.data.pupil.referrals.totalCount).toBe(0);
    await expectClean(page, 'referrals-new-refused');

    await page.getByLabel('Burgerservicenummer', { exact: true }).uncheck();
    await page.getByLabel('Identiteit').check();
    await page.getByLabel('Contactgegevens').check();
    // On consent: who gave it and from when; a missing date goes under its field.
    await page.getByLabel('Grondslag').selectOption('CONSENT');
    await page.getByLabel('Gegeven door').fill('ouder');
    await page.getByRole('button', { name: 'Verwijzing versturen' }).click();
    await page.getByText('Controleer wat u hier invulde.').first().waitFor();
    expect(await page.getByLabel('Geldig vanaf').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Grondslag').selectOption('LEERPLICHTWET');
    await page.getByRole('button', { name: 'Verwijzing versturen' }).click();
    await page.getByRole('heading', { level: 1, name: `Verwijzing over ${pupil.displayName}` }).waitFor();
    await page.getByRole('status').getByText('De verwijzing is verstuurd.').waitFor();
    expect(await page.getByText('Verwijzingen, Identiteit, Contactgegevens').count()).toBe(1);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('the receiver opens it from the list, accepts it, and hands it over only with a reason', async () => {
    // Another referral shares contact details but not the pupil's identity: its row says so.
    const withoutName = await harness.hub.gql(
      { org: 'lz-den-haag', role: 'PROFESSIONAL' },
      `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`,
      { input: { pupilId: other.id, receiverId: 'smw-den-haag', reason: 'Huisbezoek gewenst.', urgency: 'NORMAL', sharedCategories: ['CONTACT'], legalBasis: 'LEERPLICHTWET' } },
    );
    expect(withoutName.body.errors).toBeUndefined();
    const { page, context } = await harness.open();
    await signInAs(page, 'Schoolmaatschappelijk Werk Den Haag', 'PROFESSIONAL');
    await page.getByLabel('Alleen wachtend op ons besluit').check();
    await page.getByRole('button', { name: 'Filter toepassen' }).click();
    const awaiting = await referralsOf('smw-den-haag', { awaitingMyDecision: true });
    await page.getByText(`Verwijzingen (${awaiting.totalCount})`).waitFor();
    const unnamed = page.getByRole('row').filter({ has: page.locator(`a[href="#/referrals/${withoutName.body.data.createReferral.id}"]`) });
    expect(await unnamed.getByRole('link', { name: 'Niet zichtbaar voor u' }).count()).toBe(1);
    expect(await page.getByText(other.displayName).count()).toBe(0);
    const row = page.getByRole('row').filter({ hasText: pupil.displayName });
    await row.getByRole('link', { name: /^Openen/ }).click();
    await page.getByRole('heading', { level: 1, name: `Verwijzing over ${pupil.displayName}` }).waitFor();
    // Opening it marked it opened; the receiver may now accept or reject it, nothing else.
    const actions = page.getByRole('region', { name: 'Acties' });
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Accepteren', 'Afwijzen']);
    await expectClean(page, 'referrals-received');

    await actions.getByRole('button', { name: 'Accepteren' }).click();
    await page.getByRole('status').getByText('De verwijzing is geaccepteerd.').waitFor();
    await actions.getByRole('button', { name: 'Overdragen' }).waitFor();
    const before = await harness.hub.gql(
      { org: 'smw-den-haag', role: 'PROFESSIONAL' },
      `query($id: ID!) { pupil(id: $id) { referrals { edges { node { id status version } } } } }`,
      { id: pupil.id },
    );
    const accepted = before.body.data.pupil.referrals.edges[0].node;
    expect(accepted.status).toBe('ACCEPTED');

    await actions.getByRole('button', { name: 'Overdragen' }).click();
    const form = page.getByRole('form', { name: 'Overdragen' });
    await form.getByLabel('Ontvanger').selectOption('cjg-den-haag');
    await form.getByLabel('Grondslag').selectOption('JEUGDWET');
    await form.getByRole('button', { name: 'Overdracht versturen' }).click();
    await form.getByText('Vul dit in.').first().waitFor();
    expect(await form.getByLabel('Reden van de verwijzing').getAttribute('aria-invalid')).toBe('true');
    const unchanged = await harness.hub.gql(
      { org: 'smw-den-haag', role: 'PROFESSIONAL' },
      `query($id: ID!) { referral(id: $id) { status version handedOverTo { id } } }`,
      { id: accepted.id },
    );
    expect(unchanged.body.data.referral).toEqual({ status: 'ACCEPTED', version: accepted.version, handedOverTo: [] });
    await expectClean(page, 'referrals-handover-refused');

    await form.getByLabel('Reden van de verwijzing').fill('Opvoedondersteuning thuis nodig; CJG neemt het over.');
    await form.getByLabel('Contactgegevens').uncheck();
    await form.getByRole('button', { name: 'Overdracht versturen' }).click();
    await page.getByRole('status').getByText('De verwijzing is overgedragen. Dit is de nieuwe verwijzing.').waitFor();
    await page.getByText('Centrum voor Jeugd en Gezin Den Haag').first().waitFor();
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('the pupil page of the new receiver shows only what was shared and says what it cannot see', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, 'Centrum voor Jeugd en Gezin Den Haag', 'PROFESSIONAL');
    await go(page, `/pupils/${pupil.id}`);
    await page.getByRole('heading', { level: 1, name: pupil.displayName }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Tijdlijn' }).waitFor();
    const sections = await page.getByRole('heading', { level: 2 }).allTextContents();
    expect(sections).toEqual(['Identiteit', 'Verwijzingen', 'Tijdlijn']);
    await page.getByText('Niet gedeeld met uw organisatie voor deze leerling: Contactgegevens, Onderwijs, Zorg en welzijn.').waitFor();
    await page.getByText('Uw organisatie mag nooit lezen: Burgerservicenummer, Contactpogingen, Veiligheid.').waitFor();
    // Its referral (from school social work), and the chain's story as far as CJG is party to it.
    await page.getByRole('table', { name: /Verwijzingen over deze leerling \(1\)/ }).waitFor();
    await page.getByText('Verwijzing: Verstuurd').first().waitFor();
    await expectClean(page, 'referrals-pupil-receiver');
    await context.close();
  });

  it('the first receiver still sees what Leerlingzaken shared with it, and no more', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, 'Schoolmaatschappelijk Werk Den Haag', 'PROFESSIONAL');
    await go(page, `/pupils/${pupil.id}`);
    await page.getByRole('heading', { level: 2, name: 'Tijdlijn' }).waitFor();
    // Shared: identity and contact details (and the referral itself); not schooling, though its kind may read it.
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['Identiteit', 'Contactgegevens', 'Verwijzingen', 'Tijdlijn']);
    await page.getByText(/Niet gedeeld met uw organisatie voor deze leerling: .*Onderwijs/).waitFor();
    // Both of its referrals: the one it received (handed over) and the one it sent on.
    await page.getByRole('table', { name: /Verwijzingen over deze leerling \(2\)/ }).waitFor();
    await expectClean(page, 'chain-pupil-first-receiver');
    await context.close();
  });

  it('the privacy officer finds the accesses of all three organisations in the log', async () => {
    const officer = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' } as const;
    const { page, context } = await harness.open();
    await signInAs(page, 'Leerlingzaken Den Haag', 'PRIVACY_OFFICER');
    await page.getByRole('heading', { level: 1, name: 'Toegangslogboek' }).waitFor();
    await page.getByLabel('Leerling-id').fill(pupil.id);
    await page.getByRole('button', { name: 'Filter toepassen' }).click();
    // Reading the log about a pupil is itself recorded about that pupil (as the officer's
    // organisation's), so Leerlingzaken's count grows with every look; the partners' counts do not.
    const found = page.getByText(/^\d+ registraties? gevonden$/);
    await found.waitFor();
    const total = Number((await found.textContent())!.split(' ')[0]);
    // The privacy officer's main page, as docs/officers.md shows it (docs/console-privacy-officer.png).
    await page.setViewportSize({ width: 1280, height: 1500 });
    await screenshot(page, 'privacy-officer-access-log', { fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
    let partners = 0;
    for (const [org, name, actions] of [
      ['smw-den-haag', 'Schoolmaatschappelijk Werk Den Haag', ['READ', 'UPDATE', 'CREATE']],
      ['cjg-den-haag', 'Centrum voor Jeugd en Gezin Den Haag', ['READ']],
      ['lz-den-haag', 'Leerlingzaken Den Haag', ['CREATE']],
    ] as const) {
      const expected = await harness.hub.gql(
        officer,
        `query($id: ID!, $org: ID!) { accessLog(filter: { pupilId: $id, organisationId: $org }, first: 100) { totalCount edges { node { action } } } }`,
        { id: pupil.id, org },
      );
      const records = expected.body.data.accessLog;
      const seen = new Set(records.edges.map((edge: { node: { action: string } }) => edge.node.action));
      for (const action of actions) expect(seen.has(action), `${org} ${action}`).toBe(true);
      await page.getByLabel('Organisatie', { exact: true }).selectOption(org);
      await page.getByRole('button', { name: 'Filter toepassen' }).click();
      expect(page.url()).toContain(`org=${org}`);
      const rows = page.getByRole('table', { name: 'Registraties in het toegangslogboek' }).locator('tbody tr');
      if (org === 'lz-den-haag') {
        await rows.first().waitFor();
        await page.waitForFunction(() => !document.querySelector('[role="status"].loading'));
      } else {
        partners += records.totalCount;
        await page.getByText(`${records.totalCount} ${records.totalCount === 1 ? 'registratie' : 'registraties'} gevonden`).waitFor();
        expect(await rows.count()).toBe(Math.min(records.totalCount, 50));
      }
      expect(await rows.count()).toBeGreaterThan(0);
      expect(await rows.filter({ hasText: name }).count()).toBe(await rows.count());
    }
    expect(total).toBeGreaterThan(partners);
    await expectClean(page, 'chain-access-log-filtered');
    await context.close();
  });

  it('switches to English', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, 'Leerlingzaken Den Haag', 'COORDINATOR');
    await page.getByLabel('Taal').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Referrals' }).waitFor();
    await page.getByRole('button', { name: 'Apply filter' }).waitFor();
    await page.getByLabel('Direction').waitFor();
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Overdue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overdue' }).waitFor();
    const overdue = await harness.hub.gql(
      { org: 'lz-den-haag', role: 'COORDINATOR' },
      `{ referrals(first: 100, filter: { overdue: true }) { totalCount } }`,
    );
    await page.getByText(`Overdue referrals (${overdue.body.data.referrals.totalCount})`).waitFor();
    const rows = page.locator('table.referral-table tbody tr');
    expect(await rows.count()).toBe(overdue.body.data.referrals.totalCount);
    expect(await rows.filter({ hasText: 'Overdue' }).count()).toBe(overdue.body.data.referrals.totalCount);
    await go(page, `/pupils/${pupil.id}`);
    await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
    await page.getByRole('link', { name: 'New referral for this pupil' }).waitFor();
    await expectClean(page, 'referrals-overdue-en');
    await context.close();
  });

  it('finds pupils with the filters the viewer may use, and puts the hub’s refusal under the filter', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, 'Politie Den Haag', 'PROFESSIONAL');
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Leerlingen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leerlingen' }).waitFor();
    // The police may not read BSN: no BSN filter.
    await page.getByLabel('Achternaam begint met').waitFor();
    expect(await page.getByLabel('BSN').count()).toBe(0);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();

    const lz = await harness.open();
    await signInAs(lz.page, 'Leerlingzaken Den Haag', 'PROFESSIONAL');
    await go(lz.page, '/pupils');
    const total = (await harness.hub.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, `{ pupils { totalCount } }`)).body.data.pupils.totalCount;
    await lz.page.getByText(`Gevonden leerlingen (${total})`).waitFor();
    await lz.page.getByLabel('Achternaam begint met').fill(pupil.familyName);
    await lz.page.getByRole('button', { name: 'Zoeken' }).click();
    await lz.page.getByText('Gevonden leerlingen (1)').waitFor();
    await lz.page.getByLabel('Achternaam begint met').fill('');
    await lz.page.getByLabel('BSN').fill('123');
    await lz.page.getByRole('button', { name: 'Zoeken' }).click();
    await lz.page.getByText('Dit heeft niet de goede vorm.').waitFor();
    expect(await lz.page.getByLabel('BSN').getAttribute('aria-invalid')).toBe('true');
    await expectClean(lz.page, 'referrals-pupils-refused');
    // Leerlingzaken's own pupil page: a section per category it reads.
    await lz.page.getByLabel('BSN').fill('');
    await lz.page.getByLabel('Achternaam begint met').fill(pupil.familyName);
    await lz.page.getByRole('button', { name: 'Zoeken' }).click();
    await lz.page.getByRole('link', { name: pupil.displayName }).click();
    await lz.page.getByRole('heading', { level: 2, name: 'Tijdlijn' }).waitFor();
    await lz.page.getByRole('heading', { level: 2, name: 'Contactpogingen' }).waitFor();
    expect(await lz.page.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      'Identiteit',
      'Burgerservicenummer',
      'Contactgegevens',
      'Onderwijs',
      'Contactpogingen',
      'Verwijzingen',
      'Tijdlijn',
    ]);
    await lz.page.getByText('Alle gegevens die uw organisatie mag lezen, zijn voor deze leerling zichtbaar.').waitFor();
    await expectClean(lz.page, 'referrals-pupil-lz');
    await lz.context.close();
  });
});
