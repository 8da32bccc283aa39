// The whole redirect flow in headless Chromium: an officer of Leerlingzaken Den Haag signs in
// through the organisation's OpenID provider (oidc-provider on 127.0.0.1), makes a referral, signs
// out (at the hub and at the provider), and the privacy officer, signed in the same way, finds the
// sign-in and the referral in the access log.
import { createServer, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { rmSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, CHROMIUM, consoleProblems } from '../helpers/browser.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { registerSignIn, startProvider, type TestProvider } from '../helpers/oidc.ts';

let t: TestHub;
let idp: TestProvider;
let server: HttpServer;
let browser: Browser;
let hubUrl: string;
let directory: string;
let pupil: { id: string; displayName: string; familyName: string };

async function freePort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  directory = await buildConsole();
  // The hub's address must be known before it starts: it is the redirect URI the provider allows.
  const port = await freePort();
  hubUrl = `http://127.0.0.1:${port}`;
  idp = await startProvider(hubUrl);
  t = await startTestHub({ env: { CONSOLE_DIR: directory, PUBLIC_URL: hubUrl } });
  await registerSignIn(t, idp.issuer);
  server = await new Promise((resolve) => {
    const listening = t.hub.app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--lang=nl-NL', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  // A Den Haag pupil nobody has referred yet, whose family name no other pupil's starts with.
  const listed = await t.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, `{ pupils(first: 100) { edges { node { id displayName familyName referrals(first: 1) { totalCount } } } } }`);
  const nodes = listed.body.data.pupils.edges.map((edge: { node: unknown }) => edge.node) as { id: string; displayName: string; familyName: string; referrals: { totalCount: number } }[];
  pupil = nodes.find(
    (node) => node.referrals.totalCount === 0 && nodes.filter((other) => other.familyName.toLowerCase().startsWith(node.familyName.toLowerCase())).length === 1,
  )!;
  expect(pupil).toBeDefined();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
  await idp?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

async function signInThroughProvider(person: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'nl-NL' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  (page as typeof page & { problems?: string[] }).problems = problems;
  await page.goto(`${hubUrl}/console/`);
  await page.getByLabel('Uw organisatie', { exact: true }).selectOption('lz-den-haag');
  await page.getByRole('button', { name: 'Aanmelden via mijn organisatie' }).click();
  // At the provider: its own login page.
  await page.getByLabel('Gebruikersnaam').fill(person);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  // Back at the console, signed in: no token in the page, only the HttpOnly cookie.
  await page.getByRole('navigation', { name: 'Hoofdmenu' }).waitFor();
  expect(page.url().startsWith(`${hubUrl}/console/`)).toBe(true);
  const cookies = await context.cookies(hubUrl);
  expect(cookies.find((cookie) => cookie.name === 'ketenhub-session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  expect(await page.evaluate(() => document.cookie)).not.toContain('ketenhub-session');
  return { context, page };
}

describe('console sign-in through the organisation’s OpenID provider', () => {
  it('an officer signs in, makes a referral, signs out; the privacy officer finds both in the log', async () => {
    const { context, page } = await signInThroughProvider('anna');
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe verwijzing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nieuwe verwijzing' }).waitFor();
    await page.getByLabel('Achternaam begint met').fill(pupil.familyName);
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await page.getByRole('link', { name: `Kiezen ${pupil.displayName}` }).click();
    await page.getByLabel('Ontvanger').selectOption('smw-den-haag');
    await page.getByLabel('Grondslag').selectOption('LEERPLICHTWET');
    await page.getByLabel('Identiteit').check();
    await page.getByLabel('Reden van de verwijzing').fill('Langdurig verzuim; gezin wil hulp bij het weer naar school gaan.');
    await page.getByRole('button', { name: 'Verwijzing versturen' }).click();
    await page.getByRole('status').getByText('De verwijzing is verstuurd.').waitFor();

    // Signing out: the hub ends the session, then the provider asks to end its own.
    await page.getByRole('button', { name: 'Afmelden' }).click();
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.locator('#op-logout').click();
    await page.waitForURL((url) => url.href.startsWith(`${hubUrl}/console/`));
    await page.getByRole('button', { name: 'Aanmelden via mijn organisatie' }).waitFor();
    expect((await context.cookies(hubUrl)).some((cookie) => cookie.name === 'ketenhub-session')).toBe(false);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();

    // The privacy officer of Leerlingzaken Den Haag, signed in the same way.
    const officer = await signInThroughProvider('pia');
    await officer.page.getByRole('heading', { level: 1, name: 'Toegangslogboek' }).waitFor();
    await officer.page.getByLabel('Persoon').fill('anna');
    await officer.page.getByRole('button', { name: 'Filter toepassen' }).click();
    const rows = officer.page.getByRole('table', { name: 'Registraties in het toegangslogboek' }).locator('tbody tr');
    await rows.filter({ hasText: `provider ${idp.issuer}` }).first().waitFor();
    const asOfficer = await t.gql(
      { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' },
      `{ accessLog(filter: { actorSubject: "anna" }, first: 100) { edges { node { action outcome operationName pupilId purpose } } } }`,
    );
    const records = asOfficer.body.data.accessLog.edges.map((edge: { node: Record<string, unknown> }) => edge.node);
    expect(records).toContainEqual(expect.objectContaining({ action: 'CREATE', outcome: 'GRANTED', operationName: 'sign-in', purpose: `provider ${idp.issuer}` }));
    expect(records).toContainEqual(expect.objectContaining({ action: 'CREATE', outcome: 'GRANTED', pupilId: pupil.id }));
    expect(records).toContainEqual(expect.objectContaining({ action: 'UPDATE', operationName: 'sign-out' }));
    expect(consoleProblems(officer.page)).toEqual([]);
    await officer.context.close();
  }, 240_000);
});
