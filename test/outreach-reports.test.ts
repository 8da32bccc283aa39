// Pupils out of view, the reporting side: a school reports pupils it cannot reach — one, a
// batch of up to 5,000, or a CSV file through a GraphQL multipart upload — and each case goes to the
// Leerlingzaken of the pupil's home municipality. A batch with any bad row is refused whole, with one
// error per bad row, and changes nothing. Everything through the HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, NO_RATE_LIMITS, type As } from './helpers/referrals.ts';
import {
  CASE_BY_ID,
  CLOSE,
  counts,
  DALTON,
  DALTON_COORD,
  DEN_HAAG,
  ELSENBURG,
  insertPupil,
  insertPupils,
  invalidBsn,
  LZ_DH,
  LZ_RW,
  logOf,
  nextBsn,
  REPORT_BATCH,
  REPORT_ONE,
  reportOk,
  RIJSWIJK,
  SMW_DH,
  uploadCsv,
  ZEESTER,
  allCaseIds,
  type NewPupil,
} from './helpers/outreach.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
});

const batch = (who: As, reports: readonly Record<string, unknown>[], query = REPORT_BATCH) => gqlBody(t, who, query, { input: { reports } });

async function openCasesOf(pupilId: string) {
  return t.database.db.selectFrom('out_of_view_cases').selectAll().where('pupil_id', '=', pupilId).where('status', '=', 'OPEN').execute();
}

async function pupilRow(id: string) {
  return t.database.db.selectFrom('pupils').select(['reported_missing_at', 'absent_since']).where('id', '=', id).executeTakeFirstOrThrow();
}

describe('one report', () => {
  it('opens a case at the Leerlingzaken of the home municipality, marks the pupil reported missing and logs a CREATE of SCHOOLING', async () => {
    const pupil = await insertPupil(t);
    const before = await counts(t);
    const found = await reportOk(t, DALTON, { bsn: pupil.bsn, absentSince: '2026-03-02', remark: 'Sinds de voorjaarsvakantie niet gezien' });

    expect(found).toMatchObject({
      visibility: 'FULL',
      status: 'OPEN',
      version: 1,
      openedAt: DEMO_NOW.toISOString(),
      closedAt: null,
      urgent: false,
      outcome: null,
      closingRemark: null,
      referral: null,
      assignedTo: { id: 'lz-den-haag' },
      reportingSchool: { id: 'school-dalton-laak' },
      pupil: { id: pupil.id },
    });
    expect(found.reports).toEqual([
      {
        id: expect.any(String),
        school: { id: 'school-dalton-laak' },
        absentSince: '2026-03-02',
        urgent: false,
        remark: 'Sinds de voorjaarsvakantie niet gezien',
        reportedAt: DEMO_NOW.toISOString(),
      },
    ]);
    // Monday 16 March 10:00: the first call within two working days.
    expect(found.nextStep).toMatchObject({ action: 'PHONE', rule: 'first-call', notBefore: null, dueAt: '2026-03-18T09:00:00.000Z', overdue: false });
    expect(found.nextStep.description).toMatch(/call/i);

    const row = await pupilRow(pupil.id);
    expect(new Date(row.reported_missing_at!).toISOString()).toBe(DEMO_NOW.toISOString());
    expect(row.absent_since).toBe('2026-03-02');

    const after = await counts(t);
    expect(after.cases - before.cases).toBe(1);
    expect(after.openCases - before.openCases).toBe(1);
    expect(after.reports - before.reports).toBe(1);
    expect(after.reportedMissing - before.reportedMissing).toBe(1);

    const log = await logOf(t, pupil.id);
    const create = log.filter((record) => record.action === 'CREATE');
    expect(create).toHaveLength(1);
    expect(create[0]).toMatchObject({ outcome: 'GRANTED', actor_org_id: 'school-dalton-laak', actor_role: 'PROFESSIONAL' });
    expect(create[0]!.categories).toContain('SCHOOLING');
    expect(create[0]!.fields).toContain('Mutation.reportPupilOutOfView');

    // The Leerlingzaken it was routed to has it, in full.
    const seen = (await gqlOk(t, LZ_DH, CASE_BY_ID, { id: found.id })).outOfViewCase;
    expect(seen).toMatchObject({ id: found.id, visibility: 'FULL', pupil: { id: pupil.id }, assignedTo: { id: 'lz-den-haag' } });
  });

  it('accepts the pupil by id from a school coordinator, and keeps the known absence date when none is given', async () => {
    const pupil = await insertPupil(t);
    await t.database.db.updateTable('pupils').set({ absent_since: '2026-02-23' }).where('id', '=', pupil.id).execute();
    const found = await reportOk(t, DALTON_COORD, { pupilId: pupil.id.toUpperCase() });
    expect(found.pupil.id).toBe(pupil.id);
    expect(found.reports).toHaveLength(1);
    expect(found.reports[0].absentSince).toBeNull();
    expect((await pupilRow(pupil.id)).absent_since).toBe('2026-02-23');
  });

  it('refuses a pupil enrolled at another school with the same answer as an id that names no one', async () => {
    const elsewhere = await insertPupil(t, { schoolId: 'school-zeester-escamp' });
    const before = await counts(t);
    const other = await gqlBody(t, DALTON, REPORT_ONE, { input: { pupilId: elsewhere.id } });
    const nobody = await gqlBody(t, DALTON, REPORT_ONE, { input: { pupilId: '3f1c7a52-9d1e-4c0b-a6f4-2b8e5d7c9a10' } });
    expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(other.errors?.[0]?.extensions?.rows).toEqual(nobody.errors?.[0]?.extensions?.rows);
    expect(other.errors?.[0]?.message).toBe(nobody.errors?.[0]?.message);
    expect(other.data).toBeNull();
    expect(await counts(t)).toMatchObject({ cases: before.cases, reports: before.reports });
  });
});

