// Following referrals without polling — GraphQL subscriptions over server-sent events.
// Each event is checked at delivery, as the subscriber and at that moment, with the policy of
// queries: no secret involvement leaks, access that ends stops the events, the category guard
// refuses before the stream starts, and each delivered event's reads are in the access log.
// Negative cases use a sentinel: a later event the subscriber may see, which must arrive first.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { connectPostgres } from '../src/db/database.ts';
import type { Hub } from '../src/http/app.ts';
import { assembleHub } from '../src/hub.ts';
import { createLogger } from '../src/logging.ts';
import type { Role } from '../src/policy/vocabulary.ts';
import { listen, subscribe, tokenFor, type EventStream, type Listening } from './helpers/events.ts';
import { APP_ROLE, LogCapture, startTestHub, type TestHub } from './helpers/hub.ts';
import { RECORD, REPORT_BATCH, reportOk } from './helpers/outreach.ts';
import { act, actOk, createReferral, gqlBody, gqlOk, LZ, LZ_TO_SMW, newPupil, newPupils, SMW, type As } from './helpers/referrals.ts';

let t: TestHub;
let server: Listening;
const streams: EventStream[] = [];

const CJG: As = { org: 'cjg-den-haag', role: 'PROFESSIONAL' };
const VT: As = { org: 'veilig-thuis-haaglanden', role: 'PROFESSIONAL' };
const POLICE: As = { org: 'politie-den-haag', role: 'PROFESSIONAL' };
const SCHOOL: As = { org: 'school-dalton-laak', role: 'PROFESSIONAL' };

const EVENT = 'id kind action occurredAt organisation { id } referral { id status } pupil { id }';
const MY_REFERRALS = `subscription { myReferralsChanged { ${EVENT} } }`;
const REFERRAL_CHANGED = `subscription($id: ID!) { referralChanged(referralId: $id) { ${EVENT} } }`;
const TIMELINE = `subscription($id: ID!) { pupilTimeline(pupilId: $id) { ${EVENT} } }`;
const ADD_NOTE = 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }';

