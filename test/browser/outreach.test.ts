// The pages of pupils out of view in a real browser: the cases list (filters in the address, the
// hub's overdue flag, paging), a case worked from its page (an attempt recorded changes the next
// step, a form error under its field, the letter printed as a PDF, the case closed), a case known
// only to exist, and a school coordinator's view with the overview.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProblems, screenshot, seriousAxeViolations, signInAs, startConsole, type ConsoleHarness } from '../helpers/browser.ts';

let harness: ConsoleHarness;

interface CaseRow {
  id: string;
  visibility: string;
  letterLanguage: string | null;
  pupil: { displayName: string } | null;
  nextStep: { rule: string; overdue: boolean } | null;
}
let cases: CaseRow[];
let overdueCount: number;

beforeAll(async () => {
  harness = await startConsole();
  const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
  const all = await harness.hub.gql(LZ, '{ outOfViewCases(first: 100) { edges { node { id visibility letterLanguage pupil { displayName } nextStep { rule overdue } } } } }');
  cases = all.body.data.outOfViewCases.edges.map((edge: { node: CaseRow }) => edge.node);
  const overdue = await harness.hub.gql(LZ, '{ outOfViewCases(filter: { overdue: true }) { totalCount } }');
  overdueCount = overdue.body.data.outOfViewCases.totalCount;
}, 120_000);
afterAll(async () => harness?.close());

/** A case at this rule whose pupil's name is unique in the list (to click it by name). */
function caseAt(rule: string, overdue: boolean): CaseRow & { pupil: { displayName: string } } {
  const names = cases.map((c) => c.pupil?.displayName);
  const found = cases.find((c) => c.nextStep?.rule === rule && c.nextStep.overdue === overdue && names.filter((name) => name === c.pupil?.displayName).length === 1);
  if (!found?.pupil) throw new Error(`no demo case at ${rule}`);
  return found as CaseRow & { pupil: { displayName: string } };
}

async function casesStatus(page: Page): Promise<number> {
  const status = page.getByRole('status').filter({ hasText: /\d+ (zaak|zaken) gevonden/ });
  await status.waitFor();
  return Number(/(\d+)/.exec(await status.innerText())![1]);
}