describe('one report, edge cases', () => {
  it('refuses a pupil whose home municipality has no Leerlingzaken in the hub, naming the row', async () => {
    await t.database.db.insertInto('municipalities').values({ code: 'GM0503', name: 'Delft' }).onConflict((oc) => oc.doNothing()).execute();
    const pupil = await insertPupil(t, { municipality: 'GM0503', schoolId: 'school-dalton-laak' });
    const before = await counts(t);
    const body = await gqlBody(t, DALTON, REPORT_ONE, { input: { bsn: pupil.bsn } });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.extensions?.rows).toEqual([{ row: 1, field: 'bsn', message: expect.stringMatching(/no Leerlingzaken/) }]);
    expect(await counts(t)).toEqual(before);
  });

  it('of the same pupil twice at the same moment leaves exactly one open case, and no internal error', async () => {
    const pupil = await insertPupil(t);
    const bodies = await Promise.all([
      gqlBody(t, DALTON, REPORT_ONE, { input: { pupilId: pupil.id } }),
      gqlBody(t, DALTON_COORD, REPORT_ONE, { input: { bsn: pupil.bsn, urgent: true } }),
    ]);
    for (const body of bodies) if (body.errors) expect(body.errors[0]!.extensions?.code).toBe('CONFLICT');
    const succeeded = bodies.filter((body) => !body.errors);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    const open = await openCasesOf(pupil.id);
    expect(open).toHaveLength(1);
    for (const body of succeeded) expect(body.data.reportPupilOutOfView.id).toBe(open[0]!.id);
    const reports = await t.database.db.selectFrom('out_of_view_reports').select('id').where('case_id', '=', open[0]!.id).execute();
    expect(reports).toHaveLength(succeeded.length);
  });

  it('shows the case on the pupil for those who see the pupil\'s schooling', async () => {
    const pupil = await insertPupil(t);
    const found = await reportOk(t, DALTON, { pupilId: pupil.id });
    const QUERY = `query($id: ID!) { pupil(id: $id) { reportedMissingAt outOfViewCases { id status } } }`;
    for (const who of [DALTON, LZ_DH]) {
      const seen = await gqlOk(t, who, QUERY, { id: pupil.id });
      expect(seen.pupil.outOfViewCases, who.org).toEqual([{ id: found.id, status: 'OPEN' }]);
      expect(seen.pupil.reportedMissingAt).toBe(DEMO_NOW.toISOString());
    }
  });
});