beforeAll(async () => {
  t = await startTestHub();
  server = await listen(t.hub.app);
});
afterEach(async () => {
  // Each test's streams end with it, so later events are not checked for subscribers long gone.
  await Promise.all(streams.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function follow(who: { org: string; role: Role }, query: string, variables: Record<string, unknown> = {}, base = server.url, operationName?: string) {
  const stream = await subscribe(base, tokenFor(who, t.clock.now), query, variables, operationName);
  streams.push(stream);
  return stream;
}

/** The event of the next result; fails on errors. */
async function nextEvent(stream: EventStream, timeoutMs = 5000): Promise<any> {
  const result = await stream.next(timeoutMs);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return Object.values(result.data as Record<string, unknown>)[0];
}

const note = (who: As, pupilId: string, category: string, referralId?: string) =>
  gqlOk(t, who, ADD_NOTE, { input: { pupilId, category, body: `Notitie ${category}`, ...(referralId ? { referralId } : {}) } });

const referralTo = (pupilId: string, receiverId: string, sharedCategories: string[], legalBasis: string) => ({
  pupilId,
  receiverId,
  reason: 'Zorgen over de leerling',
  urgency: 'NORMAL',
  sharedCategories,
  legalBasis,
});

describe('delivery', () => {
  it('tells a partner of a referral sent to it, then of each change, with the referral as it is now', async () => {
    const pupil = await newPupil(t);
    const smw = await follow(SMW, MY_REFERRALS);

    const ref = await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id));
    const created = await nextEvent(smw);
    expect(created).toMatchObject({ kind: 'REFERRAL_CREATED', action: 'CREATE', organisation: { id: 'lz-den-haag' }, referral: { id: ref.id, status: 'REQUESTED' }, pupil: { id: pupil.id } });

    await actOk(t, SMW, 'RECEIVE', ref);
    const received = await nextEvent(smw);
    expect(received).toMatchObject({ kind: 'REFERRAL_CHANGED', action: 'RECEIVE', organisation: { id: 'smw-den-haag' }, referral: { id: ref.id, status: 'RECEIVED' } });

    await actOk(t, SMW, 'ACCEPT', ref);
    const accepted = await nextEvent(smw);
    // Read at delivery: the status after this change, not the row the first event loaded.
    expect(accepted).toMatchObject({ kind: 'REFERRAL_CHANGED', action: 'ACCEPT', referral: { id: ref.id, status: 'ACCEPTED' } });
    expect(new Set([created.id, received.id, accepted.id]).size).toBe(3);
    expect(await smw.quietFor(200)).toEqual([]);
  });

  it('follows one referral with referralChanged, including notes within it', async () => {
    const pupil = await newPupil(t);
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id));
    const other = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    const smw = await follow(SMW, REFERRAL_CHANGED, { id: ref.id });

    await actOk(t, SMW, 'RECEIVE', other); // another referral: not on this stream
    await note(LZ, pupil.id, 'SCHOOLING', ref.id);
    const added = await nextEvent(smw);
    expect(added).toMatchObject({ kind: 'NOTE_ADDED', action: null, referral: { id: ref.id }, organisation: { id: 'lz-den-haag' } });
    await actOk(t, SMW, 'RECEIVE', ref);
    expect(await nextEvent(smw)).toMatchObject({ kind: 'REFERRAL_CHANGED', action: 'RECEIVE', referral: { id: ref.id, status: 'RECEIVED' } });
  });
  it('announces a hand-over: HAND_OVER to the parties of the old referral, REFERRAL_CREATED to the new receiver only', async () => {
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    await actOk(t, SMW, 'RECEIVE', ref);
    await actOk(t, SMW, 'ACCEPT', ref);
    const cjg = await follow(CJG, MY_REFERRALS);
    const lz = await follow(LZ, MY_REFERRALS);
    const handed = await act(t, SMW, 'HAND_OVER', ref);
    expect(handed.errors).toBeUndefined();
    const successor = handed.data.result.id as string;

    expect(await nextEvent(cjg)).toMatchObject({ kind: 'REFERRAL_CREATED', organisation: { id: 'smw-den-haag' }, referral: { id: successor, status: 'REQUESTED' } });
    expect(await nextEvent(lz)).toMatchObject({ kind: 'REFERRAL_CHANGED', action: 'HAND_OVER', referral: { id: ref.id, status: 'COMPLETED' } });
    // Leerlingzaken is no party to the successor: its next event is its own next referral.
    const own = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    expect(await nextEvent(lz)).toMatchObject({ kind: 'REFERRAL_CREATED', referral: { id: own.id } });
    expect(JSON.stringify(lz.received)).not.toContain(successor);
  });

  it('delivers every event of a batch too large for one notification (250 reports)', async () => {
    const pupils = await newPupils(t, 250);
    const first = await follow(LZ, TIMELINE, { id: pupils[0]!.id });
    const last = await follow(LZ, TIMELINE, { id: pupils[249]!.id });
    const batch = await gqlOk(t, SCHOOL, REPORT_BATCH, { input: { reports: pupils.map((p) => ({ pupilId: p.id, absentSince: '2026-03-02' })) } });
    expect(batch.reportPupilsOutOfView.reports).toBe(250);
    expect(await nextEvent(first)).toMatchObject({ kind: 'PUPIL_REPORTED_OUT_OF_VIEW', organisation: { id: 'school-dalton-laak' }, pupil: { id: pupils[0]!.id } });
    expect(await nextEvent(last)).toMatchObject({ kind: 'PUPIL_REPORTED_OUT_OF_VIEW', pupil: { id: pupils[249]!.id } });
  });
});

