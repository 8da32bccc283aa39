// The console against a hub that runs only registered operations (PERSISTED_OPERATIONS_FILE)
// with the console's own list (src/console/gql/persisted-documents.json, written by codegen):
// the page learns this from the hub's first refusal and goes on by hash, so officers notice nothing.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProblems, signInAs, startConsole, type ConsoleHarness } from '../helpers/browser.ts';

let harness: ConsoleHarness;
beforeAll(async () => {
  const registered = fileURLToPath(new URL('../../src/console/gql/persisted-documents.json', import.meta.url));
  harness = await startConsole({ env: { PERSISTED_OPERATIONS_FILE: registered } });
}, 120_000);
afterAll(async () => harness?.close());

describe('the console where only registered operations run', () => {
  it('signs in and lists referrals by the operations’ registered hashes', async () => {
    const { page, context } = await harness.open();
    const sent: { query?: string; hash?: string }[] = [];
    page.on('request', (request) => {
      if (!request.url().endsWith('/graphql')) return;
      const body = JSON.parse(request.postData() ?? '{}') as { query?: string; extensions?: { persistedQuery?: { sha256Hash?: string } } };
      sent.push({ query: body.query, hash: body.extensions?.persistedQuery?.sha256Hash });
    });
    await signInAs(page, 'Leerlingzaken Den Haag', 'PROFESSIONAL');
    await page.getByRole('heading', { level: 1, name: 'Verwijzingen' }).waitFor();
    await page.getByText(/^Verwijzingen \(\d+\)$/).waitFor();
    // One refused text request taught the page; everything after went by hash alone.
    expect(sent[0]?.query?.trim()).toMatch(/^query Viewer/);
    const afterFirst = sent.slice(1);
    expect(afterFirst.length).toBeGreaterThanOrEqual(2);
    expect(afterFirst.every((request) => request.query === undefined && /^[0-9a-f]{64}$/.test(request.hash ?? ''))).toBe(true);
    // The refusal is an HTTP 400 the page handled; nothing else went wrong.
    expect(consoleProblems(page)).toEqual([]);
    await context.close();
  });
});
