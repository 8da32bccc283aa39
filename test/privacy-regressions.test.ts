// Privacy regressions, through HTTP as a partner calls the hub: secrecy that reaches derived values
// (a hand-over's outcome and reason, the subject-access exceptions, the coordinating role), tenancy
// of the access log and its verifications, access that ends taking the content with it, small groups
// that stay hidden on every route to the same number, refused break-the-glass attempts as records,
// and the documented FORBIDDEN for notes of a category the caller's links do not cover.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import {
  act,
  actOk,
  CJG,
  createReferral,
  gqlBody,
  gqlOk,
  LZ,
  LZ_TO_SMW,
  newPupil,
  NO_RATE_LIMITS,
  SMW,
  VT,
  type As,
  type Body,
  type RefState,
} from './helpers/referrals.ts';

const VT_ID = 'veilig-thuis-haaglanden';
const VT_NAME = 'Veilig Thuis Haaglanden';
/** Anything that names Veilig Thuis or the Meldcode it works under. */
const NAMES_VT = /veilig-thuis|Veilig Thuis|VEILIG_THUIS|veiligheid-meldcode|Meldcode|Wmo 2015/i;

const LZ_COORD: As = { org: 'lz-den-haag', role: 'COORDINATOR', subject: 'coordinator@lz-den-haag' };
const LZ_PO: As = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER', subject: 'fg@lz-den-haag' };
const RIJSWIJK_PO: As = { org: 'lz-rijswijk', role: 'PRIVACY_OFFICER', subject: 'fg@lz-rijswijk' };
const CJG_PO: As = { org: 'cjg-den-haag', role: 'PRIVACY_OFFICER', subject: 'fg@cjg-den-haag' };
const VT_PO: As = { org: VT_ID, role: 'PRIVACY_OFFICER', subject: 'fg@veilig-thuis-haaglanden' };
const POLICE: As = { org: 'politie-den-haag', role: 'PROFESSIONAL' };
const SCHOOL: As = { org: 'school-dalton-laak', role: 'PROFESSIONAL' };

let t: TestHub;
beforeAll(async () => {
  // Three refusals in an hour are "repeated" here (the default is ten).
  t = await startTestHub({ env: { ...NO_RATE_LIMITS, AUDIT_SIGNAL_REFUSALS_PER_HOUR: '2' } });
});
afterAll(async () => {
  await t?.close();
});

const show = (body: unknown) => JSON.stringify(body);
const errorCodes = (body: Body) => (body.errors ?? []).map((e) => e.extensions?.code);

/** A fresh Den Haag pupil at Daltonschool Laakkwartier, referred by Leerlingzaken to SMW, accepted. */
async function referredToSmw(): Promise<{ pupilId: string; referral: RefState }> {
  const pupil = await newPupil(t);
  const referral = await createReferral(t, LZ, LZ_TO_SMW.input(pupil.id));
  await actOk(t, SMW, 'ACCEPT', referral);
  return { pupilId: pupil.id, referral };
}

/** The highest sequence number in the access log now. */
async function lastSeq(): Promise<number> {
  const row = await t.database.db
    .selectFrom('access_log_records')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirstOrThrow();
  return Number(row.seq ?? 0);
}

// ---- A hand-over, seen from the organisation that referred -------------------------------------------
const HAND_OVER_REASON = 'Vermoeden van kindermishandeling: moeder vertelde over klappen thuis';
const ORIGINAL = `query($id: ID!) { referral(id: $id) {
  status outcome events { action reason } handedOverTo { id }
} }`;
const TIMELINE = `query($id: ID!) { pupil(id: $id) {
  timeline(first: 100) { totalCount edges { node { kind action status text organisation { id name } referral { id } } } }
} }`;
const EXPORT = `mutation($input: ExportSubjectAccessInput!) { exportSubjectAccess(input: $input) { exportId json employeesIncluded exceptionsApplied } }`;

/** LZ → SMW, accepted, then handed over by SMW to `receiverId` with the same reason and terms. */
async function handedOverTo(receiverId: string) {
  const { pupilId, referral } = await referredToSmw();
  const body = await act(t, SMW, 'HAND_OVER', referral, {
    receiverId,
    reason: HAND_OVER_REASON,
    urgency: 'URGENT',
    sharedCategories: ['IDENTITY', 'CONTACT'],
    legalBasis: 'MELDCODE',
  });
  expect(body.errors, show(body)).toBeUndefined();
  return { pupilId, original: referral.id, next: body.data.result.id as string };
}

