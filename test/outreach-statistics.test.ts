// What retention keeps of closed cases (counts, no pupil) can be read for the purpose the register
// names: by the Leerlingzaken that worked the cases and by the schools that reported them; nobody
// else, and never a pupil.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '../src/retention/engine.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, NO_RATE_LIMITS, type As, type Body } from './helpers/referrals.ts';

let t: TestHub;
const LATER = new Date('2037-06-01T10:00:00.000Z');
const QUERY = `query($from: Date!, $to: Date!) { outOfViewStatistics(from: $from, to: $to) {
  month leerlingzaken { id } reportingSchool { id } outcome urgent cases attempts } }`;
const ALL_YEARS = { from: '2026-01-01', to: '2035-12-31' };
const codes = (body: Body) => (body.errors ?? []).map((error) => error.extensions?.code);

beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
  // Years later, every closed demo case's period has ended: retention anonymises them into counts.
  const report = await runRetention({ db: t.database.db, accessLog: t.hub.services.accessLog, now: LATER });
  expect(report.deleted.anonymisedCases).toBeGreaterThan(0);
});
afterAll(async () => {
  await t?.close();
});

describe('statistics of closed cases', () => {
  it("Leerlingzaken's coordinator reads its own municipality's counts, which add up to the cases anonymised, with no pupil in them", async () => {
    const rows = (await gqlOk(t, { org: 'lz-den-haag', role: 'COORDINATOR' }, QUERY, ALL_YEARS)).outOfViewStatistics;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row: any) => row.leerlingzaken.id === 'lz-den-haag')).toBe(true);
    const stored = await t.database.db.selectFrom('out_of_view_statistics').select((eb) => eb.fn.sum<number>('cases').as('n')).where('leerlingzaken_org_id', '=', 'lz-den-haag').executeTakeFirstOrThrow();
    expect(rows.reduce((sum: number, row: any) => sum + row.cases, 0)).toBe(Number(stored.n));
    expect(JSON.stringify(rows)).not.toMatch(/pupil|bsn|[0-9a-f]{8}-[0-9a-f]{4}-/i);
    // The privacy officer of the same municipality reads the same; Rijswijk none of Den Haag's.
    expect((await gqlOk(t, { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, QUERY, ALL_YEARS)).outOfViewStatistics).toEqual(rows);
    const rijswijk = (await gqlOk(t, { org: 'lz-rijswijk', role: 'COORDINATOR' }, QUERY, ALL_YEARS)).outOfViewStatistics;
    expect(rijswijk.every((row: any) => row.leerlingzaken.id === 'lz-rijswijk')).toBe(true);
  });

  it('a school coordinator reads only the cases it reported', async () => {
    const school: As = { org: 'school-zuiderpark-college', role: 'COORDINATOR' };
    const rows = (await gqlOk(t, school, QUERY, ALL_YEARS)).outOfViewStatistics;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row: any) => row.reportingSchool.id === 'school-zuiderpark-college')).toBe(true);
  });

  it('partners, professionals and bad periods are refused', async () => {
    expect(codes(await gqlBody(t, { org: 'cjg-den-haag', role: 'COORDINATOR' }, QUERY, ALL_YEARS))).toContain('FORBIDDEN');
    expect(codes(await gqlBody(t, { org: 'lz-den-haag', role: 'PROFESSIONAL' }, QUERY, ALL_YEARS))).toContain('FORBIDDEN');
    expect(codes(await gqlBody(t, { org: 'lz-den-haag', role: 'COORDINATOR' }, QUERY, { from: '2030-01-01', to: '2029-01-01' }))).toContain('BAD_USER_INPUT');
    expect(codes(await gqlBody(t, { org: 'lz-den-haag', role: 'COORDINATOR' }, QUERY, { from: '2000-01-01', to: '2030-01-01' }))).toContain('BAD_USER_INPUT');
  });
});