describe('the policy decides per event, at delivery', () => {
  it('keeps a secret involvement from non-parties: a referral to Veilig Thuis reaches Veilig Thuis only', async () => {
    const pupil = await newPupil(t);
    await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id)); // SMW is linked to the pupil
    const smwTimeline = await follow(SMW, TIMELINE, { id: pupil.id });
    const schoolTimeline = await follow(SCHOOL, TIMELINE, { id: pupil.id }); // enrolment: a full link
    const vtMine = await follow(VT, MY_REFERRALS);

    const vtRef = await createReferral(t, LZ, referralTo(pupil.id, 'veilig-thuis-haaglanden', ['IDENTITY', 'CONTACT'], 'MELDCODE'));
    expect(await nextEvent(vtMine)).toMatchObject({ kind: 'REFERRAL_CREATED', referral: { id: vtRef.id, status: 'REQUESTED' }, pupil: { id: pupil.id } });

    // Veilig Thuis writes a note outside any referral: its authorship is secret too.
    await note(VT, pupil.id, 'IDENTITY');
    // Sentinels: a note each subscriber may see, written after the secret events.
    await note(SMW, pupil.id, 'IDENTITY');
    const smwFirst = await nextEvent(smwTimeline);
    expect(smwFirst).toMatchObject({ kind: 'NOTE_ADDED', organisation: { id: 'smw-den-haag' } });
    const schoolFirst = await nextEvent(schoolTimeline);
    expect(schoolFirst).toMatchObject({ kind: 'NOTE_ADDED', organisation: { id: 'smw-den-haag' } });
    for (const stream of [smwTimeline, schoolTimeline]) {
      expect(JSON.stringify(stream.received)).not.toContain('veilig-thuis-haaglanden');
      expect(JSON.stringify(stream.received)).not.toContain(vtRef.id);
    }
  });

  it("never shows an organisation's myReferralsChanged the referrals of others", async () => {
    const cjg = await follow(CJG, MY_REFERRALS);
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    await actOk(t, SMW, 'RECEIVE', ref);
    await note(LZ, ref.pupilId, 'SCHOOLING', ref.id);
    // Sentinel: a referral to the CJG itself.
    const own = await createReferral(t, LZ, referralTo((await newPupil(t)).id, 'cjg-den-haag', ['IDENTITY', 'CONTACT'], 'JEUGDWET'));
    expect(await nextEvent(cjg)).toMatchObject({ kind: 'REFERRAL_CREATED', referral: { id: own.id } });
    expect(JSON.stringify(cjg.received)).not.toContain(ref.id);
  });

  describe('access that ends stops the events', () => {
    it('after the consent is revoked, later changes by the sender do not reach the receiver', async () => {
      const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
      const smw = await follow(SMW, REFERRAL_CHANGED, { id: ref.id });
      const lz = await follow(LZ, REFERRAL_CHANGED, { id: ref.id }); // the witness: it keeps its access

      await note(LZ, ref.pupilId, 'SCHOOLING', ref.id);
      expect(await nextEvent(smw)).toMatchObject({ kind: 'NOTE_ADDED' }); // while the consent holds

      await actOk(t, LZ, 'REVOKE_CONSENT', ref);
      await note(LZ, ref.pupilId, 'SCHOOLING', ref.id);
      await actOk(t, LZ, 'CANCEL', ref);
      const witnessed = [await nextEvent(lz), await nextEvent(lz), await nextEvent(lz), await nextEvent(lz)];
      expect(witnessed.map((e) => e.action ?? e.kind)).toEqual(['NOTE_ADDED', 'REVOKE_CONSENT', 'NOTE_ADDED', 'CANCEL']);

      const late = (await smw.quietFor(300)).map((r) => Object.values(r.data ?? {})[0] as any).filter((e) => e?.action !== 'REVOKE_CONSENT');
      expect(late, 'events after the revocation').toEqual([]);
    });

    it('after the sender cancels, its later notes on the referral do not reach the receiver', async () => {
      const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
      const smw = await follow(SMW, REFERRAL_CHANGED, { id: ref.id });
      const lz = await follow(LZ, REFERRAL_CHANGED, { id: ref.id });
      await actOk(t, LZ, 'CANCEL', ref);
      await note(LZ, ref.pupilId, 'SCHOOLING', ref.id);
      expect((await nextEvent(lz)).action).toBe('CANCEL');
      expect((await nextEvent(lz)).kind).toBe('NOTE_ADDED');
      const late = (await smw.quietFor(300)).map((r) => Object.values(r.data ?? {})[0] as any).filter((e) => e?.action !== 'CANCEL');
      expect(late, 'events after the cancellation').toEqual([]);
    });

    it('after the receiver rejects, later notes by the sender do not reach it', async () => {
      const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
      const smw = await follow(SMW, REFERRAL_CHANGED, { id: ref.id });
      const lz = await follow(LZ, REFERRAL_CHANGED, { id: ref.id });
      await actOk(t, SMW, 'RECEIVE', ref);
      expect((await nextEvent(smw)).action).toBe('RECEIVE');
      await actOk(t, SMW, 'REJECT', ref);
      await note(LZ, ref.pupilId, 'SCHOOLING', ref.id);
      expect([(await nextEvent(lz)).action, (await nextEvent(lz)).action, (await nextEvent(lz)).kind]).toEqual(['RECEIVE', 'REJECT', 'NOTE_ADDED']);
      const late = (await smw.quietFor(300)).map((r) => Object.values(r.data ?? {})[0] as any).filter((e) => e?.action !== 'REJECT');
      expect(late, 'events after the rejection').toEqual([]);
    });
  });

  it('gives no CONTACT_ATTEMPT_RECORDED to a subscriber whose link does not cover contact attempts', async () => {
    const pupil = await newPupil(t);
    await createReferral(t, LZ, referralTo(pupil.id, 'smw-den-haag', ['IDENTITY', 'CONTACT'], 'JEUGDWET'));
    const smw = await follow(SMW, TIMELINE, { id: pupil.id });
    const lz = await follow(LZ, TIMELINE, { id: pupil.id }); // home municipality: covers them

    const opened = await reportOk(t, SCHOOL, { pupilId: pupil.id, absentSince: '2026-03-02' });
    const attempt = await gqlBody(t, LZ, RECORD, { input: { caseId: opened.id, kind: 'PHONE', outcome: 'NO_ANSWER' } });
    expect(attempt.errors).toBeUndefined();
    expect((await nextEvent(lz)).kind).toBe('PUPIL_REPORTED_OUT_OF_VIEW');
    expect((await nextEvent(lz)).kind).toBe('CONTACT_ATTEMPT_RECORDED');

    await note(SMW, pupil.id, 'IDENTITY'); // sentinel
    expect(await nextEvent(smw)).toMatchObject({ kind: 'NOTE_ADDED', organisation: { id: 'smw-den-haag' } });
    expect(smw.received.map((r) => r.data?.pupilTimeline?.kind)).toEqual(['NOTE_ADDED']);
  });

  it('refuses a subscription to a referral or pupil the subscriber may not see exactly like one to a random id', async () => {
    const pupil = await newPupil(t);
    const others = await createReferral(t, LZ, referralTo(pupil.id, 'cjg-den-haag', ['IDENTITY'], 'JEUGDWET'));
    const random = '00000000-0000-4000-8000-000000000000';
    const refusal = async (query: string, id: string) => {
      const stream = await follow(SMW, query, { id });
      await stream.untilEnded();
      expect(stream.received).toHaveLength(1);
      const { errors, data } = stream.received[0];
      expect(errors?.length, JSON.stringify(stream.received[0])).toBe(1);
      expect(data ?? null).toBeNull();
      return { message: errors[0].message, extensions: errors[0].extensions };
    };
    const hidden = await refusal(REFERRAL_CHANGED, others.id);
    expect(hidden).toEqual(await refusal(REFERRAL_CHANGED, random));
    expect(hidden.extensions?.code).toBe('BAD_USER_INPUT');
    const hiddenPupil = await refusal(TIMELINE, pupil.id);
    expect(hiddenPupil).toEqual(await refusal(TIMELINE, random));
    // The parties themselves may subscribe (so the refusals above are about visibility).
    const cjg = await follow(CJG, REFERRAL_CHANGED, { id: others.id });
    expect(cjg.ended).toBe(false);
  });
});