/** What a referral view says, without ids and timestamps. */
function withoutIds(referral: { status: string; outcome: string | null; events: Array<{ action: string; reason: string | null }>; handedOverTo: Array<{ id: string }> }) {
  return { ...referral, handedOverTo: referral.handedOverTo.map(() => 'a referral') };
}

describe('a hand-over, as the organisation that referred sees it', () => {
  let toVt: Awaited<ReturnType<typeof handedOverTo>>;
  let toCjg: Awaited<ReturnType<typeof handedOverTo>>;
  let withoutVt: { pupilId: string; referral: RefState };
  beforeAll(async () => {
    toVt = await handedOverTo(VT_ID);
    toCjg = await handedOverTo('cjg-den-haag');
    withoutVt = await referredToSmw();
  });

  it('a hand-over to Veilig Thuis shows the sender of the original referral nothing of it (no outcome text, no reason, no Veilig Thuis), while school social work, which wrote it, still reads its reason', async () => {
    const author = (await gqlOk(t, SMW, ORIGINAL, { id: toVt.original })).referral;
    expect(author.events.find((e: { action: string }) => e.action === 'HAND_OVER')).toEqual({ action: 'HAND_OVER', reason: HAND_OVER_REASON });
    expect(author.handedOverTo).toEqual([{ id: toVt.next }]);

    const answer = await gqlBody(t, LZ, ORIGINAL, { id: toVt.original });
    expect(answer.errors, show(answer)).toBeUndefined();
    const text = show(answer);
    expect(text).not.toContain(VT_ID);
    expect(text).not.toContain(VT_NAME);
    expect(text).not.toContain(HAND_OVER_REASON);
    const referral = answer.data.referral;
    expect(referral.status).toBe('COMPLETED');
    expect(referral.outcome).toBeNull();
    const handOver = referral.events.filter((e: { action: string }) => e.action === 'HAND_OVER');
    expect(handOver).toEqual([{ action: 'HAND_OVER', reason: null }]);
    expect(referral.handedOverTo).toEqual([]);
  });

  it("the pupil's timeline shows the sender neither Veilig Thuis nor the hand-over reason", async () => {
    const answer = await gqlBody(t, LZ, TIMELINE, { id: toVt.pupilId });
    expect(answer.errors, show(answer)).toBeUndefined();
    expect(answer.data.pupil.timeline.totalCount).toBeGreaterThan(0);
    const text = show(answer);
    expect(text).not.toContain(VT_ID);
    expect(text).not.toContain(VT_NAME);
    expect(text).not.toContain(HAND_OVER_REASON);
  });

  it('the sender sees its original referral exactly alike whether it was handed over to Veilig Thuis or to the CJG', async () => {
    const vtView = (await gqlOk(t, LZ, ORIGINAL, { id: toVt.original })).referral;
    const cjgView = (await gqlOk(t, LZ, ORIGINAL, { id: toCjg.original })).referral;
    expect(withoutIds(vtView)).toEqual(withoutIds(cjgView));
  });

  it('the subject-access export does not tell the coordinator that Veilig Thuis is involved: the same exceptions as without it, nothing naming it', async () => {
    const exported = async (pupilId: string) => {
      const body = await gqlBody(t, LZ_COORD, EXPORT, { input: { pupilId } });
      expect(body.errors, show(body)).toBeUndefined();
      return body.data.exportSubjectAccess as { json: string; exceptionsApplied: string[] };
    };
    const plain = await exported(withoutVt.pupilId);
    expect(plain.exceptionsApplied).toEqual([]);
    const secret = await exported(toVt.pupilId);
    expect(secret.exceptionsApplied).toEqual(plain.exceptionsApplied);
    const whole = show(secret);
    expect(whole).not.toMatch(NAMES_VT);
    expect(whole).not.toContain(HAND_OVER_REASON);
    // The family's data held by Veilig Thuis stays out while its investigation runs.
    const json = JSON.parse(secret.json);
    expect(json.referrals.map((r: { id: string }) => r.id)).toEqual([toVt.original]);
    expect(json.organisations.map((o: { id: string }) => o.id)).not.toContain(VT_ID);
    expect(whole).not.toContain(toVt.next);
  });
});

