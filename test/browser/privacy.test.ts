// The privacy officer's pages in a real browser: the access log (filters in the address, paging,
// CSV export with the same filter, a partner's officer seeing only her own organisation, a filter
// error under its field), emergency access reviews, and verifying the log from the console.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProblems, screenshot, seriousAxeViolations, signInAs, startConsole, type ConsoleHarness } from '../helpers/browser.ts';

let harness: ConsoleHarness;
let smwName: string;
let rijswijkPupil: string;

async function ok(as: { org: string; role: 'PROFESSIONAL' | 'COORDINATOR' | 'PRIVACY_OFFICER'; subject?: string }, query: string, variables?: Record<string, unknown>) {
  const response = await harness.hub.gql(as, query, variables);
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

beforeAll(async () => {
  harness = await startConsole();
  // Something of every organisation in the log: reads by Leerlingzaken and school social work.
  await ok({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, '{ pupils(first: 60) { edges { node { displayName } } } }');
  await ok({ org: 'smw-den-haag', role: 'PROFESSIONAL' }, '{ pupils(first: 10) { edges { node { displayName } } } }');
  smwName = (await ok({ org: 'smw-den-haag', role: 'PROFESSIONAL' }, '{ organisation(id: "smw-den-haag") { name } }')).organisation.name;
  // A Rijswijk pupil Den Haag's Leerlingzaken has no link to: opened under emergency access below.
  const pupil = await harness.hub.database.db
    .selectFrom('pupils')
    .select('id')
    .where('municipality_code', '=', 'GM0603')
    .where('id', 'not in', (eb) =>
      eb
        .selectFrom('referrals')
        .select('pupil_id')
        .where((w) => w.or([w('sender_org_id', '=', 'lz-den-haag'), w('receiver_org_id', '=', 'lz-den-haag')])),
    )
    .orderBy('id')
    .executeTakeFirstOrThrow();
  rijswijkPupil = pupil.id;
}, 120_000);
afterAll(async () => harness?.close());

/** The cells of one column of the results table, by its header text. */
async function column(page: Page, header: string): Promise<string[]> {
  const table = page.getByRole('table', { name: /Registraties in het toegangslogboek|Records in the access log/ });
  const headers = await table.locator('thead th').allInnerTexts();
  const index = headers.findIndex((text) => text.trim() === header);
  expect(index, `column ${header}`).toBeGreaterThanOrEqual(0);
  return table.locator(`tbody tr td:nth-child(${index + 1})`).allInnerTexts();
}

async function status(page: Page): Promise<string> {
  const found = page.getByRole('status').filter({ hasText: /registraties? gevonden|records? found/ });
  await found.waitFor();
  return found.innerText();
}

describe('the access log', () => {
  it('filters by organisation in the address, pages on, and exports the same filter as CSV', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PRIVACY_OFFICER');
    await page.getByRole('heading', { level: 1, name: 'Toegangslogboek' }).waitFor();
    await status(page);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Unfiltered: more than a page; the next page starts after the first one.
    const firstPage = await column(page, 'Nr.');
    expect(firstPage).toHaveLength(50);
    await page.getByRole('button', { name: 'Volgende' }).click();
    await page.getByText('Pagina 2', { exact: false }).waitFor();
    await page.waitForFunction((first) => document.querySelector('tbody tr td')?.textContent !== first, firstPage[0]);
    const secondPage = await column(page, 'Nr.');
    expect(Number(secondPage[0])).toBeGreaterThan(Number(firstPage[firstPage.length - 1]));

    // By organisation: only that organisation's rows, the filter in the address, back to page 1.
    await page.getByLabel('Organisatie', { exact: true }).selectOption('smw-den-haag');
    await page.getByRole('button', { name: 'Filter toepassen' }).click();
    await page.waitForURL(/org=smw-den-haag/);
    await page.getByText('Pagina 1', { exact: false }).waitFor();
    await page.waitForFunction((name) => {
      const cells = [...document.querySelectorAll('tbody tr td:nth-child(4)')].map((cell) => cell.textContent);
      return cells.length > 0 && cells.every((cell) => cell === name);
    }, smwName);
    const organisations = await column(page, 'Organisatie');
    expect(organisations.length).toBeGreaterThan(0);
    expect(new Set(organisations)).toEqual(new Set([smwName]));
    const total = Number(/(\d+)/.exec(await status(page))![1]);

    // The same filter as CSV: the header and only that organisation's rows.
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Exporteren als CSV' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('toegangslogboek.csv');
    const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/^seq,occurred_at,action,outcome,organisation,role,/);
    expect(csv.length - 1).toBe(total);
    for (const line of csv.slice(1)) expect(line.split(',')[4]).toBe('smw-den-haag');
    await page.getByRole('status').filter({ hasText: `${total} registraties geëxporteerd` }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-access-log');

    // Opening the address again (a bookmark) gives the same filter.
    await page.reload();
    await status(page);
    expect(await page.getByLabel('Organisatie', { exact: true }).inputValue()).toBe('smw-den-haag');
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('shows the hub’s complaint under the field it is about', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PRIVACY_OFFICER');
    await status(page);
    const pupil = page.getByLabel('Leerling-id');
    await pupil.fill('geen-id');
    await page.getByRole('button', { name: 'Filter toepassen' }).click();
    await page.waitForURL(/pupil=geen-id/);
    await page.getByText('Dit heeft niet de goede vorm.').first().waitFor();
    expect(await pupil.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await pupil.getAttribute('aria-describedby'))!.split(' ');
    const texts = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(texts.join(' ')).toContain('Dit heeft niet de goede vorm.');
    expect(await page.getByText('must be a pupil id').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // A period: the days are Dutch days, the end inclusive.
    await pupil.fill('');
    await page.getByLabel('Vanaf datum').fill('2026-03-16');
    await page.getByLabel('Tot en met datum').fill('2026-03-16');
    await page.getByRole('button', { name: 'Filter toepassen' }).click();
    await page.waitForURL(/from=2026-03-16&to=2026-03-16/);
    const text = await status(page);
    expect(Number(/(\d+)/.exec(text)![1])).toBeGreaterThan(0);
    const times = await column(page, 'Tijdstip');
    for (const time of times) expect(time).toMatch(/^16-03-2026/);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('shows a partner’s privacy officer only her own organisation’s records', async () => {
    const { page, context } = await harness.open({ language: 'en' });
    await signInAs(page, /Schoolmaatschappelijk Werk Den Haag/, 'PRIVACY_OFFICER');
    await page.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
    await page.getByText(`You see only the records of people of ${smwName}.`).waitFor();
    await page.getByRole('status').filter({ hasText: 'records found' }).waitFor();
    const table = page.getByRole('table', { name: 'Records in the access log' });
    const organisations = await table.locator('tbody tr td:nth-child(4)').allInnerTexts();
    expect(organisations.length).toBeGreaterThan(0);
    expect(new Set(organisations)).toEqual(new Set([smwName]));
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});

describe('emergency access reviews', () => {
  it('reviews an emergency access from the page: it leaves the list', async () => {
    const subject = 'noodgeval@lz-den-haag';
    const opened = await ok(
      { org: 'lz-den-haag', role: 'PROFESSIONAL', subject },
      'mutation($input: OpenEmergencyAccessInput!) { openEmergencyAccess(input: $input) { id } }',
      { input: { pupilId: rijswijkPupil, reason: 'Crisisdienst belt: kind mogelijk onveilig, school onbereikbaar', hours: 4 } },
    );
    const id = opened.openEmergencyAccess.id as string;

    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PRIVACY_OFFICER');
    await page.getByRole('link', { name: 'Noodtoegang beoordelen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Noodtoegang beoordelen' }).waitFor();
    const card = page.getByRole('region', { name: new RegExp(`Noodtoegang door ${subject}`) });
    await card.waitFor();
    expect(await card.innerText()).toContain('Crisisdienst belt');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Without a verdict: said under the question, nothing sent.
    await card.getByRole('button', { name: 'Oordeel vastleggen' }).click();
    await card.getByText('Kies of de noodtoegang terecht was.').waitFor();
    expect(await card.getByRole('radio', { name: 'Terecht', exact: true }).getAttribute('aria-invalid')).toBe('true');

    await card.getByRole('radio', { name: 'Terecht', exact: true }).check();
    await card.getByLabel(/Toelichting/).fill('Crisis bevestigd door de crisisdienst.');
    await card.getByRole('button', { name: 'Oordeel vastleggen' }).click();
    await page.getByRole('status').filter({ hasText: `Oordeel vastgelegd: Terecht — noodtoegang door ${subject}` }).waitFor();
    await card.waitFor({ state: 'detached' });
    expect(await seriousAxeViolations(page)).toEqual([]);

    const queue = await ok({ org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, '{ emergencyAccessesAwaitingReview(first: 100) { edges { node { id } } } }');
    expect(queue.emergencyAccessesAwaitingReview.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(id);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});

describe('verifying the access log', () => {
  it('asks for a reason, then runs a verification that ends intact', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PRIVACY_OFFICER');
    await page.getByRole('link', { name: 'Controle van het logboek' }).click();
    await page.getByRole('heading', { level: 1, name: 'Controle van het toegangslogboek' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    const reason = page.getByLabel(/Reden van de controle/);
    await reason.fill('   ');
    await page.getByRole('button', { name: 'Controle starten' }).click();
    await page.getByText('Vul dit in.').first().waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');

    await reason.fill('Kwartaalcontrole vanuit de console');
    await page.getByRole('button', { name: 'Controle starten' }).click();
    const latest = page.getByRole('region', { name: 'Laatste controle' });
    await latest.getByText('Kwartaalcontrole vanuit de console').waitFor();
    await latest.getByText('Intact', { exact: true }).waitFor({ timeout: 15_000 });
    const text = await latest.innerText();
    expect(text).toMatch(/Registraties\s+\d+/);
    expect(text).toMatch(/Problemen\s+0/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-verification');
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});