describe('the category guard applies to subscriptions', () => {
  it('refuses police a timeline that selects the BSN before the stream starts, and logs the refusal', async () => {
    const pupil = await newPupil(t);
    await createReferral(t, LZ, referralTo(pupil.id, 'politie-den-haag', ['IDENTITY', 'CONTACT'], 'POLITIEWET'));
    const refused = await follow(POLICE, 'subscription Bsn($id: ID!) { pupilTimeline(pupilId: $id) { kind pupil { bsn } } }', { id: pupil.id });
    await refused.untilEnded();
    expect(refused.received).toHaveLength(1);
    expect(refused.received[0].errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(refused.received[0].errors)).toContain('Pupil.bsn');
    // (Refusals by the guard carry no operation name: the guard runs before the log plugin names it.)
    const logged = await t.database.db.selectFrom('access_log_records').selectAll().where('actor_org_id', '=', 'politie-den-haag').execute();
    expect(logged).toEqual([expect.objectContaining({ outcome: 'REFUSED', pupil_id: null, fields: ['!Pupil.bsn'], categories: ['BSN'] })]);

    // The same timeline without the BSN is a live stream.
    const allowed = await follow(POLICE, 'subscription($id: ID!) { pupilTimeline(pupilId: $id) { kind pupil { givenName } } }', { id: pupil.id });
    await note(POLICE, pupil.id, 'SAFETY');
    expect(await nextEvent(allowed)).toMatchObject({ kind: 'NOTE_ADDED', pupil: { givenName: expect.any(String) } });
    expect(refused.received).toHaveLength(1);
  });
});