// ---- Tenancy of the access log ------------------------------------------------------------------------
const LOG = `query($filter: AccessLogFilter, $employees: Boolean, $after: String) {
  accessLog(filter: $filter, first: 100, after: $after, includeEmployees: $employees) {
    totalCount edges { node { seq action outcome organisation { id } actorSubject pupilId } } pageInfo { hasNextPage endCursor }
  }
}`;

async function logAs(who: As, filter: Record<string, unknown>, employees = false) {
  const nodes: Array<{ seq: string; action: string; outcome: string; organisation: { id: string }; actorSubject: string | null; pupilId: string | null }> = [];
  let after: string | null = null;
  let totalCount = 0;
  for (let page = 0; page < 50; page++) {
    const body = await gqlBody(t, who, LOG, { filter, employees, after });
    expect(body.errors, show(body)).toBeUndefined();
    totalCount = body.data.accessLog.totalCount;
    nodes.push(...body.data.accessLog.edges.map((e: { node: (typeof nodes)[number] }) => e.node));
    if (!body.data.accessLog.pageInfo.hasNextPage) break;
    after = body.data.accessLog.pageInfo.endCursor;
  }
  return { totalCount, nodes };
}

async function municipalitiesOf(pupilIds: string[]): Promise<Map<string, string>> {
  if (pupilIds.length === 0) return new Map();
  const rows = await t.database.db.selectFrom('pupils').select(['id', 'municipality_code']).where('id', 'in', [...new Set(pupilIds)]).execute();
  return new Map(rows.map((r) => [r.id, r.municipality_code]));
}

describe("each municipality's privacy officer reads its own municipality's log", () => {
  let denHaagPupil: string;
  beforeAll(async () => {
    // Veilig Thuis and a school read a Den Haag pupil; Leerlingzaken Den Haag reads its pupils.
    const { pupilId, referral } = await referredToSmw();
    denHaagPupil = pupilId;
    const vt = await createReferral(t, SMW, {
      pupilId,
      receiverId: VT_ID,
      reason: 'Zorgen over de veiligheid thuis',
      urgency: 'URGENT',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'MELDCODE',
    });
    await actOk(t, VT, 'ACCEPT', vt);
    await gqlOk(t, VT, 'query($id: ID!) { pupil(id: $id) { familyName phone } }', { id: pupilId });
    await gqlOk(t, SCHOOL, 'query($id: ID!) { pupil(id: $id) { familyName grade } }', { id: pupilId });
    await gqlOk(t, LZ, 'query($id: ID!, $r: ID!) { pupil(id: $id) { familyName bsn } referral(id: $r) { status } }', { id: pupilId, r: referral.id });
  });

  it("Den Haag's privacy officer finds what Veilig Thuis and a school did with a Den Haag pupil; Rijswijk's, filtering on Veilig Thuis with employee names, gets no record about a pupil outside Rijswijk", async () => {
    for (const org of [VT_ID, SCHOOL.org]) {
      const own = await logAs(LZ_PO, { organisationId: org, pupilId: denHaagPupil });
      expect(own.nodes.length, org).toBeGreaterThan(0);
      for (const node of own.nodes) expect(node.organisation.id, org).toBe(org);
    }

    const { nodes } = await logAs(RIJSWIJK_PO, { organisationId: VT_ID }, true);
    const municipality = await municipalitiesOf(nodes.flatMap((n) => (n.pupilId ? [n.pupilId] : [])));
    const outside = nodes.filter((n) => n.pupilId && municipality.get(n.pupilId) !== 'GM0603');
    expect(outside.map((n) => `${n.seq} ${n.actorSubject} ${n.pupilId}`)).toEqual([]);
    expect(nodes.map((n) => n.pupilId)).not.toContain(denHaagPupil);
  });

  it("Rijswijk's privacy officer, filtering on Leerlingzaken Den Haag, gets no record at all", async () => {
    const answer = await logAs(RIJSWIJK_PO, { organisationId: 'lz-den-haag' }, true);
    expect(answer.totalCount).toBe(0);
    expect(answer.nodes).toEqual([]);
  });
});

