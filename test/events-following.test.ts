// Following over server-sent events as an integrator relies on it: every event arrives with its id
// (SSE `id:` and `extensions.eventId`); reconnecting with `Last-Event-ID` first replays what was
// missed — only what the subscriber may see now — then continues live; subscriptions can keep only
// some kinds or statuses; and the change that ends a party's access reaches it (the status and the
// fact, nothing of the pupil), with nothing after it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { listen, subscribe, tokenFor, type EventStream, type Listening } from './helpers/events.ts';
import { actOk, CJG, createReferral, gqlOk, LZ, LZ_TO_SMW, newPupil, SMW, type As } from './helpers/referrals.ts';

let t: TestHub;
let server: Listening;
const streams: EventStream[] = [];
const EVENT = 'id kind action referral { id }';
const ENDING_EVENT = 'id kind action referral { id status reason } pupil { id }';

beforeAll(async () => {
  t = await startTestHub();
  server = await listen(t.hub.app);
});
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function follow(who: As, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const stream = await subscribe(server.url, tokenFor(who, t.clock.now), query, variables, undefined, headers);
  streams.push(stream);
  return stream;
}

async function nextEvent(stream: EventStream): Promise<any> {
  const result = await stream.next(5000);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return Object.values(result.data as Record<string, unknown>)[0];
}

const MINE = `subscription { myReferralsChanged { ${EVENT} } }`;

describe('event ids and replay after a reconnection', () => {
  it('each event carries its id in the SSE frame and in extensions.eventId', async () => {
    const smw = await follow(SMW, MINE);
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    const event = await nextEvent(smw);
    expect(event).toMatchObject({ kind: 'REFERRAL_CREATED', referral: { id: ref.id } });
    expect(smw.ids[0]).toBe(event.id);
    expect(smw.received[0].extensions.eventId).toBe(event.id);
  });

  it('a client reconnecting with Last-Event-ID gets what it missed, in order, then live events; not what it may not see', async () => {
    const first = await follow(SMW, MINE);
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    const seen = await nextEvent(first);
    await first.close();

    // While it is away: two changes to its referral, and a referral between others it may not see.
    await actOk(t, SMW, 'ACCEPT', ref); // RECEIVE + ACCEPT
    const others = await createReferral(t, LZ, { pupilId: (await newPupil(t)).id, receiverId: 'cjg-den-haag', reason: 'Opvoedvragen', urgency: 'NORMAL', sharedCategories: ['IDENTITY'], legalBasis: 'JEUGDWET' });

    const again = await follow(SMW, MINE, {}, { 'last-event-id': seen.id });
    const replayed = [await nextEvent(again), await nextEvent(again)];
    expect(replayed.map((e) => e.action)).toEqual(['RECEIVE', 'ACCEPT']);
    expect(replayed.every((e) => e.referral.id === ref.id)).toBe(true);
    expect(again.ids).toEqual(replayed.map((e) => e.id));
    // Then live.
    await gqlOk(t, LZ, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', { input: { pupilId: ref.pupilId, referralId: ref.id, category: 'SCHOOLING', body: 'Live' } });
    expect(await nextEvent(again)).toMatchObject({ kind: 'NOTE_ADDED' });
    expect(JSON.stringify(again.received)).not.toContain(others.id);
  });

  it('refuses a Last-Event-ID that is not an event id', async () => {
    const stream = await follow(SMW, MINE, {}, { 'last-event-id': 'not-an-id' });
    const result = await stream.next(5000);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('filters on a subscription', () => {
  it('kinds keeps only those kinds; statuses only referrals now in those statuses', async () => {
    const created = await follow(CJG, `subscription { myReferralsChanged(kinds: [REFERRAL_CREATED]) { ${EVENT} } }`);
    const accepted = await follow(CJG, `subscription { myReferralsChanged(statuses: [ACCEPTED]) { ${EVENT} } }`);
    const cancelled = await follow(CJG, `subscription { myReferralsChanged(statuses: [CANCELLED]) { ${EVENT} } }`);
    const ref = await createReferral(t, LZ, { pupilId: (await newPupil(t)).id, receiverId: 'cjg-den-haag', reason: 'Opvoedvragen', urgency: 'NORMAL', sharedCategories: ['IDENTITY'], legalBasis: 'JEUGDWET' });
    await actOk(t, CJG, 'ACCEPT', ref);
    expect(await nextEvent(created)).toMatchObject({ kind: 'REFERRAL_CREATED', referral: { id: ref.id } });
    // The ACCEPT event: the referral is ACCEPTED now (the CREATE and RECEIVE events were checked
    // after the referral had moved on, so they may pass the status filter too: it asks for the status now).
    const events = [await nextEvent(accepted)];
    for (const more of await accepted.quietFor(300)) events.push(Object.values(more.data)[0]);
    expect(events.some((e) => e.action === 'ACCEPT')).toBe(true);
    expect((await created.quietFor(300)).length).toBe(0);
    // Nothing of a referral that is not (now) cancelled.
    expect(JSON.stringify(await cancelled.quietFor(300))).not.toContain(ref.id);
  });
});

const note = (pupilId: string, referralId: string) =>
  gqlOk(t, LZ, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', { input: { pupilId, referralId, category: 'SCHOOLING', body: 'Na de annulering' } });

describe('the change that ends access reaches the party whose access it ends', () => {
  for (const [action, status] of [
    ['CANCEL', 'CANCELLED'],
    ['REVOKE_CONSENT', null],
  ] as const) {
    it(`${action}: the receiver's referralChanged and myReferralsChanged both hear it, with the status and without the pupil or the reason; then nothing more`, async () => {
      const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
      const one = await follow(SMW, `subscription($id: ID!) { referralChanged(referralId: $id) { ${ENDING_EVENT} } }`, { id: ref.id });
      const mine = await follow(SMW, `subscription { myReferralsChanged { ${ENDING_EVENT} } }`);
      await actOk(t, LZ, action, ref);
      for (const stream of [one, mine]) {
        const event = await nextEvent(stream);
        expect(event).toMatchObject({ kind: 'REFERRAL_CHANGED', action, referral: { id: ref.id }, pupil: null });
        expect(event.referral.reason).toBeNull();
        if (status) expect(event.referral.status).toBe(status);
      }
      await note(ref.pupilId, ref.id);
      expect(await one.quietFor(300)).toEqual([]);
      expect((await mine.quietFor(300)).filter((r) => JSON.stringify(r).includes(ref.id))).toEqual([]);
    });
  }
});
