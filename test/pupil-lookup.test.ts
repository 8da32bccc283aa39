// The municipality's privacy officer finds a pupil of her own municipality by name and date of birth
// or by BSN (not only by pasting a UUID): ids only, never another municipality's pupil, and every
// lookup in the access log. Errors carry their problem as parameters, so the console can word them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PupilRow } from '../src/db/tables.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
const LZ_PO = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER', subject: 'fg-den-haag' } as const;
const LOOKUP = 'query($search: TenantPupilSearch!) { tenantPupilIds(search: $search) }';
let own: PupilRow;
let other: PupilRow;

beforeAll(async () => {
  t = await startTestHub();
  const pupil = (code: string) =>
    t.database.db.selectFrom('pupils').selectAll().where('municipality_code', '=', code).where('bsn', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
  own = await pupil('GM0518');
  other = await pupil('GM0603');
});
afterAll(async () => {
  await t.close();
});

const lookup = async (as: Parameters<TestHub['gql']>[0], search: Record<string, unknown>) => (await t.gql(as, LOOKUP, { search })).body;
const searchRecords = (subject: string) =>
  t.database.db
    .selectFrom('access_log_records')
    .select(['pupil_id', 'action', 'outcome', 'fields', 'actor_subject'])
    .where('actor_subject', '=', subject)
    .where('action', '=', 'SEARCH')
    .orderBy('seq')
    .execute();

describe('tenantPupilIds', () => {
  it('finds a pupil of her municipality by BSN, and by family name and date of birth in any case', async () => {
    expect((await lookup(LZ_PO, { bsn: own.bsn })).data.tenantPupilIds).toEqual([own.id]);
    const byName = await lookup(LZ_PO, { familyName: own.family_name.toUpperCase(), dateOfBirth: String(own.date_of_birth).slice(0, 10) });
    expect(byName.errors).toBeUndefined();
    expect(byName.data.tenantPupilIds).toContain(own.id);
    const withGiven = await lookup(LZ_PO, { familyName: own.family_name, givenName: own.given_name.toLowerCase(), dateOfBirth: String(own.date_of_birth).slice(0, 10) });
    expect(withGiven.data.tenantPupilIds).toEqual([own.id]);
  });

  it("does not find another municipality's pupil, by BSN or by name", async () => {
    expect((await lookup(LZ_PO, { bsn: other.bsn })).data.tenantPupilIds).toEqual([]);
    expect((await lookup(LZ_PO, { familyName: other.family_name, dateOfBirth: String(other.date_of_birth).slice(0, 10) })).data.tenantPupilIds).not.toContain(other.id);
    // Rijswijk's own privacy officer does find her pupil.
    expect((await lookup({ org: 'lz-rijswijk', role: 'PRIVACY_OFFICER' }, { bsn: other.bsn })).data.tenantPupilIds).toEqual([other.id]);
  });

  it('records every lookup in the access log: the pupil found, or the search without a pupil; the fields searched, never the values', async () => {
    const subject = 'fg-logged';
    await lookup({ ...LZ_PO, subject }, { bsn: own.bsn });
    await lookup({ ...LZ_PO, subject }, { bsn: other.bsn });
    const records = await searchRecords(subject);
    expect(records.map((r) => [r.pupil_id, r.outcome])).toEqual([
      [own.id, 'GRANTED'],
      [null, 'GRANTED'],
    ]);
    for (const record of records) {
      expect(record.fields).toEqual(['Query.tenantPupilIds(bsn)']);
      expect(JSON.stringify(record)).not.toContain(own.bsn!);
    }
    // The privacy officer reads the lookups back in the access log of the pupil.
    const log = await t.gql(LZ_PO, 'query($id: ID!) { accessLog(filter: { pupilId: $id, action: SEARCH }) { edges { node { actorSubject fields } } } }', { id: own.id });
    expect(log.body.data.accessLog.edges.map((e: { node: { fields: string[] } }) => e.node.fields)).toContainEqual(['Query.tenantPupilIds(bsn)']);
  });

  it('refuses everyone but the Leerlingzaken privacy officer, and logs the refusal', async () => {
    for (const as of [
      { org: 'lz-den-haag', role: 'PROFESSIONAL' },
      { org: 'lz-den-haag', role: 'COORDINATOR' },
      { org: 'smw-den-haag', role: 'PRIVACY_OFFICER', subject: 'fg-smw' },
    ] as const) {
      const body = await lookup(as, { bsn: own.bsn });
      expect(body.data?.tenantPupilIds ?? null).toBeNull();
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await searchRecords('fg-smw')).map((r) => [r.pupil_id, r.outcome])).toEqual([[null, 'REFUSED']]);
  });

  it('asks for familyName with dateOfBirth, or bsn, with the problem as a parameter', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'filter.bsn', 'INVALID'],
      [{ familyName: 'Jansen' }, 'filter.dateOfBirth', 'INVALID'],
      [{ bsn: own.bsn, familyName: 'Jansen', dateOfBirth: '2012-01-01' }, 'filter.bsn', 'INVALID'],
      [{ bsn: '12345' }, 'filter.bsn', 'INVALID_FORMAT'],
      [{ familyName: 'x'.repeat(101), dateOfBirth: '2012-01-01' }, 'filter.familyName', 'TOO_LONG'],
    ];
    for (const [search, argument, problem] of cases) {
      const body = await lookup(LZ_PO, search);
      expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument, problem });
    }
    const tooLong = await lookup(LZ_PO, { familyName: 'x'.repeat(101), dateOfBirth: '2012-01-01' });
    expect(tooLong.errors[0].extensions.limit).toBe(100);
  });
});