// ---- Access verifications --------------------------------------------------------------------------
describe('verifications of the access log belong to the organisation that started them', () => {
  const REASON = 'Steekproef Den Haag: vermoeden van onrechtmatige inzage door een medewerker';
  const LIST = '{ accessLogVerifications(first: 50) { id status reason organisation { id } } }';
  let started: string;
  beforeAll(async () => {
    const body = await gqlBody(t, LZ_PO, 'mutation($input: VerifyAccessLogInput!) { verifyAccessLog(input: $input) { id } }', { input: { reason: REASON } });
    expect(body.errors, show(body)).toBeUndefined();
    started = body.data.verifyAccessLog.id;
    // Let it finish, so nothing runs in the background while the other tests go on.
    for (let i = 0; i < 200; i++) {
      const list = (await gqlOk(t, LZ_PO, LIST)).accessLogVerifications as Array<{ id: string; status: string }>;
      if (list.find((v) => v.id === started)?.status !== 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it.each([
    ['the CJG', CJG_PO],
    ['Veilig Thuis', VT_PO],
    ['Leerlingzaken Rijswijk', RIJSWIJK_PO],
  ])("the privacy officer of %s does not see Den Haag's verification nor its reason; Den Haag's does", async (_name, who) => {
    const own = (await gqlOk(t, LZ_PO, LIST)).accessLogVerifications;
    expect(own).toContainEqual(expect.objectContaining({ id: started, reason: REASON, organisation: { id: 'lz-den-haag' } }));

    const body = await gqlBody(t, who, LIST);
    expect(body.errors, show(body)).toBeUndefined();
    const list = body.data.accessLogVerifications as Array<{ id: string; organisation: { id: string } }>;
    expect(list.map((v) => v.id)).not.toContain(started);
    expect(list.filter((v) => v.organisation.id !== who.org)).toEqual([]);
    expect(show(body)).not.toContain(REASON);
  });
});

// ---- The coordinating role and secret involvement ---------------------------------------------------
const INVOLVEMENT = 'query($id: ID!) { pupil(id: $id) { involvement { organisation { id } coordinating } } }';
const PROPOSE = 'mutation($input: ProposeCoordinationInput!) { proposeCoordinationTransfer(input: $input) { id status to { id } } }';
const RESPOND = 'mutation($input: RespondToCoordinationInput!) { respondToCoordinationTransfer(input: $input) { id status } }';

describe('the coordinating role never passes to an organisation whose involvement is secret', () => {
  it.each([
    ['Veilig Thuis', VT_ID, 'MELDCODE'],
    ['the crisis team', 'jbw-crisisteam', 'JEUGDWET'],
    ['the police', 'politie-den-haag', 'POLITIEWET'],
  ])('school social work cannot hand the coordinating role to %s; Leerlingzaken still sees one coordinator', async (_name, secretOrg, legalBasis) => {
    const secret: As = { org: secretOrg, role: 'PROFESSIONAL' };
    // Leerlingzaken refers to SMW and hands it the coordinating role; SMW then refers to the secret partner.
    const { pupilId } = await referredToSmw();
    const toSmw = (await gqlOk(t, LZ, PROPOSE, { input: { pupilId, toOrganisationId: 'smw-den-haag' } })).proposeCoordinationTransfer;
    await gqlOk(t, SMW, RESPOND, { input: { transferId: toSmw.id, accept: true } });
    const referral = await createReferral(t, SMW, {
      pupilId,
      receiverId: secretOrg,
      reason: 'Zorgen over de veiligheid van het kind',
      urgency: 'URGENT',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis,
    });
    await actOk(t, secret, 'ACCEPT', referral);
    const coordinators = async (who: As) =>
      ((await gqlOk(t, who, INVOLVEMENT, { id: pupilId })).pupil.involvement as Array<{ organisation: { id: string }; coordinating: boolean }>)
        .filter((i) => i.coordinating)
        .map((i) => i.organisation.id);
    expect(await coordinators(LZ)).toEqual(['smw-den-haag']);

    const proposal = await gqlBody(t, SMW, PROPOSE, { input: { pupilId, toOrganisationId: secretOrg } });
    // Were it made, the secret partner would accept it, as the flow goes.
    const made = proposal.data?.proposeCoordinationTransfer?.id as string | undefined;
    if (made) await gqlBody(t, secret, RESPOND, { input: { transferId: made, accept: true } });

    expect(errorCodes(proposal), show(proposal)).toHaveLength(1);
    expect(['BAD_USER_INPUT', 'FORBIDDEN'], show(proposal)).toContain(errorCodes(proposal)[0]);
    expect(proposal.errors?.[0]?.message, show(proposal)).toBeTruthy();
    expect(proposal.data?.proposeCoordinationTransfer ?? null).toBeNull();
    const transfers = await t.database.db.selectFrom('coordination_transfers').select('to_org_id').where('pupil_id', '=', pupilId).execute();
    expect(transfers.map((r) => r.to_org_id)).toEqual(['smw-den-haag']);
    expect(await coordinators(LZ)).toEqual(['smw-den-haag']);
    expect(await coordinators(SMW)).toEqual(['smw-den-haag']);
  });
});

// ---- Access ends, content ends ---------------------------------------------------------------------
const READ_REFERRAL = 'query($id: ID!) { referral(id: $id) { id status reason } }';
const NOTES = 'query($id: ID!) { pupil(id: $id) { notes(categories: [CONTACT], first: 100) { edges { node { id body } } } } }';

/** Records of `org` reading REFERRAL data of `pupilId` with outcome GRANTED, after `seq`. */
async function grantedReferralReads(org: string, pupilId: string, afterSeq: number) {
  const rows = await t.database.db
    .selectFrom('access_log_records')
    .select(['seq', 'action', 'categories', 'fields'])
    .where('actor_org_id', '=', org)
    .where('pupil_id', '=', pupilId)
    .where('outcome', '=', 'GRANTED')
    .where('seq', '>', afterSeq)
    .execute();
  return rows.filter((r) => r.categories.includes('REFERRAL'));
}

/** The receiver's view of an ended referral: status yes, reason no (null, or refused on that field alone). */
function expectStatusWithoutReason(body: Body, id: string, status: string, reason: string) {
  expect(body.data?.referral, show(body)).toMatchObject({ id, status, reason: null });
  for (const error of body.errors ?? []) {
    expect(error.extensions?.code, show(body)).toBe('FORBIDDEN');
    expect((error as { path?: unknown[] }).path, show(body)).toEqual(['referral', 'reason']);
  }
  expect(show(body)).not.toContain(reason);
}

describe('when access ends, the content ends with it', () => {
  it('after consent is revoked, the CJG reads the status of the referral but not its reason, nor the notes written in it', async () => {
    const { pupilId } = await referredToSmw();
    const reason = 'Moeder wil opvoedondersteuning; vader weet hier niet van';
    const noteText = 'SMW aan CJG: afspraak met moeder buiten de woning gemaakt';
    const consented = await createReferral(t, SMW, {
      pupilId,
      receiverId: 'cjg-den-haag',
      reason,
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'CONSENT',
      consent: { givenBy: 'moeder', validFrom: '2026-03-01', validUntil: '2026-12-31' },
    });
    await actOk(t, CJG, 'ACCEPT', consented);
    // A second link of the CJG to the pupil, which stays: the pupil stays visible to it.
    const statutory = await createReferral(t, SMW, {
      pupilId,
      receiverId: 'cjg-den-haag',
      reason: 'Jeugdhulp in het gezin',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'JEUGDWET',
    });
    await actOk(t, CJG, 'ACCEPT', statutory);
    await gqlOk(t, SMW, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', {
      input: { pupilId, referralId: consented.id, category: 'CONTACT', body: noteText },
    });
    // While consent holds, the CJG reads both (control).
    expect((await gqlOk(t, CJG, READ_REFERRAL, { id: consented.id })).referral.reason).toBe(reason);
    expect(show(await gqlOk(t, CJG, NOTES, { id: pupilId }))).toContain(noteText);

    await actOk(t, SMW, 'REVOKE_CONSENT', consented);
    const mark = await lastSeq();
    const body = await gqlBody(t, CJG, READ_REFERRAL, { id: consented.id });
    expectStatusWithoutReason(body, consented.id, consented.status, reason);
    expect(await grantedReferralReads('cjg-den-haag', pupilId, mark)).toEqual([]);
    const notes = await gqlBody(t, CJG, NOTES, { id: pupilId });
    expect(notes.data?.pupil, show(notes)).not.toBeNull();
    expect(show(notes)).not.toContain(noteText);
  });

  it('after the referral is cancelled, the police reads that it was cancelled but not its reason, nor the notes written in it', async () => {
    const pupil = await newPupil(t);
    const reason = 'Broer betrokken bij straatroof; zorgen om de leerling';
    const noteText = 'LZ aan politie: gezin woont tijdelijk bij de oma';
    const cancelled = await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'politie-den-haag',
      reason,
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'POLITIEWET',
    });
    await actOk(t, POLICE, 'RECEIVE', cancelled);
    // A second, open link of the police to the pupil: the pupil stays visible to it.
    await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'politie-den-haag',
      reason: 'Wijkagent gevraagd mee te gaan bij huisbezoek',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'POLITIEWET',
    });
    await gqlOk(t, LZ, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', {
      input: { pupilId: pupil.id, referralId: cancelled.id, category: 'CONTACT', body: noteText },
    });
    expect((await gqlOk(t, POLICE, READ_REFERRAL, { id: cancelled.id })).referral.reason).toBe(reason);
    expect(show(await gqlOk(t, POLICE, NOTES, { id: pupil.id }))).toContain(noteText);

    await actOk(t, LZ, 'CANCEL', cancelled);
    expect(cancelled.status).toBe('CANCELLED');
    const mark = await lastSeq();
    const body = await gqlBody(t, POLICE, READ_REFERRAL, { id: cancelled.id });
    expectStatusWithoutReason(body, cancelled.id, 'CANCELLED', reason);
    expect(await grantedReferralReads('politie-den-haag', pupil.id, mark)).toEqual([]);
    const notes = await gqlBody(t, POLICE, NOTES, { id: pupil.id });
    expect(notes.data?.pupil, show(notes)).not.toBeNull();
    expect(show(notes)).not.toContain(noteText);
  });
});

