// The change that ends a party's access reaches it on every channel: a receiver following a referral
// over server-sent events hears that the sender cancelled (or that consent was revoked) — the status
// and the fact, nothing of the pupil — and nothing after that.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { listen, subscribe, tokenFor, type EventStream, type Listening } from './helpers/events.ts';
import { actOk, createReferral, gqlOk, LZ, LZ_TO_SMW, newPupil, SMW, type As } from './helpers/referrals.ts';

let t: TestHub;
let server: Listening;
const streams: EventStream[] = [];
const EVENT = 'id kind action referral { id status reason } pupil { id }';

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

async function follow(who: As, query: string, variables: Record<string, unknown> = {}) {
  const stream = await subscribe(server.url, tokenFor(who, t.clock.now), query, variables);
  streams.push(stream);
  return stream;
}

async function nextEvent(stream: EventStream): Promise<any> {
  const result = await stream.next(5000);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return Object.values(result.data as Record<string, unknown>)[0];
}

const note = (pupilId: string, referralId: string) =>
  gqlOk(t, LZ, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', { input: { pupilId, referralId, category: 'SCHOOLING', body: 'Na de annulering' } });

describe('the change that ends access reaches the party whose access it ends', () => {
  for (const [action, status] of [
    ['CANCEL', 'CANCELLED'],
    ['REVOKE_CONSENT', null],
  ] as const) {
    it(`${action}: the receiver's referralChanged and myReferralsChanged both hear it, with the status and without the pupil or the reason; then nothing more`, async () => {
      const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
      const one = await follow(SMW, `subscription($id: ID!) { referralChanged(referralId: $id) { ${EVENT} } }`, { id: ref.id });
      const mine = await follow(SMW, `subscription { myReferralsChanged { ${EVENT} } }`);
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