describe('who may report', () => {
  const MINIMAL = `mutation($input: OutOfViewReportInput!) { reportPupilOutOfView(input: $input) { id } }`;
  const notSchools: As[] = [
    { org: 'lz-den-haag', role: 'PROFESSIONAL' },
    { org: 'lz-den-haag', role: 'COORDINATOR' },
    { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' },
    { org: 'smw-den-haag', role: 'PROFESSIONAL' },
    { org: 'politie-den-haag', role: 'PROFESSIONAL' },
    { org: 'jbw-crisisteam', role: 'PROFESSIONAL' },
    { org: 'veilig-thuis-haaglanden', role: 'PROFESSIONAL' },
    { org: 'cjg-den-haag', role: 'COORDINATOR' },
  ];

  it.each(notSchools.map((who) => [`${who.org} ${who.role}`, who] as const))('%s may not report a pupil out of view (FORBIDDEN)', async (_name, who) => {
    const pupil = await insertPupil(t);
    const before = await counts(t);
    const one = await gqlBody(t, who, MINIMAL, { input: { pupilId: pupil.id } });
    expect(one.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(one.errors?.[0]?.message).toContain('reportPupilOutOfView');
    const many = await batch(who, [{ pupilId: pupil.id }], `mutation($input: ReportPupilsOutOfViewInput!) { reportPupilsOutOfView(input: $input) { reports } }`);
    expect(many.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const csv = await uploadCsv(t, who, `bsn\n${pupil.bsn}\n`);
    expect(csv.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts(t)).toMatchObject({ cases: before.cases, reports: before.reports, reportedMissing: before.reportedMissing });
  });

  it('a school professional and a school coordinator may', async () => {
    const [a, b] = await insertPupils(t, 2);
    expect((await gqlOk(t, DALTON, MINIMAL, { input: { pupilId: a!.id } })).reportPupilOutOfView.id).toEqual(expect.any(String));
    expect((await gqlOk(t, DALTON_COORD, MINIMAL, { input: { pupilId: b!.id } })).reportPupilOutOfView.id).toEqual(expect.any(String));
  });
});

describe('a batch', () => {
  it('of 50 mixed reports opens new cases, joins open ones, and answers the cases in row order', async () => {
    const fresh = await insertPupils(t, 40);
    const already = await insertPupils(t, 10);
    const existing = new Map<string, string>();
    for (const pupil of already) existing.set(pupil.id, (await reportOk(t, DALTON, { pupilId: pupil.id })).id);

    // Interleave: fresh by BSN and by id, already-reported ones in between.
    const order: NewPupil[] = [];
    for (let i = 0; i < 50; i++) order.push(i % 5 === 2 ? already[Math.floor(i / 5)]! : fresh[i - Math.floor((i + 2) / 5)]!);
    expect(new Set(order.map((p) => p.id)).size).toBe(50);
    const rows = order.map((pupil, i) => (i % 2 === 0 ? { bsn: pupil.bsn, absentSince: '2026-03-09' } : { pupilId: pupil.id, remark: `rij ${i + 1}` }));

    const before = await counts(t);
    const body = await batch(DALTON, rows);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const result = body.data.reportPupilsOutOfView;
    expect(result).toMatchObject({ reports: 50, casesOpened: 40, joinedOpenCases: 10, batchId: expect.any(String) });
    expect(result.cases.map((c: any) => c.pupil.id)).toEqual(order.map((p) => p.id));
    order.forEach((pupil, i) => {
      if (existing.has(pupil.id)) expect(result.cases[i].id, `row ${i + 1}`).toBe(existing.get(pupil.id));
    });
    expect(result.cases.every((c: any) => c.status === 'OPEN' && c.assignedTo.id === 'lz-den-haag')).toBe(true);

    const after = await counts(t);
    expect(after.cases - before.cases).toBe(40);
    expect(after.reports - before.reports).toBe(50);
    const inBatch = await t.database.db.selectFrom('out_of_view_reports').select('id').where('batch_id', '=', result.batchId).execute();
    expect(inBatch).toHaveLength(50);
    for (const pupil of already) expect(await openCasesOf(pupil.id)).toHaveLength(1);
  });

  it('with bad rows is refused whole: one error per bad row, with its row number and field, and nothing changes', async () => {
    const [first, second, third] = await insertPupils(t, 3);
    const atZeester = await insertPupil(t, { schoolId: 'school-zeester-escamp' });
    const unknown = nextBsn(); // valid, but nobody has it
    const rows = [
      /* 1 */ { bsn: first!.bsn },
      /* 2 */ { bsn: invalidBsn() },
      /* 3 */ { pupilId: second!.id, absentSince: '2026-03-02' },
      /* 4 */ { pupilId: third!.id, absentSince: '2026-03-17' },
      /* 5 */ { bsn: third!.bsn, pupilId: third!.id },
      /* 6 */ { remark: 'wie?' },
      /* 7 */ { bsn: unknown },
      /* 8 */ { bsn: atZeester.bsn },
      /* 9 */ { pupilId: first!.id },
      /* 10 */ { pupilId: third!.id, remark: 'x'.repeat(501) },
      /* 11 */ { bsn: '12345678' },
    ];
    const before = await counts(t);
    const body = await batch(DALTON, rows);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    const error = body.errors![0]!;
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    const problems: Array<{ row: number; field: string; message: string }> = error.extensions!.rows;
    expect(problems.map(({ row, field }) => [row, field])).toEqual([
      [2, 'bsn'],
      [4, 'absentSince'],
      [5, 'bsn'],
      [6, 'bsn'],
      [7, 'bsn'],
      [8, 'bsn'],
      [9, 'pupilId'],
      [10, 'remark'],
      [11, 'bsn'],
    ]);
    const message = (row: number) => problems.find((p) => p.row === row)!.message;
    expect(message(2)).toMatch(/eleven test/);
    expect(message(4)).toMatch(/future/);
    expect(message(5)).toMatch(/exactly one/);
    expect(message(6)).toMatch(/exactly one/);
    // A BSN of a pupil at another school tells nothing more than a BSN of no one.
    expect(message(8)).toBe(message(7));
    expect(message(9)).toMatch(/row 1/);
    expect(message(10)).toMatch(/500/);
    expect(message(11)).toMatch(/9 digits/);
    expect(error.message).toMatch(/^Nothing was reported: 9 problems/);
    expect(error.message).toContain('row 2, bsn');

    expect(await counts(t)).toEqual(before);
    for (const pupil of [first!, second!, third!]) {
      expect(await openCasesOf(pupil.id)).toHaveLength(0);
      expect((await pupilRow(pupil.id)).reported_missing_at).toBeNull();
    }
  });

  it('with a control character in a remark names that row among the other bad rows (extensions.rows), and changes nothing', async () => {
    const [first, second] = await insertPupils(t, 2);
    const before = await counts(t);
    const body = await batch(DALTON, [{ pupilId: first!.id }, { bsn: invalidBsn() }, { pupilId: second!.id, remark: 'bel\u0007 aan' }]);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts(t)).toEqual(before);
    // The batch contract: every bad row, numbered from 1, in extensions.rows.
    expect(body.errors?.[0]?.extensions?.rows?.map((p: any) => [p.row, p.field])).toEqual([
      [2, 'bsn'],
      [3, 'remark'],
    ]);
  });

  it('refuses an empty batch', async () => {
    const body = await batch(DALTON, []);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/at least one/);
  });

  describe('at the limit of 5,000', () => {
    let pupils: NewPupil[];
    const SMALL = `mutation($input: ReportPupilsOutOfViewInput!) { reportPupilsOutOfView(input: $input) { batchId reports casesOpened joinedOpenCases cases { id } } }`;
    beforeAll(async () => {
      pupils = await insertPupils(t, 5_001, { schoolId: 'school-binckhorst-mbo' });
    }, 60_000);
    const BINCKHORST: As = { org: 'school-binckhorst-mbo', role: 'PROFESSIONAL' };

    it('refuses 5,001 reports and changes nothing', async () => {
      const before = await counts(t);
      const body = await batch(BINCKHORST, pupils.map((p) => ({ bsn: p.bsn })), SMALL);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(/at most 5000/);
      expect(await counts(t)).toEqual(before);
    });

    it('refuses 5,000 reports whose last row is bad, naming row 5000, and changes nothing', async () => {
      const rows: Record<string, unknown>[] = pupils.slice(0, 4_999).map((p) => ({ bsn: p.bsn }));
      rows.push({ bsn: nextBsn() });
      const before = await counts(t);
      const started = performance.now();
      const body = await batch(BINCKHORST, rows, SMALL);
      console.log(`5,000 reports, last one bad: ${Math.round(performance.now() - started)} ms`);
      expect(body.errors?.[0]?.extensions?.rows).toEqual([{ row: 5000, field: 'bsn', message: expect.stringMatching(/no pupil/) }]);
      expect(await counts(t)).toEqual(before);
      const opened = await t.database.db.selectFrom('out_of_view_cases').select('id').where('reporting_school_id', '=', 'school-binckhorst-mbo').where('opened_at', '=', t.clock.now).execute();
      expect(opened).toHaveLength(0);
    });

    it('accepts 5,000 reports in one transaction', async () => {
      const rows = pupils.slice(0, 5_000).map((p) => ({ bsn: p.bsn }));
      const before = await counts(t);
      const started = performance.now();
      const body = await batch(BINCKHORST, rows, SMALL);
      console.log(`5,000 reports accepted: ${Math.round(performance.now() - started)} ms`);
      expect(body.errors, JSON.stringify(body.errors?.[0])).toBeUndefined();
      const result = body.data.reportPupilsOutOfView;
      expect(result).toMatchObject({ reports: 5_000, casesOpened: 5_000, joinedOpenCases: 0 });
      expect(new Set(result.cases.map((c: any) => c.id)).size).toBe(5_000);
      const after = await counts(t);
      expect(after.cases - before.cases).toBe(5_000);
      expect(after.reports - before.reports).toBe(5_000);
      expect(after.reportedMissing - before.reportedMissing).toBe(5_000);
      // One CREATE record per pupil.
      const created = await t.database.db
        .selectFrom('access_log_records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('action', '=', 'CREATE')
        .where('actor_org_id', '=', 'school-binckhorst-mbo')
        .where('outcome', '=', 'GRANTED')
        .executeTakeFirstOrThrow();
      expect(Number(created.n)).toBe(5_000);
    });

    it('accepts a CSV file of 5,000 lines with absence dates under the default request size limit', async () => {
      // The same pupils again (they join their open cases): what a school's export looks like.
      const csv = ['bsn;absent_since;urgent;remark', ...pupils.slice(0, 5_000).map((p) => `${p.bsn};02-03-2026;nee;`)].join('\r\n') + '\r\n';
      const started = performance.now();
      const { status, body } = await uploadCsv(t, BINCKHORST, csv);
      console.log(`CSV of 5,000 lines (${csv.length} bytes): HTTP ${status}, ${Math.round(performance.now() - started)} ms`);
      expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
      expect(body.data?.importOutOfViewReports).toMatchObject({ reports: 5_000, casesOpened: 0, joinedOpenCases: 5_000 });
    });
  });
});

describe('a pupil already out of view', () => {
  it('joins the open case: same case, both reports on it, no second open case', async () => {
    const pupil = await insertPupil(t);
    const first = await reportOk(t, DALTON, { pupilId: pupil.id, absentSince: '2026-03-02' });
    const before = await counts(t);
    const second = await reportOk(t, DALTON_COORD, { bsn: pupil.bsn, remark: 'Nog steeds niet gezien' });
    expect(second.id).toBe(first.id);
    expect(second.reports).toHaveLength(2);
    expect(second.reports.map((r: any) => r.remark)).toEqual([null, 'Nog steeds niet gezien']);
    expect(second.urgent).toBe(false);
    expect(second.nextStep).toMatchObject({ action: 'PHONE', rule: 'first-call' });
    expect(await openCasesOf(pupil.id)).toHaveLength(1);
    const after = await counts(t);
    expect(after.cases).toBe(before.cases);
    expect(after.reports - before.reports).toBe(1);

    const joined = await gqlOk(t, DALTON, REPORT_BATCH, { input: { reports: [{ pupilId: pupil.id }] } });
    expect(joined.reportPupilsOutOfView).toMatchObject({ reports: 1, casesOpened: 0, joinedOpenCases: 1, cases: [{ id: first.id }] });
  });

  it('an urgent report makes the open case urgent: the next step becomes a door visit (urgent-door-first)', async () => {
    const pupil = await insertPupil(t);
    const first = await reportOk(t, DALTON, { pupilId: pupil.id });
    expect(first.nextStep.action).toBe('PHONE');
    const again = await reportOk(t, DALTON, { pupilId: pupil.id, urgent: true, remark: 'Zorgen over de thuissituatie' });
    expect(again.id).toBe(first.id);
    expect(again.urgent).toBe(true);
    expect(again.version).toBe(first.version + 1);
    expect(again.nextStep).toMatchObject({ action: 'DOOR_VISIT', rule: 'urgent-door-first', notBefore: null });
    expect(again.reports.map((r: any) => r.urgent)).toEqual([false, true]);
    expect((await gqlOk(t, LZ_DH, CASE_BY_ID, { id: first.id })).outOfViewCase).toMatchObject({ urgent: true, nextStep: { action: 'DOOR_VISIT' } });
  });

  it('an urgent report days after the case opened gives the door visit 24 hours from that report, not from the opening', async () => {
    const pupil = await insertPupil(t);
    const first = await reportOk(t, DALTON, { pupilId: pupil.id });
    try {
      t.clock.now = new Date(DEMO_NOW.getTime() + 3 * 24 * 3600_000); // Thursday
      const again = await reportOk(t, DALTON, { pupilId: pupil.id, urgent: true });
      expect(again.id).toBe(first.id);
      expect(again.nextStep.action).toBe('DOOR_VISIT');
      expect(again.nextStep.dueAt).toBe(new Date(t.clock.now.getTime() + 24 * 3600_000).toISOString());
      expect(again.nextStep.overdue).toBe(false);
    } finally {
      t.clock.now = DEMO_NOW;
    }
  });

  it('a report from the school the pupil moved to joins the case; the first school then only knows the case exists', async () => {
    const pupil = await insertPupil(t);
    const first = await reportOk(t, DALTON, { pupilId: pupil.id });
    await t.database.db.updateTable('pupils').set({ school_id: 'school-zeester-escamp' }).where('id', '=', pupil.id).execute();
    const joined = await reportOk(t, ZEESTER, { bsn: pupil.bsn });
    expect(joined.id).toBe(first.id);
    expect(joined.reportingSchool.id).toBe('school-dalton-laak');
    expect(joined.reports.map((r: any) => r.school.id)).toEqual(['school-dalton-laak', 'school-zeester-escamp']);
    const body = await gqlBody(t, DALTON, CASE_BY_ID, { id: first.id });
    expect(body.errors).toBeUndefined();
    expect(body.data.outOfViewCase).toMatchObject({ visibility: 'EXISTENCE_ONLY', pupil: null, reports: null, nextStep: null });
  });

  it('once the case is closed, a new report opens a new case', async () => {
    const pupil = await insertPupil(t);
    const first = await reportOk(t, DALTON, { pupilId: pupil.id });
    await gqlOk(t, LZ_DH, CLOSE, { input: { caseId: first.id, version: first.version, outcome: 'REACHED' } });
    const second = await reportOk(t, DALTON, { pupilId: pupil.id });
    expect(second.id).not.toBe(first.id);
    expect(second.reports).toHaveLength(1);
    const all = await t.database.db.selectFrom('out_of_view_cases').select(['status']).where('pupil_id', '=', pupil.id).orderBy('opened_at').execute();
    expect(all.map((c) => c.status).sort()).toEqual(['CLOSED', 'OPEN']);
  });
});

describe('a CSV file (multipart upload)', () => {
  it('with ";", a BOM, CRLF, DD-MM-YYYY dates and ja/nee reports every line', async () => {
    const [a, b, c] = await insertPupils(t, 3);
    const csv = `\uFEFFbsn;absent_since;urgent;remark\r\n${a!.bsn};2-3-2026;ja;Moeder belt niet terug\r\n${b!.bsn};09-03-2026;nee;\r\n${c!.bsn};;;"Zegt: ""verhuisd""; onbevestigd"\r\n`;
    const before = await counts(t);
    const { status, body } = await uploadCsv(t, DALTON, csv);
    expect(status).toBe(200);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const result = body.data.importOutOfViewReports;
    expect(result).toMatchObject({ reports: 3, casesOpened: 3, joinedOpenCases: 0 });
    expect(result.cases.map((x: any) => x.pupil.id)).toEqual([a!.id, b!.id, c!.id]);
    expect(result.cases.map((x: any) => x.reports[0])).toEqual([
      { absentSince: '2026-03-02', urgent: true, remark: 'Moeder belt niet terug' },
      { absentSince: '2026-03-09', urgent: false, remark: null },
      { absentSince: null, urgent: false, remark: 'Zegt: "verhuisd"; onbevestigd' },
    ]);
    expect(result.cases.map((x: any) => x.urgent)).toEqual([true, false, false]);
    expect((await counts(t)).cases - before.cases).toBe(3);
    const log = await logOf(t, a!.id);
    expect(log.find((r) => r.action === 'CREATE')?.fields).toContain('Mutation.importOutOfViewReports');
  });

  it('with "," and yes/no/true/false and ISO dates works the same', async () => {
    const pupils = await insertPupils(t, 4);
    const csv = ['bsn,absent_since,urgent,remark', `${pupils[0]!.bsn},2026-03-02,yes,`, `${pupils[1]!.bsn},2026-03-03,no,"een, twee"`, `${pupils[2]!.bsn},,true,`, `${pupils[3]!.bsn},,false,`].join('\n');
    const { body } = await uploadCsv(t, DALTON, csv);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(body.data.importOutOfViewReports.cases.map((x: any) => [x.urgent, x.reports[0].absentSince, x.reports[0].remark])).toEqual([
      [true, '2026-03-02', null],
      [false, '2026-03-03', 'een, twee'],
      [true, null, null],
      [false, null, null],
    ]);
  });

  it('with bad lines is refused whole, each error naming the line of the file (header = line 1), and nothing changes', async () => {
    const [a, b, c] = await insertPupils(t, 3);
    const atZeester = await insertPupil(t, { schoolId: 'school-zeester-escamp' });
    const lines = [
      /* 1 */ 'bsn;absent_since;urgent;remark',
      /* 2 */ `${a!.bsn};02-03-2026;nee;`,
      /* 3 */ `${invalidBsn()};02-03-2026;nee;`,
      /* 4 */ '',
      /* 5 */ `${b!.bsn};17-03-2026;nee;`,
      /* 6 */ `${c!.bsn};;misschien;`,
      /* 7 */ `${atZeester.bsn};;;`,
      /* 8 */ `${nextBsn()};;;`,
      /* 9 */ `${a!.bsn};;;dubbel`,
      /* 10 */ `${c!.bsn};;;bel\u0007aan`,
      /* 11 */ `${c!.bsn};31-02-2026;;`,
    ];
    const before = await counts(t);
    const { body } = await uploadCsv(t, DALTON, lines.join('\n') + '\n');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const problems = body.errors![0]!.extensions!.rows as Array<{ row: number; field: string; message: string }>;
    expect(problems.map(({ row, field }) => [row, field])).toEqual([
      [3, 'bsn'],
      [5, 'absent_since'], // errors about a file name its columns
      [6, 'urgent'],
      [7, 'bsn'],
      [8, 'bsn'],
      [9, 'bsn'],
      [10, 'remark'],
      [11, 'absent_since'],
    ]);
    expect(problems.find((p) => p.row === 7)!.message).toBe(problems.find((p) => p.row === 8)!.message);
    expect(problems.find((p) => p.row === 9)!.message).toMatch(/row 2/);
    expect(problems.find((p) => p.row === 10)!.message).toMatch(/control/);
    expect(problems.find((p) => p.row === 11)!.message).toMatch(/calendar date/);
    expect(problems.find((p) => p.row === 6)!.message).toMatch(/yes or no/);
    expect(await counts(t)).toEqual(before);
    expect(await openCasesOf(a!.id)).toHaveLength(0);
  });

  it('in Windows-1252 (a Dutch spreadsheet\'s default) is refused or read right, never stored garbled', async () => {
    const pupil = await insertPupil(t);
    const csv = Buffer.from(`bsn;absent_since;urgent;remark\r\n${pupil.bsn};02-03-2026;nee;Ouders geïnformeerd, reactie volgt\r\n`, 'latin1');
    const { body } = await uploadCsv(t, DALTON, csv);
    if (body.errors) {
      expect(body.errors[0]!.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0]!.message).toMatch(/UTF-8/);
      expect(await openCasesOf(pupil.id)).toHaveLength(0);
    } else {
      const [report] = await t.database.db
        .selectFrom('out_of_view_reports')
        .innerJoin('out_of_view_cases', 'out_of_view_cases.id', 'out_of_view_reports.case_id')
        .select('out_of_view_reports.remark')
        .where('out_of_view_cases.pupil_id', '=', pupil.id)
        .execute();
      expect(report!.remark).toBe('Ouders geïnformeerd, reactie volgt');
    }
  });

  it('with CRLF lines and LF lines mixed (an export with lines added by hand) reports every line', async () => {
    const [a, b, c] = await insertPupils(t, 3);
    const csv = `bsn;absent_since;urgent;remark\r\n${a!.bsn};02-03-2026;nee;eerste\r\n${b!.bsn};;;tweede\n${c!.bsn};;;derde\n`;
    const { body } = await uploadCsv(t, DALTON, csv);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(body.data.importOutOfViewReports.reports).toBe(3);
    expect(await openCasesOf(c!.id)).toHaveLength(1);
  });

  it('names the line a record starts on when a quoted remark spans two lines', async () => {
    const csv = `bsn;absent_since;urgent;remark\n${invalidBsn()};;;"eerste regel\ntweede regel"\n`;
    const { body } = await uploadCsv(t, DALTON, csv);
    expect(body.errors?.[0]?.extensions?.rows).toEqual([{ row: 2, field: 'bsn', message: expect.stringMatching(/eleven test/) }]);
  });

  it('with a wrong header is refused with a message naming the expected columns', async () => {
    const pupil = await insertPupil(t);
    const before = await counts(t);
    const { body } = await uploadCsv(t, DALTON, `burgerservicenummer;datum\n${pupil.bsn};02-03-2026\n`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('bsn;absent_since;urgent;remark');
    expect(body.errors?.[0]?.message).toContain('burgerservicenummer');
    // A header without the bsn column is refused too, even when the other columns are right.
    const noBsn = await uploadCsv(t, DALTON, `absent_since;urgent\n02-03-2026;ja\n`);
    expect(noBsn.body.errors?.[0]?.message).toMatch(/bsn required/);
    expect(await counts(t)).toEqual(before);
  });

  it('that is empty, or only a header, is refused with a clear message', async () => {
    const before = await counts(t);
    const empty = await uploadCsv(t, DALTON, '');
    expect(empty.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.body.errors?.[0]?.message).toMatch(/empty/);
    const bom = await uploadCsv(t, DALTON, '\uFEFF\r\n');
    expect(bom.body.errors?.[0]?.message).toMatch(/empty/);
    const header = await uploadCsv(t, DALTON, 'bsn;absent_since;urgent;remark\n');
    expect(header.body.errors?.[0]?.message).toMatch(/no pupils/);
    const broken = await uploadCsv(t, DALTON, 'bsn;remark\n"123456782;open quote\n');
    expect(broken.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(broken.body.errors?.[0]?.message).toMatch(/cannot be read at line 2/);
    expect(await counts(t)).toEqual(before);
  });

  it('is required as a file: a JSON request without one is refused', async () => {
    const before = await counts(t);
    const body = await gqlBody(t, DALTON, `mutation($input: ImportOutOfViewReportsInput!) { importOutOfViewReports(input: $input) { reports } }`, {
      input: { file: 'bsn\n123456782\n' },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts(t)).toEqual(before);
  });
});

describe('routing to the home municipality', () => {
  let pupil: NewPupil;
  let caseId: string;
  const VIEW = `query($id: ID!) {
    outOfViewCase(id: $id) { id visibility status version openedAt closedAt assignedTo { id } reportingSchool { id } pupil { id } urgent reports { id } nextStep { action } outcome attempts { totalCount } }
    node(id: $id) { id ... on OutOfViewCase { visibility pupil { id } urgent nextStep { action } } } }`;

  beforeAll(async () => {
    pupil = await insertPupil(t, { municipality: RIJSWIJK, schoolId: 'school-dalton-laak' });
    const found = await reportOk(t, DALTON, { pupilId: pupil.id, urgent: true });
    caseId = found.id;
    expect(found.assignedTo.id).toBe('lz-rijswijk');
  });

  it('a Rijswijk pupil at a Den Haag school goes to Leerlingzaken Rijswijk, which sees the case in full', async () => {
    const body = await gqlBody(t, LZ_RW, VIEW, { id: caseId });
    expect(body.errors).toBeUndefined();
    expect(body.data.outOfViewCase).toMatchObject({
      visibility: 'FULL',
      assignedTo: { id: 'lz-rijswijk' },
      reportingSchool: { id: 'school-dalton-laak' },
      pupil: { id: pupil.id },
      urgent: true,
      nextStep: { action: 'DOOR_VISIT' },
      attempts: { totalCount: 0 },
    });
    expect(body.data.node).toMatchObject({ id: caseId, visibility: 'FULL', pupil: { id: pupil.id } });
    const ids = await allCaseIds(t, LZ_RW, { assignedToMe: true });
    expect(ids).toContain(caseId);
  });

  it('Leerlingzaken Den Haag (the school\'s municipality) sees only that the case exists: no pupil, no step, no error, nothing logged', async () => {
    const logBefore = (await logOf(t, pupil.id)).filter((r) => r.actor_org_id === 'lz-den-haag');
    const body = await gqlBody(t, LZ_DH, VIEW, { id: caseId });
    expect(body.errors).toBeUndefined();
    expect(body.data.outOfViewCase).toEqual({
      id: caseId,
      visibility: 'EXISTENCE_ONLY',
      status: null, // whether a pupil one may not see is back in view is that pupil's data
      version: 1,
      openedAt: DEMO_NOW.toISOString(),
      closedAt: null,
      assignedTo: { id: 'lz-rijswijk' },
      reportingSchool: { id: 'school-dalton-laak' },
      pupil: null,
      urgent: null,
      reports: null,
      nextStep: null,
      outcome: null,
      attempts: null,
    });
    expect(body.data.node).toEqual({ id: caseId, visibility: 'EXISTENCE_ONLY', pupil: null, urgent: null, nextStep: null });

    const list = await gqlBody(
      t,
      LZ_DH,
      `query { outOfViewCases(first: 100, filter: { reportingSchoolId: "school-dalton-laak", assignedToMe: false }) { edges { node { id visibility pupil { id } nextStep { action } } } pageInfo { hasNextPage } } }`,
    );
    expect(list.errors).toBeUndefined();
    const listed = list.data.outOfViewCases.edges.map((e: any) => e.node).filter((n: any) => n.visibility === 'EXISTENCE_ONLY');
    // Known to exist, but not listed: Dalton's group of cases Den Haag knows to exist only is small
    // (its counts are hidden in the overview, checked below), and a list is a count too.
    expect(listed.map((n: any) => n.id)).not.toContain(caseId);
    expect(listed).toEqual([]);
    // Filtering on a tagged field matches only cases seen in full.
    expect(await allCaseIds(t, LZ_DH, { urgent: true })).not.toContain(caseId);
    expect((await logOf(t, pupil.id)).filter((r) => r.actor_org_id === 'lz-den-haag')).toEqual(logBefore);
    const overview = await gqlOk(t, { org: 'lz-den-haag', role: 'COORDINATOR' }, `{ outOfViewOverview(groupBy: SCHOOL) { rows { school { id } reported smallGroupsHidden } } }`);
    const dalton = overview.outOfViewOverview.rows.find((row: any) => row.school?.id === 'school-dalton-laak');
    expect(dalton).toMatchObject({ reported: null, smallGroupsHidden: true });
  });

  it('an organisation with no link (school social work, a school elsewhere) gets null, as for an id never used', async () => {
    for (const who of [SMW_DH, ELSENBURG, ZEESTER]) {
      const body = await gqlBody(t, who, `query($id: ID!) { outOfViewCase(id: $id) { id } node(id: $id) { id } }`, { id: caseId });
      expect(body.errors, who.org).toBeUndefined();
      expect(body.data, who.org).toEqual({ outOfViewCase: null, node: null });
      expect(await allCaseIds(t, who), who.org).not.toContain(caseId);
    }
  });

  it('a Den Haag pupil at the Rijswijk school goes to Leerlingzaken Den Haag; Rijswijk knows only that it exists', async () => {
    const denHaagPupil = await insertPupil(t, { municipality: DEN_HAAG, schoolId: 'school-elsenburg-college' });
    const found = await reportOk(t, ELSENBURG, { bsn: denHaagPupil.bsn });
    expect(found.assignedTo.id).toBe('lz-den-haag');
    expect((await gqlOk(t, LZ_DH, CASE_BY_ID, { id: found.id })).outOfViewCase).toMatchObject({ visibility: 'FULL', pupil: { id: denHaagPupil.id } });
    expect((await gqlOk(t, LZ_RW, CASE_BY_ID, { id: found.id })).outOfViewCase).toMatchObject({ visibility: 'EXISTENCE_ONLY', pupil: null, nextStep: null });
  });
});