// ---- Small groups ----------------------------------------------------------------------------------
describe('a count the overview hides stays hidden in the list of cases', () => {
  const COORD: As = { org: 'lz-den-haag', role: 'COORDINATOR' };
  const OVERVIEW = '{ outOfViewOverview(groupBy: SCHOOL) { rows { school { id } reported backInView stillOutOfView smallGroupsHidden } } }';
  const CASES = `query($filter: OutOfViewCaseFilter, $after: String) {
    outOfViewCases(first: 100, after: $after, filter: $filter) { totalCount edges { node { id visibility } } pageInfo { hasNextPage endCursor } }
  }`;

  it("for every school whose count Den Haag's overview hides, outOfViewCases reveals neither the existence-only rows nor the hidden total", async () => {
    const rows = (await gqlOk(t, COORD, OVERVIEW)).outOfViewOverview.rows as Array<{ school: { id: string }; reported: number | null; smallGroupsHidden: boolean }>;
    const hidden = rows.filter((row) => row.smallGroupsHidden || row.reported === null).map((row) => row.school.id);
    // The demo region has such a school (Den Haag's Leerlingzaken may not see a few Rijswijk pupils it reported).
    expect(hidden.length).toBeGreaterThanOrEqual(1);
    for (const schoolId of hidden) {
      const listed: Array<{ id: string; visibility: string }> = [];
      let totalCount = 0;
      let after: string | null = null;
      for (let page = 0; page < 20; page++) {
        const data: any = (await gqlOk(t, COORD, CASES, { filter: { reportingSchoolId: schoolId }, after })).outOfViewCases;
        totalCount = data.totalCount;
        listed.push(...data.edges.map((e: { node: { id: string; visibility: string } }) => e.node));
        if (!data.pageInfo.hasNextPage) break;
        after = data.pageInfo.endCursor;
      }
      const existenceOnly = listed.filter((node) => node.visibility === 'EXISTENCE_ONLY');
      expect(existenceOnly.map((node) => node.id), schoolId).toEqual([]);
      expect(totalCount, schoolId).toBe(listed.filter((node) => node.visibility === 'FULL').length);
    }
  });
});

