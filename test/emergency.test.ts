// Break the glass: personal, at most 24 hours, marked in the access log, reviewed afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
let rijswijkPupil: { id: string; bsn: string; family_name: string };
beforeAll(async () => {
  t = await startTestHub();
  // A Rijswijk pupil with no referral involving Den Haag's Leerlingzaken or the crisis team.
  rijswijkPupil = await t.database.db
    .selectFrom('pupils')
    .select(['id', 'bsn', 'family_name'])
    .where('municipality_code', '=', 'GM0603')
    .where('id', 'not in', (eb) =>
      eb
        .selectFrom('referrals')
        .select('pupil_id')
        .where((w) =>
          w.or([
            w('sender_org_id', 'in', ['lz-den-haag', 'jbw-crisisteam']),
            w('receiver_org_id', 'in', ['lz-den-haag', 'jbw-crisisteam']),
          ]),
        ),
    )
    .orderBy('id')
    .executeTakeFirstOrThrow() as { id: string; bsn: string; family_name: string };
});
afterAll(async () => {
  await t.close();
});

const ALICE = { org: 'lz-den-haag', role: 'PROFESSIONAL', subject: 'alice@lz-den-haag' } as const;
const BOB = { org: 'lz-den-haag', role: 'PROFESSIONAL', subject: 'bob@lz-den-haag' } as const;
const OPEN = `mutation($input: OpenEmergencyAccessInput!) {
  openEmergencyAccess(input: $input) { id subject role reason openedAt expiresAt pupil { id familyName bsn } }
}`;
const READ = 'query($id: ID!) { pupil(id: $id) { familyName bsn } }';
const REASON = 'Melding crisisdienst: kind mogelijk onveilig, school onbereikbaar';

