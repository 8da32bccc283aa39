// The coordinating role (regie) defaults to an organisation every involved party may see.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../src/db/ids.ts';
import type { NewReferral } from '../src/db/tables.ts';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
let pupilId: string;
beforeAll(async () => {
  t = await startTestHub();
  const pupil = await t.database.db
    .selectFrom('pupils')
    .select('id')
    .where('municipality_code', '=', 'GM0518')
    .where('id', 'not in', (eb) => eb.selectFrom('referrals').select('pupil_id'))
    .executeTakeFirstOrThrow();
  pupilId = pupil.id;
  const referral = (sender: string, receiver: string, minutesAgo: number): NewReferral => ({
    id: newId(),
    pupil_id: pupilId,
    sender_org_id: sender,
    receiver_org_id: receiver,
    status: 'ACCEPTED',
    urgency: 'NORMAL',
    reason: 'Zorgen over thuissituatie',
    shared_categories: ['IDENTITY', 'CONTACT'],
    legal_basis: 'JEUGDWET',
    created_at: new Date(DEMO_NOW.getTime() - minutesAgo * 60_000),
    updated_at: new Date(DEMO_NOW.getTime() - minutesAgo * 60_000),
  });
  // Veilig Thuis started first; its involvement is secret to Leerlingzaken and school social work.
  await t.database.db
    .insertInto('referrals')
    .values([referral('veilig-thuis-haaglanden', 'cjg-den-haag', 120), referral('lz-den-haag', 'smw-den-haag', 60)])
    .execute();
});
afterAll(async () => {
  await t.close();
});

const INVOLVEMENT = 'query($id: ID!) { pupil(id: $id) { involvement { organisation { id } coordinating } } }';

it('is held by the earliest sender whose involvement is not secret, visible to all involved', async () => {
  const smw = await t.gql({ org: 'smw-den-haag', role: 'PROFESSIONAL' }, INVOLVEMENT, { id: pupilId });
  expect(smw.body.data.pupil.involvement).toEqual([
    { organisation: { id: 'lz-den-haag' }, coordinating: true },
    { organisation: { id: 'smw-den-haag' }, coordinating: false },
  ]);
  const vt = await t.gql({ org: 'veilig-thuis-haaglanden', role: 'PROFESSIONAL' }, INVOLVEMENT, { id: pupilId });
  const seen = vt.body.data.pupil.involvement as Array<{ organisation: { id: string }; coordinating: boolean }>;
  expect(seen.map((i) => i.organisation.id).sort()).toEqual(['cjg-den-haag', 'lz-den-haag', 'smw-den-haag', 'veilig-thuis-haaglanden']);
  expect(seen.filter((i) => i.coordinating).map((i) => i.organisation.id)).toEqual(['lz-den-haag']);
});
