import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProblems, seriousAxeViolations, signInAs, startConsole, type ConsoleHarness } from './helpers/browser.ts';

let harness: ConsoleHarness;
beforeAll(async () => {
  harness = await startConsole();
}, 120_000);
afterAll(async () => harness?.close());

describe('console smoke', () => {
  it('signs in with the demo sign-in', async () => {
    const { page, context } = await harness.open();
    await page.getByRole('heading', { name: 'Aanmelden', exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await signInAs(page, 'Leerlingzaken Den Haag', 'PROFESSIONAL');
    expect(await page.getByText('Professional bij Leerlingzaken Den Haag').isVisible()).toBe(true);
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});