describe('the access log', () => {
  it('records each delivered event that reads pupil data, for the subscriber, with the reads of that event', async () => {
    const pupil = await newPupil(t);
    const smw = await follow(SMW, 'subscription FollowMine { myReferralsChanged { kind referral { status pupil { givenName } } } }', {}, server.url, 'FollowMine');
    const cjg = await follow(CJG, 'subscription FollowCjg { myReferralsChanged { kind referral { status pupil { givenName } } } }', {}, server.url, 'FollowCjg');
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id));
    await nextEvent(smw);
    const records = () =>
      t.database.db.selectFrom('access_log_records').selectAll().where('operation_name', 'in', ['FollowMine', 'FollowCjg']).orderBy('seq').execute();
    // Written before the event left: no waiting.
    const first = await records();
    expect(first).toEqual([
      expect.objectContaining({ actor_org_id: 'smw-den-haag', pupil_id: pupil.id, action: 'READ', outcome: 'GRANTED', categories: ['IDENTITY', 'REFERRAL'] }),
    ]);
    expect(first[0]!.fields).toEqual(expect.arrayContaining(['Referral.status', 'Pupil.givenName']));

    await actOk(t, SMW, 'RECEIVE', ref);
    expect(await nextEvent(smw)).toMatchObject({ kind: 'REFERRAL_CHANGED', referral: { status: 'RECEIVED' } });
    const second = await records();
    expect(second).toHaveLength(2);
    expect(second[1]).toMatchObject({ actor_org_id: 'smw-den-haag', pupil_id: pupil.id, outcome: 'GRANTED' });
    expect(new Date(second[1]!.occurred_at).getTime()).toBeGreaterThanOrEqual(new Date(second[0]!.occurred_at).getTime());
    // The CJG saw nothing, so nothing is logged for it.
    expect(cjg.received).toEqual([]);
    expect(second.filter((r) => r.actor_org_id === 'cjg-den-haag')).toEqual([]);
  });
});

describe('long-lived streams', () => {
  it('do not use up the in-flight limit meant for requests in progress: queries are answered beside open subscriptions', async () => {
    const small = await startTestHub({ env: { HTTP_MAX_IN_FLIGHT: '3' } });
    const smallServer = await listen(small.hub.app);
    const open: EventStream[] = [];
    try {
      for (let i = 0; i < 3; i++) open.push(await subscribe(smallServer.url, tokenFor(SMW, small.clock.now), MY_REFERRALS));
      expect(open.every((s) => s.status === 200 && !s.ended)).toBe(true);
      // Three partners' dashboards follow their referrals; a fourth client asks a question.
      const answer = await small.gql(LZ, '{ viewer { role } }');
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual({ data: { viewer: { role: 'PROFESSIONAL' } } });
    } finally {
      await Promise.all(open.map((s) => s.close()));
      await smallServer.close();
      await small.close();
    }
  });
});

describe('two hub instances on one database', () => {
  it.skipIf(!process.env.DATABASE_URL)('delivers to a subscriber on instance B a change made through instance A', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' });
    const database = connectPostgres({ connectionString: t.databaseUrl!, maxConnections: 3, role: APP_ROLE });
    let b: Hub | undefined;
    let bServer: Listening | undefined;
    try {
      b = assembleHub({ config, database, logger: createLogger('info', new LogCapture()), clock: () => t.clock.now });
      bServer = await listen(b.app);
      const pupil = await newPupil(t);
      const onB = await follow(SMW, MY_REFERRALS, {}, bServer.url);
      const ref = await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id)); // through instance A
      expect(await nextEvent(onB)).toMatchObject({ kind: 'REFERRAL_CREATED', referral: { id: ref.id, status: 'REQUESTED' } });
      await actOk(t, SMW, 'RECEIVE', ref);
      expect(await nextEvent(onB)).toMatchObject({ action: 'RECEIVE', referral: { id: ref.id, status: 'RECEIVED' } });
      await onB.close();
    } finally {
      await bServer?.close();
      await b?.stop();
      await database.close();
    }
  });
});

describe('the token of a subscription', () => {
  it('ends the stream with UNAUTHENTICATED once the token has expired, and delivers nothing after', async () => {
    const pupil = await newPupil(t);
    const smw = await follow(SMW, MY_REFERRALS);
    const before = t.clock.now;
    try {
      // Demo tokens live 12 hours at most: a day later the subscription's token has expired.
      t.clock.now = new Date(before.getTime() + 24 * 3600_000);
      await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id));
      await smw.untilEnded(3000);
      expect(smw.ended).toBe(true);
      const last = smw.received.at(-1);
      expect(JSON.stringify(last)).toContain('UNAUTHENTICATED');
      expect(smw.received.some((payload: any) => payload?.data?.myReferralsChanged)).toBe(false);
    } finally {
      t.clock.now = before;
      await smw.close();
    }
  });
});