// ---- Refused break-the-glass attempts ----------------------------------------------------------------
describe('a refused emergency access is a record', () => {
  const CAROL: As = { org: 'lz-den-haag', role: 'PROFESSIONAL', subject: 'carol@lz-den-haag' };
  const OPEN = 'mutation($input: OpenEmergencyAccessInput!) { openEmergencyAccess(input: $input) { id } }';
  const REASON = 'Melding crisisdienst: kind mogelijk onveilig, school onbereikbaar';

  it('an empty reason, a short reason and 25 hours are refused, each written to the log as REFUSED for that person, and together they raise REPEATED_REFUSALS', async () => {
    const pupil = await t.database.db.selectFrom('pupils').select('id').where('municipality_code', '=', 'GM0603').orderBy('id').executeTakeFirstOrThrow();
    for (const input of [
      { pupilId: pupil.id, reason: '' },
      { pupilId: pupil.id, reason: 'kort' },
      { pupilId: pupil.id, reason: REASON, hours: 25 },
    ]) {
      const body = await gqlBody(t, CAROL, OPEN, { input });
      expect(errorCodes(body), show(input)).toEqual(['BAD_USER_INPUT']);
      expect(body.data?.openEmergencyAccess ?? null).toBeNull();
    }
    const opened = await t.database.db.selectFrom('emergency_accesses').select('id').where('actor_subject', '=', CAROL.subject!).execute();
    expect(opened).toEqual([]);

    // Her organisation's privacy officer finds each attempt.
    const refused = await logAs(LZ_PO, { actorSubject: CAROL.subject, outcome: 'REFUSED' });
    expect(refused.nodes.map((n) => ({ action: n.action, outcome: n.outcome, organisation: n.organisation.id, actorSubject: n.actorSubject }))).toEqual(
      Array.from({ length: 3 }, () => ({ action: 'EMERGENCY', outcome: 'REFUSED', organisation: 'lz-den-haag', actorSubject: CAROL.subject })),
    );

    const from = new Date(t.clock.now.getTime() - 3600_000).toISOString();
    const to = new Date(t.clock.now.getTime() + 3600_000).toISOString();
    const signals = (await gqlOk(t, LZ_PO, 'query($from: DateTime!, $to: DateTime!) { accessLogSignals(from: $from, to: $to) { kind actorSubject count } }', { from, to }))
      .accessLogSignals as Array<{ kind: string; actorSubject: string; count: number }>;
    expect(signals).toContainEqual({ kind: 'REPEATED_REFUSALS', actorSubject: CAROL.subject, count: 3 });
  });
});

