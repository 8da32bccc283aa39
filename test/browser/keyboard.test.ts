// The console with the keyboard only (Tab, Shift+Tab, Enter, Space, arrow keys; no mouse): the skip
// link, the demo sign-in, the menu, a form the hub refuses, and what stays in the browser when a
// person signs out and the next one sits down at the same tab.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProblems, seriousAxeViolations, startConsole, type ConsoleHarness } from '../helpers/browser.ts';

let harness: ConsoleHarness;
beforeAll(async () => {
  harness = await startConsole();
}, 120_000);
afterAll(async () => harness?.close());

interface Focused {
  tag: string;
  id: string;
  className: string;
  /** The accessible name, roughly: aria-label, the label of a form control, or the text. */
  name: string;
  inMenu: boolean;
  inMain: boolean;
  invalid: boolean;
  role: string | null;
  href: string;
  /** Whether the element shows a focus indicator (an outline or a box shadow). */
  indicated: boolean;
}

async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const element = (document.activeElement ?? document.body) as HTMLElement;
    const labelled = 'labels' in element ? ((element as HTMLInputElement).labels?.[0]?.innerText ?? '') : '';
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id,
      className: typeof element.className === 'string' ? element.className : '',
      name: (element.getAttribute('aria-label') ?? (labelled || element.innerText || '')).trim(),
      inMenu: Boolean(element.closest('nav.menu')),
      inMain: Boolean(element.closest('main')),
      invalid: element.getAttribute('aria-invalid') === 'true',
      role: element.getAttribute('role'),
      href: element.getAttribute('href') ?? '',
      indicated: outline || (style.boxShadow !== 'none' && style.boxShadow !== ''),
    };
  });
}

function describeFocus(f: Focused): string {
  return `${f.tag}${f.id ? `#${f.id}` : ''}${f.className ? `.${f.className}` : ''} "${f.name.slice(0, 40)}"`;
}

/** Presses Tab (or Shift+Tab) until the focused element is the one wanted. */
async function tabTo(page: Page, wanted: (f: Focused) => boolean, options: { back?: boolean; max?: number } = {}): Promise<Focused> {
  const trail: string[] = [];
  for (let step = 0; step < (options.max ?? 40); step++) {
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (wanted(now)) return now;
    trail.push(describeFocus(now));
  }
  throw new Error(`not reached with ${options.back ? 'Shift+Tab' : 'Tab'}; passed ${trail.join(' → ')}`);
}

/** With a <select> focused, moves to the option with `value` with the arrow keys. */
async function chooseWithArrows(page: Page, value: string): Promise<void> {
  for (let step = 0; step < 40; step++) {
    const { current, target } = await page.evaluate((wanted) => {
      const select = document.activeElement as HTMLSelectElement;
      return { current: select.selectedIndex, target: [...select.options].findIndex((option) => option.value === wanted) };
    }, value);
    if (target < 0) throw new Error(`no option ${value}`);
    if (current === target) return;
    await page.keyboard.press(target > current ? 'ArrowDown' : 'ArrowUp');
  }
  throw new Error(`option ${value} not reached with the arrow keys`);
}

async function h1(page: Page): Promise<string> {
  return (await page.locator('main h1').innerText()).trim();
}

/** The demo sign-in with the keyboard, from the sign-in page. */
async function signInWithKeyboard(page: Page, organisationId: string, role: 'PROFESSIONAL' | 'COORDINATOR' | 'PRIVACY_OFFICER'): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Aanmelden', exact: true }).waitFor();
  // The demo organisations come from the hub: wait until they are offered.
  await page.getByLabel('Organisatie').locator(`option[value="${organisationId}"]`).waitFor({ state: 'attached' });
  await tabTo(page, (f) => f.tag === 'select' && f.name.startsWith('Organisatie'));
  await chooseWithArrows(page, organisationId);
  await tabTo(page, (f) => f.tag === 'select' && f.name.startsWith('Rol'));
  await chooseWithArrows(page, role);
  await tabTo(page, (f) => f.tag === 'button' && f.name === 'Aanmelden als demo-gebruiker');
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Hoofdmenu' }).waitFor();
}

/** From wherever focus is, back up to the menu entry and follow it with Enter. */
async function followMenu(page: Page, entry: string, title: string): Promise<void> {
  const link = await tabTo(page, (f) => f.inMenu && f.name === entry, { back: true });
  expect(link.indicated, `focus indicator on the menu link ${entry}`).toBe(true);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  await expect.poll(async () => describeFocus(await focused(page))).toBe(`h1 "${title}"`);
}

async function storage(page: Page): Promise<{ session: Record<string, string>; local: Record<string, string> }> {
  return page.evaluate(() => ({
    session: Object.fromEntries(Object.entries(window.sessionStorage)),
    local: Object.fromEntries(Object.entries(window.localStorage)),
  }));
}