describe('emergency access', () => {
  let accessId: string;

  it('opens a pupil without a lawful link, for the person who asked only', async () => {
    expect((await t.gql(ALICE, READ, { id: rijswijkPupil.id })).body.data.pupil).toBeNull();

    const opened = await t.gql(ALICE, OPEN, { input: { bsn: rijswijkPupil.bsn, reason: REASON, hours: 4 } });
    expect(opened.body.errors).toBeUndefined();
    const access = opened.body.data.openEmergencyAccess;
    accessId = access.id;
    expect(access).toMatchObject({ subject: ALICE.subject, role: 'PROFESSIONAL', reason: REASON });
    expect(access.pupil).toEqual({ id: rijswijkPupil.id, familyName: rijswijkPupil.family_name, bsn: rijswijkPupil.bsn });
    expect(new Date(access.expiresAt).getTime() - new Date(access.openedAt).getTime()).toBe(4 * 3600_000);

    expect((await t.gql(ALICE, READ, { id: rijswijkPupil.id })).body.data.pupil.bsn).toBe(rijswijkPupil.bsn);
    // A colleague of the same organisation did not break the glass.
    expect((await t.gql(BOB, READ, { id: rijswijkPupil.id })).body.data.pupil).toBeNull();
  });

  it('marks the opening and every read under it in the access log', async () => {
    const records = await t.database.db
      .selectFrom('access_log_records')
      .select(['action', 'outcome', 'emergency', 'actor_subject', 'fields'])
      .where('pupil_id', '=', rijswijkPupil.id)
      .orderBy('seq')
      .execute();
    expect(records[0]).toMatchObject({ action: 'EMERGENCY', outcome: 'GRANTED', emergency: true, actor_subject: ALICE.subject });
    const reads = records.filter((r) => r.action === 'READ');
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (const read of reads) expect(read).toMatchObject({ emergency: true, outcome: 'GRANTED', actor_subject: ALICE.subject });
    expect(reads.flatMap((r) => r.fields)).toContain('Pupil.bsn');
  });

  it('ends when its time is up', async () => {
    t.clock.now = new Date(DEMO_NOW.getTime() + 4 * 3600_000 - 1000);
    expect((await t.gql(ALICE, READ, { id: rijswijkPupil.id })).body.data.pupil).not.toBeNull();
    t.clock.now = new Date(DEMO_NOW.getTime() + 4 * 3600_000 + 1000);
    expect((await t.gql(ALICE, READ, { id: rijswijkPupil.id })).body.data.pupil).toBeNull();
    t.clock.now = DEMO_NOW;
  });

  it('is for Leerlingzaken and the crisis team only, never for privacy officers', async () => {
    const input = { pupilId: rijswijkPupil.id, reason: REASON };
    for (const as of [
      { org: 'school-dalton-laak', role: 'PROFESSIONAL' },
      { org: 'cjg-den-haag', role: 'COORDINATOR' },
      { org: 'politie-den-haag', role: 'PROFESSIONAL' },
      { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' },
    ] as const) {
      const response = await t.gql(as, OPEN, { input });
      expect(response.body.errors?.[0]?.extensions?.code, as.org).toBe('FORBIDDEN');
      expect(response.body.data ?? null).toBeNull();
    }
    // The crisis team may never read a BSN, so it does not ask for one.
    const crisis = await t.gql(
      { org: 'jbw-crisisteam', role: 'COORDINATOR' },
      'mutation($input: OpenEmergencyAccessInput!) { openEmergencyAccess(input: $input) { pupil { familyName } } }',
      { input },
    );
    expect(crisis.body.data.openEmergencyAccess.pupil.familyName).toBe(rijswijkPupil.family_name);
  });

  it('refuses bad input, naming the field, and opens nothing; each refused attempt is logged', async () => {
    const before = await t.database.db.selectFrom('emergency_accesses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const refusedBefore = await t.database.db.selectFrom('access_log_records').select('seq').where('action', '=', 'EMERGENCY').where('outcome', '=', 'REFUSED').execute();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ pupilId: rijswijkPupil.id, reason: 'kort' }, /input.reason must say why/],
      [{ pupilId: rijswijkPupil.id, reason: REASON, hours: 25 }, /input.hours must be at most 24/],
      [{ pupilId: rijswijkPupil.id, reason: REASON, hours: 0 }, /input.hours must be at least 1/],
      [{ pupilId: rijswijkPupil.id, bsn: rijswijkPupil.bsn, reason: REASON }, /exactly one of pupilId or bsn/],
      [{ reason: REASON }, /exactly one of pupilId or bsn/],
      [{ bsn: '123', reason: REASON }, /input.bsn must be 9 digits/],
      [{ bsn: '000000000', reason: REASON }, /no pupil with this id or BSN/],
    ];
    for (const [input, message] of cases) {
      const response = await t.gql(ALICE, OPEN, { input });
      expect(response.body.errors?.[0]?.message, JSON.stringify(input)).toMatch(message);
      expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const after = await t.database.db.selectFrom('emergency_accesses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    // A refused attempt to break the glass is itself a record: one per attempt, bad input included.
    const refused = await t.database.db.selectFrom('access_log_records').selectAll().where('action', '=', 'EMERGENCY').where('outcome', '=', 'REFUSED').orderBy('seq').execute();
    const added = refused.filter((record) => !refusedBefore.some((earlier) => earlier.seq === record.seq));
    expect(added).toHaveLength(cases.length);
    for (const record of added) expect(record).toMatchObject({ actor_org_id: 'lz-den-haag', actor_subject: ALICE.subject, emergency: true, pupil_id: null });
    // The input errors as the mutation refused; the search for a BSN that matches no pupil by its field.
    expect(added.filter((record) => record.fields.includes('!Mutation.openEmergencyAccess'))).toHaveLength(cases.length - 1);
    expect(added.filter((record) => record.fields.includes('!OpenEmergencyAccessInput.bsn'))).toHaveLength(1);
  });

  it('waits for review by the right privacy officer, once', async () => {
    const QUEUE = '{ emergencyAccessesAwaitingReview { totalCount edges { node { id subject reason organisation { id } pupil { id } } } } }';
    const municipal = await t.gql({ org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, QUEUE);
    const queue = municipal.body.data.emergencyAccessesAwaitingReview;
    // Her own people's (Alice's); the crisis team's access is about a Rijswijk pupil, so it is not hers.
    expect(queue.totalCount).toBe(1);
    const alices = queue.edges.find((e: { node: { id: string } }) => e.node.id === accessId).node;
    // The privacy officer reads no case data: she sees who, when and why, not the pupil's file.
    expect(alices).toMatchObject({ subject: ALICE.subject, reason: REASON, organisation: { id: 'lz-den-haag' }, pupil: null });

    expect(queue.edges.map((e: { node: { organisation: { id: string } } }) => e.node.organisation.id)).toEqual(['lz-den-haag']);

    const crisisOfficer = await t.gql({ org: 'jbw-crisisteam', role: 'PRIVACY_OFFICER' }, QUEUE);
    expect(crisisOfficer.body.data.emergencyAccessesAwaitingReview.totalCount).toBe(1);
    // Rijswijk's privacy officer answers for Rijswijk's pupils: both accesses are about one of them.
    const rijswijkOfficer = await t.gql({ org: 'lz-rijswijk', role: 'PRIVACY_OFFICER' }, QUEUE);
    expect(rijswijkOfficer.body.errors).toBeUndefined();
    const rijswijkQueue = rijswijkOfficer.body.data.emergencyAccessesAwaitingReview;
    expect(rijswijkQueue.totalCount).toBe(2);
    expect(rijswijkQueue.edges.map((e: { node: { organisation: { id: string } } }) => e.node.organisation.id).sort()).toEqual(['jbw-crisisteam', 'lz-den-haag']);
    const professional = await t.gql(ALICE, QUEUE);
    expect(professional.body.errors[0].extensions.code).toBe('FORBIDDEN');

    const REVIEW = 'mutation($input: ReviewEmergencyAccessInput!) { reviewEmergencyAccess(input: $input) { id verdict reviewedAt reviewNote } }';
    const input = { id: accessId, verdict: 'JUSTIFIED', note: 'Crisismelding bevestigd' };
    // The crisis team's officer does not oversee Leerlingzaken's people.
    expect((await t.gql({ org: 'jbw-crisisteam', role: 'PRIVACY_OFFICER' }, REVIEW, { input })).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const reviewed = await t.gql({ org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, REVIEW, { input });
    expect(reviewed.body.data.reviewEmergencyAccess).toMatchObject({ id: accessId, verdict: 'JUSTIFIED', reviewNote: 'Crisismelding bevestigd' });
    const again = await t.gql({ org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, REVIEW, { input });
    expect(again.body.errors[0].message).toMatch(/no emergency access awaiting your review/);
    const after = await t.gql({ org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, QUEUE);
    expect(after.body.data.emergencyAccessesAwaitingReview.totalCount).toBe(0);
    // Reviewed once: it leaves Rijswijk's queue too; the crisis team's still waits.
    const rijswijkAfter = await t.gql({ org: 'lz-rijswijk', role: 'PRIVACY_OFFICER' }, QUEUE);
    expect(rijswijkAfter.body.data.emergencyAccessesAwaitingReview.totalCount).toBe(1);
  });
});