// ---- The contract of notes(categories:) ----------------------------------------------------------------
describe('notes of a category the links to the pupil do not cover', () => {
  it("a CJG linked without CARE asking for CARE notes gets its own CARE notes only, never another partner's (as the schema documents)", async () => {
    const pupil = await newPupil(t);
    await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'cjg-den-haag',
      reason: 'Opvoedvragen bij de ouders',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'JEUGDWET',
    });
    const toSmw = await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'smw-den-haag',
      reason: 'Zorgen over het welzijn',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'JEUGDWET',
    });
    await actOk(t, SMW, 'ACCEPT', toSmw);
    const theirs = 'Zorgnotitie van het schoolmaatschappelijk werk';
    const ours = 'Eigen zorgnotitie van het CJG';
    await gqlOk(t, SMW, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', { input: { pupilId: pupil.id, category: 'CARE', body: theirs } });
    await gqlOk(t, CJG, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', { input: { pupilId: pupil.id, category: 'CARE', body: ours } });
    const seen = (await gqlOk(t, CJG, 'query($id: ID!) { pupil(id: $id) { visibleCategories } }', { id: pupil.id })).pupil;
    expect(seen.visibleCategories).not.toContain('CARE');
    const notes = (await gqlOk(t, CJG, 'query($id: ID!) { pupil(id: $id) { notes(categories: [CARE]) { totalCount edges { node { body } } } } }', { id: pupil.id })).pupil.notes;
    expect(notes.totalCount).toBe(1);
    expect(notes.edges.map((edge: { node: { body: string } }) => edge.node.body)).toEqual([ours]);
    // A category the CJG's kind may never read (SAFETY) is refused before anything runs.
    const refused = await gqlBody(t, CJG, 'query($id: ID!) { pupil(id: $id) { notes(categories: [SAFETY]) { totalCount } } }', { id: pupil.id });
    expect(errorCodes(refused), show(refused)).toContain('FORBIDDEN');
  });
});
