// The depth FHIR Task gives a handover: a coded reason on every reasoned step (statusReason), a
// referral made by mistake withdrawn as entered-in-error, and the person behind each step shown to
// the other party as a pseudonymous staff id.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { act, actOk, as, createReferral, gqlBody, gqlOk, LZ, LZ_TO_SMW, newPupil, NO_RATE_LIMITS, SMW, type Body } from './helpers/referrals.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t?.close();
});

const codes = (body: Body) => (body.errors ?? []).map((error) => error.extensions?.code);
const EVENTS = 'query($id: ID!) { referral(id: $id) { status version events { action reason reasonCode actor role } } }';
const LIST = 'query($filter: ReferralFilter) { referrals(filter: $filter, first: 100) { edges { node { id status } } } }';
const listed = async (who: typeof LZ, filter: Record<string, unknown> = {}) =>
  ((await gqlOk(t, who, LIST, { filter })).referrals.edges as { node: { id: string } }[]).map((edge) => edge.node.id);

describe('a coded reason on every reasoned step', () => {
  it('records the code given, OTHER when none is, and refuses a code of another action changing nothing', async () => {
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    await actOk(t, SMW, 'ACCEPT', ref);
    await actOk(t, SMW, 'START', ref);
    const wrong = await act(t, SMW, 'PUT_ON_HOLD', ref, { reasonCode: 'WRONG_PUPIL' });
    expect(codes(wrong)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(wrong.errors)).toContain('WAITING_FOR_FAMILY');
    expect((await gqlOk(t, SMW, EVENTS, { id: ref.id })).referral.version).toBe(ref.version);

    await actOk(t, SMW, 'PUT_ON_HOLD', Object.assign(ref, {})); // the helper's default: no code
    const onHold = (await gqlOk(t, SMW, EVENTS, { id: ref.id })).referral.events.at(-1);
    expect(onHold).toMatchObject({ action: 'PUT_ON_HOLD', reasonCode: 'OTHER', reason: 'Gezin op vakantie' });

    await actOk(t, SMW, 'RESUME', ref);
    const failed = await act(t, SMW, 'FAIL', ref, { reasonCode: 'FAMILY_DECLINED' });
    expect(failed.errors).toBeUndefined();
    const events = (await gqlOk(t, LZ, EVENTS, { id: ref.id })).referral.events;
    expect(events.at(-1)).toMatchObject({ action: 'FAIL', reasonCode: 'FAMILY_DECLINED' });
    // Steps without a reason carry no code.
    expect(events.find((e: { action: string }) => e.action === 'ACCEPT').reasonCode).toBeNull();
  });
});

describe('a referral made by mistake (ENTERED_IN_ERROR)', () => {
  it('the sender withdraws it before acceptance: gone from lists, the receiver keeps only the fact, the log keeps the step', async () => {
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    expect(codes(await act(t, SMW, 'ENTER_IN_ERROR', ref))).toContain('BAD_USER_INPUT'); // the receiver may not
    await actOk(t, LZ, 'ENTER_IN_ERROR', ref);
    expect(ref.status).toBe('ENTERED_IN_ERROR');
    expect(await listed(LZ)).not.toContain(ref.id);
    expect(await listed(SMW)).not.toContain(ref.id);
    expect(await listed(LZ, { status: ['ENTERED_IN_ERROR'] })).toContain(ref.id);
    const seen = (await gqlOk(t, SMW, 'query($id: ID!) { referral(id: $id) { status reason pupil { id } } }', { id: ref.id })).referral;
    expect(seen).toEqual({ status: 'ENTERED_IN_ERROR', reason: null, pupil: null });
    const step = (await gqlOk(t, LZ, EVENTS, { id: ref.id })).referral.events.at(-1);
    expect(step).toMatchObject({ action: 'ENTER_IN_ERROR', reasonCode: 'WRONG_PUPIL', reason: 'Verkeerde leerling gekozen' });
    const logged = await t.database.db
      .selectFrom('access_log_records')
      .select(['outcome', 'pupil_id'])
      .where('actor_org_id', '=', 'lz-den-haag')
      .where(sql<boolean>`'Referral.ENTER_IN_ERROR' = any(fields)`)
      .execute();
    expect(logged).toEqual([{ outcome: 'GRANTED', pupil_id: ref.pupilId }]);
  });

  it('once accepted it can no longer be marked a mistake: the refusal names what is allowed', async () => {
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    await actOk(t, SMW, 'ACCEPT', ref);
    const refused = await act(t, LZ, 'ENTER_IN_ERROR', ref);
    expect(codes(refused)).toContain('BAD_USER_INPUT');
    const allowed = refused.errors![0]!.extensions!.allowedActions as string[];
    expect(allowed).toContain('CANCEL');
    expect(allowed).not.toContain('ENTER_IN_ERROR');
  });
});

describe('who acted, as the other party sees it', () => {
  it('its own people by their id, another organisation\'s as a stable pseudonymous staff id', async () => {
    const alice = as('smw-den-haag', 'alice@smw');
    const bob = as('smw-den-haag', 'bob@smw');
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));
    await actOk(t, alice, 'RECEIVE', ref);
    await actOk(t, bob, 'ACCEPT', ref);
    await actOk(t, alice, 'START', ref);
    const byLz = (await gqlOk(t, LZ, EVENTS, { id: ref.id })).referral.events as { action: string; actor: string }[];
    const bySmw = (await gqlOk(t, SMW, EVENTS, { id: ref.id })).referral.events as { action: string; actor: string }[];
    const of = (events: typeof byLz, action: string) => events.find((e) => e.action === action)!.actor;
    expect(of(bySmw, 'RECEIVE')).toBe('alice@smw');
    expect(of(byLz, 'RECEIVE')).toMatch(/^medewerker-[0-9a-f]{12}$/);
    expect(of(byLz, 'START')).toBe(of(byLz, 'RECEIVE'));
    expect(of(byLz, 'ACCEPT')).not.toBe(of(byLz, 'RECEIVE'));
    expect(JSON.stringify(byLz)).not.toContain('@smw');
  });
});