describe('the cases list', () => {
  it('filters in the address, flags overdue steps as the hub says, and pages on', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PROFESSIONAL');
    await page.getByRole('link', { name: 'Uit beeld' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leerlingen uit beeld' }).waitFor();
    expect(await casesStatus(page)).toBe(cases.length);
    const table = page.getByRole('table', { name: 'Zaken van leerlingen uit beeld' });
    expect(await table.locator('tbody tr').count()).toBe(25);
    // Cases known only to exist in groups as small as the demo's (2 per school) stay out of the list,
    // as their count stays out of the overview.
    expect(await table.innerText()).not.toContain('Alleen het bestaan is u bekend');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Volgende' }).click();
    await page.getByText('Pagina 2', { exact: false }).waitFor();
    await page.waitForFunction((count) => document.querySelectorAll('tbody tr').length === count, cases.length - 25);
    expect(await table.locator('tbody tr').count()).toBe(cases.length - 25);

    // Overdue only: the hub's flag (its clock, not the browser's), on every row; back to page 1.
    await page.getByLabel('Alleen volgende stap te laat').check();
    await page.getByRole('button', { name: 'Filteren' }).click();
    await page.waitForURL(/overdue=1/);
    await page.getByText('Pagina 1', { exact: false }).waitFor();
    await page.waitForFunction((count) => document.querySelectorAll('tbody tr').length === count, overdueCount);
    expect(await casesStatus(page)).toBe(overdueCount);
    const nextSteps = await table.locator('tbody tr td:nth-child(5)').allInnerTexts();
    expect(nextSteps.length).toBe(overdueCount);
    for (const cell of nextSteps) expect(cell).toContain('Te laat');

    // The next step filter too, combined, and kept when the address is opened again.
    await page.getByLabel('Volgende stap', { exact: true }).selectOption('PHONE');
    await page.getByRole('button', { name: 'Filteren' }).click();
    await page.waitForURL(/step=PHONE/);
    const phoneOverdue = cases.filter((c) => c.nextStep?.overdue && ['first-call', 'call-again'].includes(c.nextStep.rule)).length;
    await page.waitForFunction((count) => document.querySelectorAll('tbody tr').length === count, phoneOverdue);
    await page.reload();
    expect(await casesStatus(page)).toBe(phoneOverdue);
    expect(await page.getByLabel('Alleen volgende stap te laat').isChecked()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-out-of-view-list');
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});

describe('a case', () => {
  it('records an attempt that changes the next step, shows a field error in place, and closes the case', async () => {
    const target = caseAt('first-call', false);
    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PROFESSIONAL');
    await page.getByRole('link', { name: 'Uit beeld' }).click();
    await page.getByLabel('Volgende stap', { exact: true }).selectOption('PHONE');
    await page.getByRole('button', { name: 'Filteren' }).click();
    await page.waitForURL(/step=PHONE/);
    await page.getByRole('link', { name: target.pupil.displayName, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Leerling uit beeld: ${target.pupil.displayName}` }).waitFor();
    const nextStep = page.getByRole('region', { name: 'Volgende stap' });
    await nextStep.getByText('first-call').waitFor();
    expect(await nextStep.innerText()).toContain('Bellen');
    // The pupil's page is one click away.
    expect(await page.getByRole('link', { name: target.pupil.displayName }).getAttribute('href')).toMatch(/^#\/pupils\//);
    expect(await seriousAxeViolations(page)).toEqual([]);

    const record = page.getByRole('region', { name: 'Contactpoging vastleggen' });
    // A moment in the future: the hub's complaint appears under "Wanneer".
    const when = record.getByLabel(/^Wanneer/);
    await when.fill('2030-01-01T10:00');
    await record.getByLabel('Uitkomst').selectOption('NO_ANSWER');
    await record.getByRole('button', { name: 'Poging vastleggen' }).click();
    await record.getByText('Controleer wat u hier invulde.').first().waitFor();
    expect(await when.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await when.getAttribute('aria-describedby'))!.split(' ');
    const described = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(described.join(' ')).toContain('Controleer wat u hier invulde.');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Now (the hub's now): recorded, listed, and the next step moves on to calling again.
    await when.fill('');
    expect(await record.getByLabel('Soort poging').inputValue()).toBe('PHONE');
    await record.getByLabel(/^Opmerking/).fill('Voicemail ingesproken');
    await record.getByRole('button', { name: 'Poging vastleggen' }).click();
    await page.getByRole('status').filter({ hasText: 'Vastgelegd: Telefoon, Niet opgenomen' }).waitFor();
    await nextStep.getByText('call-again').waitFor();
    const attempts = page.getByRole('table', { name: /Contactpogingen/ });
    const rows = await attempts.locator('tbody tr').allInnerTexts();
    expect(rows.some((row) => row.includes('Niet opgenomen') && row.includes('Voicemail ingesproken') && row.includes('Leerlingzaken Den Haag'))).toBe(true);
    // Not before: the next working day, as the hub computed it.
    expect(await nextStep.innerText()).not.toMatch(/Niet eerder dan\s+Nu/);

    // Closing: without an outcome it says so under the field; with one the case closes.
    const close = page.getByRole('region', { name: 'Zaak afsluiten' });
    await close.getByRole('button', { name: 'Zaak afsluiten' }).click();
    await close.getByText('Kies hoe de zaak afliep.').waitFor();
    await close.getByLabel(/^Afloop/).selectOption('REACHED');
    await close.getByLabel(/^Toelichting/).fill('Moeder teruggebeld, leerling is morgen weer op school.');
    await close.getByRole('button', { name: 'Zaak afsluiten' }).click();
    await page.getByRole('status').filter({ hasText: 'De zaak is afgesloten: Bereikt: weer in beeld.' }).waitFor();
    const facts = page.getByRole('region', { name: 'Gegevens van de zaak' });
    await facts.getByText('Afgesloten', { exact: true }).first().waitFor();
    await close.waitFor({ state: 'detached' });
    expect(await page.getByRole('region', { name: 'Contactpoging vastleggen' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-out-of-view-case');
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('prints the letter in the family’s language as a PDF', async () => {
    const target = cases.find((c) => c.visibility === 'FULL' && c.nextStep && c.letterLanguage === 'pl')!;
    const { page, context } = await harness.open();
    await signInAs(page, /Leerlingzaken Den Haag/, 'PROFESSIONAL');
    await page.goto(`${harness.baseUrl}/console/#/out-of-view/${target.id}`);
    const print = page.getByRole('region', { name: 'Brief of briefje afdrukken' });
    await print.waitFor();
    expect(await print.getByLabel('Taal van het document').inputValue()).toBe('pl');
    // All six languages can be chosen.
    expect(await print.getByLabel('Taal van het document').locator('option').count()).toBe(6);
    await print.getByLabel('Soort document').selectOption('LETTER');
    await print.getByLabel(/^Uw naam onder de brief/).fill('J. de Boer');
    const downloading = page.waitForEvent('download');
    await print.getByRole('button', { name: 'PDF maken en downloaden' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.getByRole('status').filter({ hasText: 'Gedownload:' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('says a case is known only to exist, without blanks', async () => {
    // Not in the list (a small group): opened by its id, as from a link or a bookmark.
    const target = await harness.hub.database.db
      .selectFrom('out_of_view_cases')
      .innerJoin('pupils', 'pupils.id', 'out_of_view_cases.pupil_id')
      .innerJoin('organisations as school', 'school.id', 'out_of_view_cases.reporting_school_id')
      .select('out_of_view_cases.id')
      .where('pupils.municipality_code', '<>', 'GM0518')
      .where('school.municipality_code', '=', 'GM0518')
      .orderBy('out_of_view_cases.id')
      .executeTakeFirstOrThrow();
    const { page, context } = await harness.open({ language: 'en' });
    await signInAs(page, /Leerlingzaken Den Haag/, 'PROFESSIONAL');
    await page.goto(`${harness.baseUrl}/console/#/out-of-view/${target.id}`);
    await page.getByText('Only the existence of this case is known to you.').waitFor();
    const facts = page.getByRole('region', { name: 'Case details' });
    expect(await facts.innerText()).toContain('Leerlingzaken Rijswijk');
    expect(await page.getByRole('region', { name: 'Contact attempts' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Record a contact attempt' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});

describe('a school coordinator', () => {
  it('sees the school’s reports with the overview, and records calls only', async () => {
    const { page, context } = await harness.open();
    await signInAs(page, /Daltonschool Laakkwartier/, 'COORDINATOR');
    await page.getByRole('link', { name: 'Uit beeld' }).click();
    expect(await casesStatus(page)).toBe(4);
    const overview = page.getByRole('table', { name: 'Leerlingen uit beeld per meldende school' });
    await overview.waitFor();
    expect(await overview.innerText()).toContain('Daltonschool Laakkwartier');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByLabel('Status', { exact: true }).selectOption('OPEN');
    await page.getByRole('button', { name: 'Filteren' }).click();
    await page.waitForURL(/status=OPEN/);
    await page.getByRole('status').filter({ hasText: '2 zaken gevonden' }).waitFor();
    await page.getByRole('table', { name: 'Zaken van leerlingen uit beeld' }).locator('tbody tr a').first().click();
    const record = page.getByRole('region', { name: 'Contactpoging vastleggen' });
    await record.waitFor();
    expect(await record.getByLabel('Soort poging').locator('option').allInnerTexts()).toEqual(['Telefoon']);
    expect(await page.getByRole('region', { name: 'Brief of briefje afdrukken' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Zaak afsluiten' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});