describe('console with the keyboard', () => {
  it('the skip link is the first Tab stop and moves focus to the main content, signed out and signed in', async () => {
    const { page, context } = await harness.open();
    await page.getByRole('heading', { level: 1, name: 'Aanmelden', exact: true }).waitFor();
    await page.keyboard.press('Tab');
    let now = await focused(page);
    expect(describeFocus(now)).toBe('a.skip-link "Naar de inhoud"');
    expect(now.indicated).toBe(true);
    expect(await page.locator('.skip-link').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).id).toBe('main');
    // The skip link moves focus only: the address and the page stay.
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    expect(await h1(page)).toBe('Aanmelden');

    await signInWithKeyboard(page, 'lz-den-haag', 'PROFESSIONAL');
    await page.getByRole('heading', { level: 1, name: 'Verwijzingen', exact: true }).waitFor();
    // A fresh load of a signed-in address (the token stays for the tab): again the skip link first.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Verwijzingen', exact: true }).waitFor();
    await page.locator('table.referral-table').waitFor();
    const address = await page.evaluate(() => window.location.hash);
    await page.keyboard.press('Tab');
    now = await focused(page);
    expect(describeFocus(now)).toBe('a.skip-link "Naar de inhoud"');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).id).toBe('main');
    expect(await page.evaluate(() => window.location.hash)).toBe(address);
    expect(await h1(page)).toBe('Verwijzingen');
    // The next Tab goes on into the content, past the menu.
    now = await tabTo(page, () => true, { max: 1 });
    expect(now.inMain).toBe(true);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('signs in with the keyboard, reaches every menu entry and lands on the new page’s heading', async () => {
    const { page, context } = await harness.open();
    await signInWithKeyboard(page, 'lz-den-haag', 'COORDINATOR');
    await page.getByRole('heading', { level: 1, name: 'Verwijzingen', exact: true }).waitFor();
    await expect.poll(async () => describeFocus(await focused(page))).toBe('h1 "Verwijzingen"');
    expect(await page.getByText('Coördinator bij Leerlingzaken Den Haag').isVisible()).toBe(true);
    const entries: [string, string][] = [
      ['Nieuwe verwijzing', 'Nieuwe verwijzing'],
      ['Te laat', 'Te laat'],
      ['Leerlingen', 'Leerlingen'],
      ['Uit beeld', 'Leerlingen uit beeld'],
      ['Verwijzingen', 'Verwijzingen'],
    ];
    for (const [entry, title] of entries) {
      await followMenu(page, entry, title);
      expect(await page.evaluate(() => window.location.hash)).not.toBe('');
    }
    // And a row of a list: Tab forward from the heading to the first referral, Enter opens it.
    await page.locator('table.referral-table').waitFor();
    const row = await tabTo(page, (f) => f.tag === 'a' && f.inMain && /^#\/referrals\/(?!new$)/.test(f.href), { max: 60 });
    expect(row.indicated).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(row.href);
    await page.getByRole('heading', { level: 1, name: /^Verwijzing over / }).waitFor();
    await expect.poll(async () => (await focused(page)).tag).toBe('h1');
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('a referral action the hub refuses shows the error under the field and puts focus on it', async () => {
    const listed = await harness.hub.gql(
      { org: 'lz-den-haag', role: 'PROFESSIONAL' },
      `{ referrals(first: 100, filter: { direction: SENT }) { edges { node { id status allowedActions pupil { displayName } } } } }`,
    );
    const referral = (listed.body.data.referrals.edges as { node: { id: string; status: string; allowedActions: string[] } }[])
      .map((edge) => edge.node)
      .find((node) => node.allowedActions.includes('CANCEL'));
    expect(referral).toBeDefined();
    const { page, context } = await harness.open();
    await signInWithKeyboard(page, 'lz-den-haag', 'PROFESSIONAL');
    // Typing the referral's address (no mouse involved).
    await page.evaluate((id) => {
      window.location.hash = `#/referrals/${id}`;
    }, referral!.id);
    await page.getByRole('heading', { level: 2, name: 'Acties' }).waitFor();
    await tabTo(page, (f) => f.tag === 'button' && f.name === 'Intrekken', { max: 60 });
    // Space presses a button as well as Enter does.
    await page.keyboard.press('Space');
    const reason = page.getByLabel(/^Reden/);
    await reason.waitFor();
    await tabTo(page, (f) => f.tag === 'button' && f.name === 'Intrekking versturen');
    await page.keyboard.press('Enter');
    // The hub's refusal, under the field, with the field marked invalid and described by it.
    const error = page.locator('.field-invalid .field-error');
    await error.waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await reason.getAttribute('aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain(await error.getAttribute('id'));
    const now = await focused(page);
    expect(now.invalid || now.role === 'alert', `focus after the refusal: ${describeFocus(now)}`).toBe(true);
    expect(now.indicated, `a visible focus indicator on ${describeFocus(now)}`).toBe(true);
    // Nothing changed at the hub.
    const after = await harness.hub.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, `query($id: ID!) { referral(id: $id) { status } }`, { id: referral!.id });
    expect(after.body.data.referral.status).toBe(referral!.status);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('the log verification without a reason: the error under the field, focus on what to fix', async () => {
    const { page, context } = await harness.open();
    await signInWithKeyboard(page, 'lz-den-haag', 'PRIVACY_OFFICER');
    await page.getByRole('heading', { level: 1, name: 'Toegangslogboek', exact: true }).waitFor();
    await followMenu(page, 'Controle van het logboek', 'Controle van het toegangslogboek');
    await tabTo(page, (f) => f.tag === 'button' && f.name === 'Controle starten');
    await page.keyboard.press('Enter');
    const reason = page.getByLabel(/^Reden van de controle/);
    const error = page.locator('.field-invalid .field-error');
    await error.waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(((await reason.getAttribute('aria-describedby')) ?? '').split(' ')).toContain(await error.getAttribute('id'));
    await expect.poll(async () => {
      const now = await focused(page);
      return now.invalid || now.role === 'alert' ? 'on what to fix' : describeFocus(now);
    }).toBe('on what to fix');
    const now = await focused(page);
    expect(now.indicated, `a visible focus indicator on ${describeFocus(now)}`).toBe(true);
    // Typed in, the reason is accepted: the check starts and the field is no longer invalid.
    await tabTo(page, (f) => f.tag === 'textarea', { max: 5 });
    await page.keyboard.type('Steekproef na de toetsing');
    await tabTo(page, (f) => f.tag === 'button' && f.name === 'Controle starten');
    await page.keyboard.press('Enter');
    await expect.poll(async () => reason.getAttribute('aria-invalid')).toBe(null);
    await page.getByText('Steekproef na de toetsing').first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });

  it('signing out leaves no token or data in the browser, and Back shows nothing of the previous person', async () => {
    // A Den Haag pupil Leerlingzaken sees and school social work does not.
    const listed = await harness.hub.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, `{ pupils(first: 50) { edges { node { id displayName } } } }`);
    let pupil: { id: string; displayName: string } | undefined;
    for (const { node } of listed.body.data.pupils.edges as { node: { id: string; displayName: string } }[]) {
      const seen = await harness.hub.gql({ org: 'smw-den-haag', role: 'PROFESSIONAL' }, `query($id: ID!) { pupil(id: $id) { id } }`, { id: node.id });
      if (seen.body.data?.pupil === null) {
        pupil = node;
        break;
      }
    }
    expect(pupil).toBeDefined();

    const { page, context } = await harness.open();
    await signInWithKeyboard(page, 'lz-den-haag', 'PROFESSIONAL');
    await page.evaluate((id) => {
      window.location.hash = `#/pupils/${id}`;
    }, pupil!.id);
    await page.getByRole('heading', { level: 1, name: pupil!.displayName, exact: true }).waitFor();
    await followMenu(page, 'Verwijzingen', 'Verwijzingen');
    const token = (await storage(page)).session['ketenhub.token'];
    expect(token).toBeTruthy();

    await tabTo(page, (f) => f.tag === 'button' && f.name === 'Afmelden', { back: true });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Aanmelden', exact: true }).waitFor();
    await page.getByLabel('Organisatie').waitFor();
    const left = await storage(page);
    expect(Object.keys(left.session)).toEqual([]);
    expect(Object.keys(left.local).filter((key) => key !== 'ketenhub.language')).toEqual([]);
    expect(JSON.stringify(left)).not.toContain(token!);

    // Back, to the pupil's address: the sign-in form, and nothing of the pupil in the page.
    await page.goBack();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/pupils/${pupil!.id}`);
    await page.getByRole('heading', { level: 1, name: 'Aanmelden', exact: true }).waitFor();
    expect(await page.content()).not.toContain(pupil!.displayName);
    expect(await page.getByRole('navigation', { name: 'Hoofdmenu' }).count()).toBe(0);

    // The next person, of school social work, signs in at that address: the hub gives them nothing of the pupil.
    await signInWithKeyboard(page, 'smw-den-haag', 'PROFESSIONAL');
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/pupils/${pupil!.id}`);
    await page.getByText('Deze leerling bestaat niet of uw organisatie heeft er geen wettelijke band mee.').waitFor();
    expect(await h1(page)).toBe('Leerling');
    expect(await page.content()).not.toContain(pupil!.displayName);
    expect(await page.locator('.notice-error').count()).toBe(0);
    expect((await storage(page)).session['ketenhub.token']).not.toBe(token);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});
