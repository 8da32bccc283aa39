// Retention: what the register of processing activities says is no longer needed goes,
// one second after its retention ends and not one second before; a deleted pupil leaves nothing
// behind but pseudonymous access-log records; the log stays append-only and verifiable.
// Every test inserts its own pupils, with closed_at in an era of its own, and moves `now` to the
// second around the end of retention (runRetention takes the clock; the CLI takes --now).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessLog } from '../src/audit/chain.ts';
import { verifyAccessLog } from '../src/audit/chain.ts';
import type { Tables } from '../src/db/tables.ts';
import { DATA_CATEGORIES } from '../src/policy/vocabulary.ts';
import { planRetention, runRetention, type RetentionReport } from '../src/retention/engine.ts';
import { openPGlite } from '../src/db/database.ts';
import { runCli } from './helpers/cli.ts';
import { DEMO_NOW, productionEnv, startTestHub, type TestHub } from './helpers/hub.ts';
import {
  at,
  commandEnv,
  DAY,
  insertCase,
  insertNote,
  insertPupil,
  insertReferral,
  insertWholeFile,
  plus,
  runNpm,
  SECOND,
  tablesMentioning,
  yearsAfter,
  type RetentionPupil,
} from './helpers/retention.ts';

let t: TestHub;
const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
const SMW = { org: 'smw-den-haag', role: 'PROFESSIONAL' } as const;

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.database.db;
const run = (now: Date, options: { dryRun?: boolean; batchSize?: number; accessLog?: AccessLog } = {}) =>
  runRetention({ db: db(), accessLog: options.accessLog ?? t.hub.services.accessLog, now, dryRun: options.dryRun, batchSize: options.batchSize });
/** Deletes whatever is already due at `now`, so a test's own fixtures are all that is due there. */
const settle = (now: Date) => run(now);

async function count(table: keyof Tables, column: string, value: string | string[]): Promise<number> {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return 0;
  const row = await db()
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(column as never, 'in', values as never)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
const pupilExists = async (id: string) => (await count('pupils', 'id', id)) === 1;

/** A case and what hangs from it. */
async function caseState(caseId: string) {
  return {
    cases: await count('out_of_view_cases', 'id', caseId),
    reports: await count('out_of_view_reports', 'case_id', caseId),
    attempts: await count('contact_attempts', 'case_id', caseId),
  };
}

/** A referral and what hangs from it. */
async function referralState(referralId: string) {
  return {
    referrals: await count('referrals', 'id', referralId),
    events: await count('referral_events', 'referral_id', referralId),
    notes: await count('notes', 'referral_id', referralId),
  };
}

async function statistics() {
  const rows = await sql<{ month: string; leerlingzaken_org_id: string; reporting_school_id: string; outcome: string; urgent: boolean; cases: number; attempts: number }>`
    SELECT to_char(month, 'YYYY-MM-DD') AS month, leerlingzaken_org_id, reporting_school_id, outcome, urgent, cases, attempts
    FROM out_of_view_statistics ORDER BY 1, 2, 3, 4, 5`.execute(db());
  return rows.rows.map((row) => ({ ...row, cases: Number(row.cases), attempts: Number(row.attempts) }));
}

async function logHead() {
  const head = await db().selectFrom('access_log_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
  return { seq: Number(head.seq), hash: head.hash };
}

const pseudonym = (pupilId: string) => t.hub.services.accessLog.pseudonym(pupilId);

/** The records naming a pupil, by pseudonym (what stays once the pupil id is gone). */
function recordsOf(pupilId: string) {
  return db().selectFrom('access_log_records').selectAll().where('pupil_pseudonym', '=', pseudonym(pupilId)).orderBy('seq').execute();
}
async function deleteRecordsOf(pupilId: string) {
  return (await recordsOf(pupilId)).filter((record) => record.action === 'DELETE');
}

/** A read of the pupil through the API by Leerlingzaken, so the log holds records naming them. */
async function readThroughApi(pupilId: string) {
  const saved = t.clock.now;
  t.clock.now = DEMO_NOW;
  try {
    const response = await t.gql(LZ, 'query($id: ID!) { pupil(id: $id) { familyName bsn } }', { id: pupilId });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.pupil.familyName).toBeTruthy();
  } finally {
    t.clock.now = saved;
  }
}

const itemsFor = (report: RetentionReport, pupilIds: string[]) => report.items.filter((item) => pupilIds.includes(item.pupilId));
const summary = (report: RetentionReport, pupilIds: string[]) =>
  itemsFor(report, pupilIds)
    .map((item) => `${item.rule}:${item.id}`)
    .sort();

async function verifyIntact() {
  const result = await verifyAccessLog(db(), t.hub.services.accessLog.publicKeys);
  expect(result.problems).toEqual([]);
  return result;
}

// ---------------------------------------------------------------------------------------------------

describe('time travel: each rule takes its data one second after retention ends, not before', () => {
  it('a closed case under register v1 stays five years after closing, then goes with its reports and attempts, without statistics', async () => {
    const closedAt = at('2021-03-10T10:00:00Z');
    const end = at('2026-03-10T10:00:00Z'); // before 2026-08-01: leerplicht-verzuim v1, DELETE
    const pupil = await insertPupil(db());
    const caseId = await insertCase(db(), pupil, { closedAt, attempts: 2, reports: 2 });
    const statsBefore = await statistics();

    const before = await run(plus(end, -SECOND));
    expect(itemsFor(before, [pupil.id])).toEqual([]);
    expect(await caseState(caseId)).toEqual({ cases: 1, reports: 2, attempts: 2 });
    expect(await pupilExists(pupil.id)).toBe(true);

    const after = await run(plus(end, SECOND));
    expect(itemsFor(after, [pupil.id])).toEqual([
      expect.objectContaining({ rule: 'closed-case', id: caseId, activityId: 'leerplicht-verzuim', activityVersion: 1, onEnd: 'DELETE', closedAt, endedAt: end }),
      expect.objectContaining({ rule: 'pupil-file', id: pupil.id, activityId: 'bewaartermijn', onEnd: 'DELETE' }),
    ]);
    expect(await caseState(caseId)).toEqual({ cases: 0, reports: 0, attempts: 0 });
    expect(await pupilExists(pupil.id)).toBe(false);
    expect(after.deleted.anonymisedCases).toBe(0);
    expect(await statistics()).toEqual(statsBefore);
  });

  it('under register v2 a closed case is counted into out_of_view_statistics (Dutch month, outcome, cases, attempts) before it goes', async () => {
    // 22:30 UTC on 30 September is 00:30 on 1 October in the Netherlands: the October statistics.
    const closedAt = at('2021-09-30T22:30:00Z');
    const end = at('2026-09-30T22:30:00Z'); // after 2026-08-01: leerplicht-verzuim v2, ANONYMISE
    const school = 'school-zeester-escamp';
    const pupil = await insertPupil(db());
    const caseId = await insertCase(db(), pupil, { closedAt, outcome: 'MOVED', attempts: 2, schoolId: school });
    // A second case in the same month, school and outcome, due 25 minutes earlier.
    const other = await insertPupil(db());
    const otherCase = await insertCase(db(), other, { closedAt: at('2021-09-30T22:05:00Z'), outcome: 'MOVED', attempts: 1, schoolId: school });
    const key = { month: '2021-10-01', leerlingzaken_org_id: 'lz-den-haag', reporting_school_id: school, outcome: 'MOVED', urgent: false };
    const row = async () => (await statistics()).filter((s) => s.reporting_school_id === school && s.outcome === 'MOVED');
    expect(await row()).toEqual([]);

    const before = await run(plus(end, -SECOND));
    expect(summary(before, [other.id])).toEqual([`closed-case:${otherCase}`, `pupil-file:${other.id}`].sort());
    expect(itemsFor(before, [pupil.id])).toEqual([]);
    expect(await row()).toEqual([{ ...key, cases: 1, attempts: 1 }]);
    expect(await caseState(caseId)).toEqual({ cases: 1, reports: 1, attempts: 2 });

    const after = await run(plus(end, SECOND));
    expect(itemsFor(after, [pupil.id])[0]).toMatchObject({ rule: 'closed-case', id: caseId, activityId: 'leerplicht-verzuim', activityVersion: 2, onEnd: 'ANONYMISE' });
    expect(after.deleted.anonymisedCases).toBe(1);
    expect(await row()).toEqual([{ ...key, cases: 2, attempts: 3 }]);
    expect(await caseState(caseId)).toEqual({ cases: 0, reports: 0, attempts: 0 });
    expect(await pupilExists(pupil.id)).toBe(false);
    const [record] = await deleteRecordsOf(pupil.id);
    expect(record!.fields).toEqual(['closed-case:leerplicht-verzuim@v2:anonymised', 'pupil-file:bewaartermijn@v1']);
  });

  it.each([
    { basis: 'CONSENT', sender: 'lz-den-haag', receiver: 'smw-den-haag', closedAt: '2015-04-20T12:00:00Z' },
    { basis: 'JEUGDWET', sender: 'lz-den-haag', receiver: 'cjg-den-haag', closedAt: '2016-05-11T07:45:00Z' },
    { basis: 'WET_PUBLIEKE_GEZONDHEID', sender: 'school-dalton-laak', receiver: 'cjg-den-haag', closedAt: '2016-11-02T15:00:00Z' },
  ])(
    'a closed referral under ketenverwijzing ($basis, $sender → $receiver) goes five years after closing, with its events and the notes written in it',
    async ({ basis, sender, receiver, closedAt: closed }) => {
      const closedAt = at(closed);
      const end = yearsAfter(closedAt, 5);
      const pupil = await insertPupil(db());
      const referralId = await insertReferral(db(), pupil, { sender, receiver, legalBasis: basis, status: 'COMPLETED', closedAt, notes: 2 });
      // The pupil keeps an open referral and a loose note: the file stays, only the closed referral goes.
      const open = await insertReferral(db(), pupil, { sender: 'school-dalton-laak', receiver: 'lz-den-haag', legalBasis: 'LEERPLICHTWET', status: 'IN_PROGRESS', closedAt: null });
      const loose = await insertNote(db(), pupil, { referralId: null });

      const before = await run(plus(end, -SECOND));
      expect(itemsFor(before, [pupil.id])).toEqual([]);
      expect(await referralState(referralId)).toEqual({ referrals: 1, events: 2, notes: 2 });

      const after = await run(plus(end, SECOND));
      expect(itemsFor(after, [pupil.id])).toEqual([
        expect.objectContaining({ rule: 'closed-referral', id: referralId, activityId: 'ketenverwijzing', onEnd: 'DELETE', closedAt, endedAt: end }),
      ]);
      expect(await referralState(referralId)).toEqual({ referrals: 0, events: 0, notes: 0 });
      expect(await referralState(open)).toEqual({ referrals: 1, events: 1, notes: 1 });
      expect(await count('notes', 'id', loose)).toBe(1);
      expect(await pupilExists(pupil.id)).toBe(true);
    },
  );

  it.each([
    { basis: 'MELDCODE', sender: 'lz-den-haag', receiver: 'veilig-thuis-haaglanden', closedAt: '1996-02-10T09:00:00Z' },
    { basis: 'POLITIEWET', sender: 'lz-den-haag', receiver: 'politie-den-haag', closedAt: '1997-06-03T13:20:00Z' },
    // A safety kind makes it safety work, whatever the ground.
    { basis: 'JEUGDWET', sender: 'jbw-crisisteam', receiver: 'cjg-den-haag', closedAt: '1998-10-21T06:10:00Z' },
  ])(
    'a closed referral under veiligheid-meldcode ($basis, $sender → $receiver) outlives five years and goes twenty years after closing',
    async ({ basis, sender, receiver, closedAt: closed }) => {
      const closedAt = at(closed);
      const end = yearsAfter(closedAt, 20);
      const pupil = await insertPupil(db());
      const referralId = await insertReferral(db(), pupil, { sender, receiver, legalBasis: basis, status: 'COMPLETED', closedAt, notes: 1 });

      const fiveYearsOn = await run(plus(yearsAfter(closedAt, 5), DAY));
      expect(itemsFor(fiveYearsOn, [pupil.id])).toEqual([]);
      expect(await referralState(referralId)).toEqual({ referrals: 1, events: 2, notes: 1 });

      const justBefore = await run(plus(end, -SECOND));
      expect(itemsFor(justBefore, [pupil.id])).toEqual([]);
      expect(await referralState(referralId)).toEqual({ referrals: 1, events: 2, notes: 1 });

      const after = await run(plus(end, SECOND));
      expect(itemsFor(after, [pupil.id])).toEqual([
        expect.objectContaining({ rule: 'closed-referral', id: referralId, activityId: 'veiligheid-meldcode', closedAt, endedAt: end }),
        expect.objectContaining({ rule: 'pupil-file', id: pupil.id }),
      ]);
      expect(await referralState(referralId)).toEqual({ referrals: 0, events: 0, notes: 0 });
      expect(await pupilExists(pupil.id)).toBe(false);
    },
  );

  it.each([
    { status: 'REJECTED', closedAt: '2010-06-01T10:00:00Z' },
    { status: 'CANCELLED', closedAt: '2010-07-01T10:00:00Z' },
    { status: 'FAILED', closedAt: '2010-08-01T10:00:00Z' },
  ])('a $status referral is removed after its period too', async ({ status, closedAt: closed }) => {
    const closedAt = at(closed);
    const end = yearsAfter(closedAt, 5);
    const pupil = await insertPupil(db());
    const referralId = await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'CONSENT', status, closedAt });

    await run(plus(end, -SECOND));
    expect(await referralState(referralId)).toEqual({ referrals: 1, events: 2, notes: 1 });
    const after = await run(plus(end, SECOND));
    expect(summary(after, [pupil.id])).toEqual([`closed-referral:${referralId}`, `pupil-file:${pupil.id}`].sort());
    expect(await referralState(referralId)).toEqual({ referrals: 0, events: 0, notes: 0 });
    expect(await pupilExists(pupil.id)).toBe(false);
  });

  it.each(['COMPLETED', 'FAILED'])("the receiver's link through a %s referral ends 90 days after it closed: seen at −1 s, null at +1 s", async (status) => {
    const closedAt = at('2026-04-01T10:00:00Z');
    const pupil = await insertPupil(db());
    const referralId = await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'JEUGDWET', status, closedAt });
    const end = plus(closedAt, 90 * DAY);
    const query = 'query($id: ID!, $referral: ID!) { pupil(id: $id) { id familyName } referral(id: $referral) { id status } }';
    const saved = t.clock.now;
    try {
      t.clock.now = plus(end, -SECOND);
      const seen = await t.gql(SMW, query, { id: pupil.id, referral: referralId });
      expect(seen.body.errors).toBeUndefined();
      expect(seen.body.data.pupil).toEqual({ id: pupil.id, familyName: pupil.familyName });
      expect(seen.body.data.referral).toMatchObject({ status });

      t.clock.now = plus(end, SECOND);
      const gone = await t.gql(SMW, query, { id: pupil.id, referral: referralId });
      expect(gone.body.errors).toBeUndefined();
      expect(gone.body.data).toEqual({ pupil: null, referral: null });
      // The data itself is still there (retention of the referral is five years): only the link ended.
      expect(await referralState(referralId)).toEqual({ referrals: 1, events: 2, notes: 1 });
    } finally {
      t.clock.now = saved;
    }
  });

  it('open cases and open referrals are never removed, however old', async () => {
    const pupil = await insertPupil(db());
    const caseId = await insertCase(db(), pupil, { closedAt: null, attempts: 1 });
    const referrals = [];
    for (const status of ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'])
      referrals.push(await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'cjg-den-haag', legalBasis: 'JEUGDWET', status, closedAt: null }));
    // Opened in 1990: forty years before the latest `now` below.
    const report = await run(at('2029-12-31T23:00:00Z'));
    expect(itemsFor(report, [pupil.id])).toEqual([]);
    expect(await caseState(caseId)).toEqual({ cases: 1, reports: 1, attempts: 1 });
    expect(await count('referrals', 'id', referrals)).toBe(5);
    expect(await pupilExists(pupil.id)).toBe(true);
    expect(await deleteRecordsOf(pupil.id)).toEqual([]);
  });

  it('of a referral handed over from an older one, the older goes and the newer stays with handed_over_from_id null', async () => {
    const pupil = await insertPupil(db());
    const olderClosed = at('2011-01-15T10:00:00Z');
    const older = await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'CONSENT', status: 'COMPLETED', closedAt: olderClosed });
    const newerClosed = at('2013-03-01T10:00:00Z');
    const newer = await insertReferral(db(), pupil, {
      sender: 'smw-den-haag',
      receiver: 'cjg-den-haag',
      legalBasis: 'JEUGDWET',
      status: 'COMPLETED',
      closedAt: newerClosed,
      handedOverFrom: older,
    });

    const first = await run(plus(yearsAfter(olderClosed, 5), SECOND));
    expect(summary(first, [pupil.id])).toEqual([`closed-referral:${older}`]);
    expect(await referralState(older)).toEqual({ referrals: 0, events: 0, notes: 0 });
    const row = await db().selectFrom('referrals').select(['id', 'handed_over_from_id']).where('id', '=', newer).executeTakeFirst();
    expect(row).toEqual({ id: newer, handed_over_from_id: null });
    expect(await referralState(newer)).toEqual({ referrals: 1, events: 2, notes: 1 });
    expect(await pupilExists(pupil.id)).toBe(true);

    const second = await run(plus(yearsAfter(newerClosed, 5), SECOND));
    expect(summary(second, [pupil.id])).toEqual([`closed-referral:${newer}`, `pupil-file:${pupil.id}`].sort());
    expect(await pupilExists(pupil.id)).toBe(false);
  });

  it('a case and a referral closed on 29 February go on 28 February five years later, when their retention (as reported) ends', async () => {
    const pupil = await insertPupil(db());
    const caseId = await insertCase(db(), pupil, { closedAt: at('2020-02-29T10:00:00Z') });
    const referralId = await insertReferral(db(), pupil, {
      sender: 'lz-den-haag',
      receiver: 'smw-den-haag',
      legalBasis: 'JEUGDWET',
      status: 'COMPLETED',
      closedAt: at('2020-02-29T11:00:00Z'),
    });
    try {
      const report = await run(at('2025-02-28T11:00:01Z'));
      // What the engine itself says: retention ended on 28 February (addYears: 29 February falls to 28).
      expect(summary(report, [pupil.id])).toEqual([`closed-case:${caseId}`, `closed-referral:${referralId}`, `pupil-file:${pupil.id}`].sort());
      expect(await pupilExists(pupil.id)).toBe(false);
    } finally {
      await settle(at('2025-03-02T00:00:00Z'));
    }
  });

  it('a referral under leerplicht-verzuim v2 is recorded as deleted, not as anonymised: nothing of it goes into statistics', async () => {
    const closedAt = at('2021-10-10T10:00:00Z');
    const pupil = await insertPupil(db());
    const referralId = await insertReferral(db(), pupil, { sender: 'school-dalton-laak', receiver: 'lz-den-haag', legalBasis: 'LEERPLICHTWET', status: 'COMPLETED', closedAt });
    const statsBefore = await statistics();
    const report = await run(plus(yearsAfter(closedAt, 5), SECOND));
    expect(summary(report, [pupil.id])).toEqual([`closed-referral:${referralId}`, `pupil-file:${pupil.id}`].sort());
    expect(report.deleted.anonymisedCases).toBe(0);
    expect(await statistics()).toEqual(statsBefore);
    const [record] = await deleteRecordsOf(pupil.id);
    expect(record!.fields).toEqual(['closed-referral:leerplicht-verzuim@v2', 'pupil-file:bewaartermijn@v1']);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('a deleted pupil file', () => {
  it('goes with the last case or referral; afterwards no table holds the pupil id, BSN or name, the log keeps only the pseudonym, and audit:verify passes', async () => {
    const pupil = await insertPupil(db());
    const caseClosed = at('2018-05-05T10:00:00Z');
    const referralClosed = at('2018-06-01T10:00:00Z');
    const caseId = await insertCase(db(), pupil, { closedAt: caseClosed, attempts: 2, reports: 2 });
    const referralId = await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'CONSENT', status: 'COMPLETED', closedAt: referralClosed, notes: 2 });
    await insertWholeFile(db(), pupil, at('2018-04-01T09:00:00Z'));
    await readThroughApi(pupil.id);
    const reads = await recordsOf(pupil.id);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((record) => record.pupil_id === pupil.id)).toBe(true);
    const needles = [pupil.id, pupil.bsn, pupil.familyName];
    expect(Object.keys(await tablesMentioning(t, needles)).length).toBeGreaterThan(5);

    // The case goes first; the referral still holds the file.
    const first = await run(plus(yearsAfter(caseClosed, 5), SECOND));
    expect(summary(first, [pupil.id])).toEqual([`closed-case:${caseId}`]);
    expect(await pupilExists(pupil.id)).toBe(true);
    expect((await recordsOf(pupil.id)).every((record) => record.pupil_id === pupil.id)).toBe(true);

    // The referral goes, and with it the whole file.
    const second = await run(plus(yearsAfter(referralClosed, 5), SECOND));
    expect(summary(second, [pupil.id])).toEqual([`closed-referral:${referralId}`, `pupil-file:${pupil.id}`].sort());
    expect(await pupilExists(pupil.id)).toBe(false);

    expect(await tablesMentioning(t, needles)).toEqual({});

    const records = await recordsOf(pupil.id);
    expect(records.length).toBe(reads.length + 2);
    expect(records.every((record) => record.pupil_id === null && record.pupil_pseudonym === pseudonym(pupil.id))).toBe(true);
    const deletions = records.filter((record) => record.action === 'DELETE');
    expect(deletions.map((record) => record.fields)).toEqual([
      ['closed-case:leerplicht-verzuim@v1'],
      ['closed-referral:ketenverwijzing@v1', 'pupil-file:bewaartermijn@v1'],
    ]);
    expect(deletions.at(-1)).toMatchObject({
      action: 'DELETE',
      outcome: 'GRANTED',
      actor_subject: 'system:retention',
      actor_org_id: 'lz-den-haag',
      actor_role: 'SYSTEM',
      activity_id: 'bewaartermijn',
      operation_name: 'retention',
      categories: [...DATA_CATEGORIES],
    });
    expect(new Date(deletions.at(-1)!.occurred_at)).toEqual(plus(yearsAfter(referralClosed, 5), SECOND));

    // The chain still verifies, in process and through the command.
    await verifyIntact();
    const { env, cleanup } = await commandEnv(t);
    try {
      const verify = await runCli('audit-verify', [], env);
      expect(verify.stdout).toMatch(/^access log: \d+ records, \d+ checkpoints, last seq \d+: intact$/m);
      expect(verify.status, verify.stderr).toBe(0);
    } finally {
      cleanup();
    }
  }, 60_000);

  it('a pupil who still has an open referral keeps the file when an old closed case goes; the log keeps naming them', async () => {
    const pupil = await insertPupil(db());
    const closedAt = at('2017-03-01T10:00:00Z');
    const caseId = await insertCase(db(), pupil, { closedAt, attempts: 1 });
    const open = await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'cjg-den-haag', legalBasis: 'JEUGDWET', status: 'IN_PROGRESS', closedAt: null });
    await insertWholeFile(db(), pupil, at('2016-12-01T09:00:00Z'));
    await readThroughApi(pupil.id);

    const report = await run(plus(yearsAfter(closedAt, 5), SECOND));
    expect(summary(report, [pupil.id])).toEqual([`closed-case:${caseId}`]);
    expect(await caseState(caseId)).toEqual({ cases: 0, reports: 0, attempts: 0 });
    expect(await pupilExists(pupil.id)).toBe(true);
    expect(await referralState(open)).toEqual({ referrals: 1, events: 1, notes: 1 });
    expect(await count('guardians', 'pupil_id', pupil.id)).toBe(2);
    expect(await count('emergency_accesses', 'pupil_id', pupil.id)).toBe(1);
    expect(await count('contact_attempts', 'pupil_id', pupil.id)).toBe(1); // the loose letter
    const records = await recordsOf(pupil.id);
    expect(records.every((record) => record.pupil_id === pupil.id)).toBe(true);
    expect(records.filter((record) => record.action === 'DELETE').map((record) => record.fields)).toEqual([['closed-case:leerplicht-verzuim@v1']]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('the access log of retention', () => {
  it('records one DELETE per pupil per run with the rules in fields; a second run deletes nothing and writes no records', async () => {
    const now = at('2017-04-01T00:00:00Z');
    await settle(now);
    const whole = await insertPupil(db());
    const caseId = await insertCase(db(), whole, { closedAt: at('2012-01-10T10:00:00Z') });
    const referralId = await insertReferral(db(), whole, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'CONSENT', status: 'COMPLETED', closedAt: at('2012-02-10T10:00:00Z') });
    const kept = await insertPupil(db());
    const keptClosed = await insertReferral(db(), kept, { sender: 'lz-den-haag', receiver: 'veilig-thuis-haaglanden', legalBasis: 'MELDCODE', status: 'COMPLETED', closedAt: at('1996-03-10T10:00:00Z') });
    await insertReferral(db(), kept, { sender: 'lz-den-haag', receiver: 'cjg-den-haag', legalBasis: 'JEUGDWET', status: 'ACCEPTED', closedAt: null });
    const headBefore = await logHead();

    const first = await run(now);
    expect(summary(first, [whole.id, kept.id])).toEqual(
      [`closed-case:${caseId}`, `closed-referral:${referralId}`, `pupil-file:${whole.id}`, `closed-referral:${keptClosed}`].sort(),
    );
    expect(first.deleted).toEqual({ cases: 1, referrals: 2, pupils: 1, anonymisedCases: 0, events: 0 });
    expect(first.transactions).toBe(1);
    const headAfter = await logHead();
    expect(headAfter.seq).toBe(headBefore.seq + 2);

    const wholeRecords = await deleteRecordsOf(whole.id);
    expect(wholeRecords).toHaveLength(1);
    expect(wholeRecords[0]).toMatchObject({
      pupil_id: null,
      fields: ['closed-case:leerplicht-verzuim@v1', 'closed-referral:ketenverwijzing@v1', 'pupil-file:bewaartermijn@v1'],
      categories: [...DATA_CATEGORIES],
    });
    const keptRecords = await deleteRecordsOf(kept.id);
    expect(keptRecords).toHaveLength(1);
    expect(keptRecords[0]).toMatchObject({
      pupil_id: kept.id,
      fields: ['closed-referral:veiligheid-meldcode@v1'],
      categories: DATA_CATEGORIES.filter((category) => ['CONTACT', 'SCHOOLING', 'REFERRAL', 'CARE', 'SAFETY'].includes(category)),
    });
    // Both records of this run share its request id.
    expect(wholeRecords[0]!.request_id).toBe(keptRecords[0]!.request_id);

    const second = await run(now);
    expect(second.items).toEqual([]);
    expect(second.deleted).toEqual({ cases: 0, referrals: 0, pupils: 0, anonymisedCases: 0, events: 0 });
    expect(second.transactions).toBe(0);
    expect(await logHead()).toEqual(headAfter);
    await verifyIntact();
  });

  it('a dry run changes nothing (row counts and log head equal) and lists exactly what a real run then deletes', async () => {
    const now = at('2018-09-01T00:00:00Z');
    await settle(now);
    const pupils: RetentionPupil[] = [];
    for (let i = 0; i < 2; i++) {
      const pupil = await insertPupil(db());
      pupils.push(pupil);
      await insertCase(db(), pupil, { closedAt: at(`2013-0${i + 1}-15T10:00:00Z`), outcome: 'REACHED', attempts: 1 });
      await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'CONSENT', status: 'REJECTED', closedAt: at(`2013-0${i + 3}-15T10:00:00Z`) });
      await insertWholeFile(db(), pupil, at('2013-01-01T00:00:00Z'));
    }
    const ids = pupils.map((pupil) => pupil.id);
    const snapshot = async () => {
      const counts: Record<string, number> = {};
      for (const table of ['pupils', 'guardians', 'referrals', 'referral_events', 'notes', 'contact_attempts', 'out_of_view_cases', 'out_of_view_reports', 'emergency_accesses', 'pupil_coordination', 'coordination_transfers', 'pupil_corrections', 'subject_access_disclosures', 'out_of_view_statistics', 'access_log_records', 'access_log_checkpoints'])
        counts[table] = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db())).rows[0]!.n);
      return { counts, head: await logHead() };
    };
    const before = await snapshot();

    const dry = await run(now, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.deleted).toEqual({ cases: 0, referrals: 0, pupils: 0, anonymisedCases: 0, events: 0 });
    expect(dry.transactions).toBe(0);
    expect(summary(dry, ids)).toHaveLength(6);
    expect(await snapshot()).toEqual(before);
    expect(await planRetention(db(), now)).toEqual(dry.items);

    const real = await run(now);
    expect(real.items.map((item) => `${item.rule}:${item.id}`).sort()).toEqual(dry.items.map((item) => `${item.rule}:${item.id}`).sort());
    expect(real.deleted).toEqual({ cases: 2, referrals: 2, pupils: 2, anonymisedCases: 0, events: 0 });
    for (const id of ids) expect(await pupilExists(id)).toBe(false);
    expect((await snapshot()).head.seq).toBe(before.head.seq + 2);
  });

  it('stays append-only: the app role may not UPDATE, the owner may change nothing but pupil_id → NULL even when forgetting, and the app role may call forget_pupil_in_access_log', async () => {
    const pupil = await insertPupil(db());
    await readThroughApi(pupil.id);
    const [record] = await recordsOf(pupil.id);
    expect(record!.pupil_id).toBe(pupil.id);
    const seq = Number(record!.seq);
    const forgetting = sql`SET LOCAL ketenhub.forgetting_pupil = 'on'`;
    const ROLLBACK = new Error('rollback');
    const inTransaction = async (on: Kysely<Tables>, fn: (trx: Kysely<Tables>) => Promise<unknown>) => {
      try {
        await on.transaction().execute(async (trx) => {
          await fn(trx);
          throw ROLLBACK;
        });
      } catch (error) {
        if (error !== ROLLBACK) throw error;
      }
    };

    // The application role: no UPDATE at all, setting or not.
    await expect(sql`UPDATE access_log_records SET pupil_id = NULL WHERE seq = ${seq}`.execute(db())).rejects.toThrow(/permission denied|append-only/);
    await expect(
      inTransaction(db(), async (trx) => {
        await forgetting.execute(trx);
        await sql`UPDATE access_log_records SET pupil_id = NULL WHERE seq = ${seq}`.execute(trx);
      }),
    ).rejects.toThrow(/permission denied|append-only/);

    // The owner, with the setting on: anything beyond pupil_id → NULL is refused by the trigger.
    const asOwnerForgetting = (statement: ReturnType<typeof sql>) =>
      t.asOwner((owner) =>
        inTransaction(owner, async (trx) => {
          await forgetting.execute(trx);
          await statement.execute(trx);
        }),
      );
    await expect(asOwnerForgetting(sql`UPDATE access_log_records SET outcome = 'REFUSED' WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    await expect(asOwnerForgetting(sql`UPDATE access_log_records SET pupil_id = NULL, purpose = 'x' WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    await expect(asOwnerForgetting(sql`UPDATE access_log_records SET pupil_id = ${randomUUID()}::uuid WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    await expect(asOwnerForgetting(sql`UPDATE access_log_records SET pupil_pseudonym = NULL, pupil_id = NULL WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    await expect(asOwnerForgetting(sql`DELETE FROM access_log_records WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    // Without the setting even pupil_id → NULL is refused; with it, that alone passes (rolled back here).
    await expect(t.asOwner((owner) => sql`UPDATE access_log_records SET pupil_id = NULL WHERE seq = ${seq}`.execute(owner))).rejects.toThrow(/append-only/);
    await expect(asOwnerForgetting(sql`UPDATE access_log_records SET pupil_id = NULL WHERE seq = ${seq}`)).resolves.toBeUndefined();

    // forget_pupil_in_access_log, as the application role (rolled back: the pupil still exists).
    let forgotten = -1;
    let inside: Array<string | null> = [];
    await inTransaction(db(), async (trx) => {
      const result = await sql<{ n: number }>`SELECT forget_pupil_in_access_log(${pupil.id}::uuid) AS n`.execute(trx);
      forgotten = Number(result.rows[0]!.n);
      inside = (await trx.selectFrom('access_log_records').select('pupil_id').where('pupil_pseudonym', '=', pseudonym(pupil.id)).execute()).map((r) => r.pupil_id);
      // The exception ends with the function: the setting is off again in this transaction.
      const setting = await sql<{ value: string | null }>`SELECT current_setting('ketenhub.forgetting_pupil', true) AS value`.execute(trx);
      expect(setting.rows[0]!.value).not.toBe('on');
    });
    expect(forgotten).toBeGreaterThan(0);
    expect(inside.length).toBe(forgotten);
    expect(inside.every((id) => id === null)).toBe(true);
    expect((await recordsOf(pupil.id)).every((r) => r.pupil_id === pupil.id)).toBe(true);
    await verifyIntact();
  });

  it('runs in batches: five pupils due with batchSize 2 take three transactions, to the same end state as one', async () => {
    const makeFive = async (year: number) => {
      const pupils: RetentionPupil[] = [];
      for (let i = 0; i < 5; i++) {
        const pupil = await insertPupil(db());
        pupils.push(pupil);
        await insertCase(db(), pupil, { closedAt: at(`${year}-0${i + 1}-10T10:00:00Z`), attempts: 1 });
        await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'cjg-den-haag', legalBasis: 'JEUGDWET', status: 'COMPLETED', closedAt: at(`${year}-0${i + 1}-20T10:00:00Z`) });
        await insertWholeFile(db(), pupil, at(`${year}-01-01T00:00:00Z`));
      }
      return pupils;
    };
    const endState = async (pupils: RetentionPupil[], report: RetentionReport) => {
      const ids = pupils.map((pupil) => pupil.id);
      const remaining: Record<string, number> = {};
      for (const table of ['pupils', 'guardians', 'referrals', 'notes', 'contact_attempts', 'out_of_view_cases', 'emergency_accesses', 'pupil_coordination', 'coordination_transfers'] as const)
        remaining[table] = await count(table, table === 'pupils' ? 'id' : 'pupil_id', ids);
      const records = await Promise.all(ids.map((id) => deleteRecordsOf(id)));
      return {
        deleted: report.deleted,
        items: itemsFor(report, ids).length,
        remaining,
        records: records.map((rs) => rs.map((r) => `${r.pupil_id}|${r.fields.join(',')}`)),
      };
    };

    const batchedNow = at('2011-12-01T00:00:00Z');
    await settle(batchedNow);
    const batchedPupils = await makeFive(2006);
    const batched = await run(batchedNow, { batchSize: 2 });
    expect(batched.items).toHaveLength(15);
    expect(batched.transactions).toBe(3);

    const singleNow = at('2012-12-01T00:00:00Z');
    await settle(singleNow);
    const singlePupils = await makeFive(2007);
    const single = await run(singleNow);
    expect(single.transactions).toBe(1);

    const expected = {
      deleted: { cases: 5, referrals: 5, pupils: 5, anonymisedCases: 0, events: 0 },
      items: 15,
      remaining: { pupils: 0, guardians: 0, referrals: 0, notes: 0, contact_attempts: 0, out_of_view_cases: 0, emergency_accesses: 0, pupil_coordination: 0, coordination_transfers: 0 },
      records: Array.from({ length: 5 }, () => ['null|closed-case:leerplicht-verzuim@v1,closed-referral:ketenverwijzing@v1,pupil-file:bewaartermijn@v1']),
    };
    expect(await endState(batchedPupils, batched)).toEqual(expected);
    expect(await endState(singlePupils, single)).toEqual(expected);
    await verifyIntact();
  });

  it('does not delete a pupil file that gained an open referral while the run was under way (between planning and its batch)', async () => {
    const now = at('2008-03-01T00:00:00Z');
    await settle(now);
    const first = await insertPupil(db());
    await insertCase(db(), first, { closedAt: at('2003-01-10T10:00:00Z') });
    const second = await insertPupil(db());
    const secondCase = await insertCase(db(), second, { closedAt: at('2003-02-10T10:00:00Z') });
    // A referral made for the second pupil after the run planned, committed before the second batch
    // (here: inside the first batch's transaction, which commits before the second batch starts).
    let opened: string | undefined;
    const real = t.hub.services.accessLog;
    const accessLog = {
      append: async (trx: Kysely<Tables>, records: Parameters<AccessLog['append']>[1]) => {
        opened ??= await insertReferral(trx, second, { sender: 'lz-den-haag', receiver: 'smw-den-haag', legalBasis: 'CONSENT', status: 'REQUESTED', closedAt: null });
        return real.append(trx, records);
      },
    } as unknown as AccessLog;
    const report = await run(now, { batchSize: 1, accessLog });
    expect(report.transactions).toBe(2);
    expect(opened).toBeDefined();
    expect(await pupilExists(first.id)).toBe(false);
    expect(await caseState(secondCase)).toEqual({ cases: 0, reports: 0, attempts: 0 });
    // The new, open referral and the pupil it is about must still be there.
    expect(await referralState(opened!)).toEqual({ referrals: 1, events: 1, notes: 1 });
    expect(await pupilExists(second.id)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('npm run retention', () => {
  // One copy of the database for the commands (on PGlite a copy of the data dir, made once the
  // fixtures are in; on PostgreSQL this very database): every command here is a dry run.
  let target: Awaited<ReturnType<typeof commandEnv>> | undefined;
  const targetEnv = async () => (target ??= await commandEnv(t)).env;
  afterAll(() => target?.cleanup());

  it('--dry-run --now <ISO> prints each item with its rule against the test database and exits 0, changing nothing', async () => {
    const now = at('2010-07-01T00:00:00Z');
    await settle(now);
    const pupil = await insertPupil(db());
    const caseId = await insertCase(db(), pupil, { closedAt: at('2005-05-05T10:00:00Z') });
    const referralId = await insertReferral(db(), pupil, { sender: 'lz-den-haag', receiver: 'veilig-thuis-haaglanden', legalBasis: 'MELDCODE', status: 'COMPLETED', closedAt: at('1990-06-06T10:00:00Z') });
    const headBefore = await logHead();
    try {
      // The one test of the real entry point: `npm run retention` through scripts/cli.mjs, in a
      // process of its own (the other tests here, and of the other commands, run them in-process).
      const result = runNpm(['retention', '--', '--dry-run', '--now', now.toISOString()], await targetEnv());
      expect(result.status, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe(`Would go at ${now.toISOString()}: 3 item(s)`);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^closed-case\\t${caseId}\\t2005-05-05T10:00:00.000Z\\t2010-05-05T10:00:00.000Z\\tdelete\\tleerplicht-verzuim v1\\t`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^closed-referral\\t${referralId}\\t1990-06-06T10:00:00.000Z\\t2010-06-06T10:00:00.000Z\\tdelete\\tveiligheid-meldcode v1\\t`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^pupil-file\\t${pupil.id}\\t`)));
      expect(result.stdout).not.toMatch(/^deleted:/m);
      // Nothing changed (on PostgreSQL the command ran against this very database).
      expect(await pupilExists(pupil.id)).toBe(true);
      expect(await logHead()).toEqual(headBefore);
    } finally {
      await settle(now);
    }
    expect(await pupilExists(pupil.id)).toBe(false);
  }, 60_000);

  it('a --now without --dry-run is refused outside tests (no deletions dated in the future), and changes nothing', async () => {
    const now = at('2012-07-01T00:00:00Z');
    await settle(now);
    const pupil = await insertPupil(db());
    await insertCase(db(), pupil, { closedAt: at('2005-05-05T10:00:00Z') });
    const headBefore = await logHead();
    // A copy of its own (on PGlite), made with the fixture in it: a run that went ahead would delete it there.
    const { env, cleanup } = await commandEnv(t);
    try {
      for (const mode of [{ NODE_ENV: 'development' }, productionEnv()]) {
        const result = await runCli('retention', ['--now', now.toISOString()], { ...env, ...mode });
        expect(result.status, `${mode.NODE_ENV}: ${result.stderr}`).toBe(1);
        expect(result.stderr).toMatch(/^--now is for rehearsals: use it with --dry-run \(a real run takes the current time\)$/m);
        expect(result.stdout).toBe('');
      }
      if (t.databaseUrl) {
        expect(await pupilExists(pupil.id)).toBe(true);
        expect(await logHead()).toEqual(headBefore);
      } else {
        const copy = await openPGlite({ dataDir: env.DATA_DIR! });
        try {
          expect(await copy.db.selectFrom('pupils').select('id').where('id', '=', pupil.id).execute()).toHaveLength(1);
          const head = await copy.db.selectFrom('access_log_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
          expect({ seq: Number(head.seq), hash: head.hash }).toEqual(headBefore);
        } finally {
          await copy.close();
        }
      }
      // The rehearsal it is meant for still works outside tests.
      const dry = await runCli('retention', ['--dry-run', '--now', now.toISOString()], { ...env, NODE_ENV: 'development' });
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(new RegExp(`^Would go at ${now.toISOString()}: [1-9]\\d* item\\(s\\)$`, 'm'));
    } finally {
      cleanup();
      await settle(now);
    }
  }, 90_000);

  it('a --now that is no time at all exits 1 with a clear message', async () => {
    const result = await runCli('retention', ['--dry-run', '--now', 'gisteren'], await targetEnv());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^--now must be an ISO time with a time zone, such as 2031-03-16T09:00:00Z$/m);
    expect(result.stdout).toBe('');
  }, 60_000);

  it('a --now that is not an ISO time (12/01/2031: 1 December or 12 January?; 30 February) is refused, not guessed at', async () => {
    const env = await targetEnv();
    const outcomes = [];
    for (const value of ['12/01/2031', '2031-02-30T00:00:00Z']) {
      const result = await runCli('retention', ['--dry-run', '--now', value], env);
      outcomes.push({ value, status: result.status, refused: /--now must be an ISO time/.test(result.stderr), stdout: result.stdout.split('\n')[0] });
    }
    expect(outcomes).toEqual([
      { value: '12/01/2031', status: 1, refused: true, stdout: '' },
      { value: '2031-02-30T00:00:00Z', status: 1, refused: true, stdout: '' },
    ]);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------

describe('pupils without a case or referral', () => {
  it('are never touched, even by a run a lifetime from now that takes every closed case and referral of the demo region', async () => {
    const plain = await db()
      .selectFrom('pupils')
      .select(['id', 'municipality_code'])
      .where((eb) => eb.not(eb.exists(eb.selectFrom('referrals').select('referrals.id').whereRef('referrals.pupil_id', '=', 'pupils.id'))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('out_of_view_cases').select('out_of_view_cases.id').whereRef('out_of_view_cases.pupil_id', '=', 'pupils.id'))))
      .orderBy('id')
      .execute();
    const plainIds = plain.map((row) => row.id);
    expect(plainIds.length).toBeGreaterThan(10);
    // One of Den Haag's, read by its Leerlingzaken so the log names them.
    const watched = plain.find((row) => row.municipality_code === 'GM0518')!.id;
    await readThroughApi(watched);
    const far = at('2100-01-01T00:00:00Z');
    const dry = await run(far, { dryRun: true });
    expect(dry.items.length).toBeGreaterThan(0);
    expect(itemsFor(dry, plainIds)).toEqual([]);

    const report = await run(far);
    expect(report.deleted.pupils).toBeGreaterThan(0);
    expect(await count('pupils', 'id', plainIds)).toBe(plainIds.length);
    const records = await recordsOf(watched);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((record) => record.pupil_id === watched)).toBe(true);
    // Every closed case and referral is gone; open ones stay.
    expect(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM referrals WHERE closed_at IS NOT NULL`.execute(db())).rows[0]!.n)).toBe(0);
    expect(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM out_of_view_cases WHERE status = 'CLOSED'`.execute(db())).rows[0]!.n)).toBe(0);
    await verifyIntact();
  }, 60_000);
});
