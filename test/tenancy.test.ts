// Each municipality is its own tenant: Leerlingzaken Den Haag sees no Rijswijk pupil until Rijswijk
// records a dated agreement that Den Haag serves its pupils, and not after it ends; the agreement is
// in the log; each municipality's privacy officer supervises her own municipality's pupils.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, LZ, NO_RATE_LIMITS, type As, type Body } from './helpers/referrals.ts';

const RIJSWIJK_COORD: As = { org: 'lz-rijswijk', role: 'COORDINATOR', subject: 'coordinator@lz-rijswijk' };
const RIJSWIJK_PRO: As = { org: 'lz-rijswijk', role: 'PROFESSIONAL' };
const RIJSWIJK_PO: As = { org: 'lz-rijswijk', role: 'PRIVACY_OFFICER', subject: 'fg@lz-rijswijk' };
const DEN_HAAG_PO: As = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER', subject: 'fg@lz-den-haag' };
const DEN_HAAG_COORD: As = { org: 'lz-den-haag', role: 'COORDINATOR', subject: 'coordinator@lz-den-haag' };

const codes = (body: Body) => (body.errors ?? []).map((error) => error.extensions?.code);
const RECORD = `mutation($input: RecordMunicipalAgreementInput!) {
  recordMunicipalAgreement(input: $input) { id purpose inForce municipality { code } servingOrganisation { id } }
}`;
const END = 'mutation($input: EndMunicipalAgreementInput!) { endMunicipalAgreement(input: $input) { id inForce endedAt } }';
const PUPIL = 'query($id: ID!) { pupil(id: $id) { id familyName } }';
const LOG = `query($filter: AccessLogFilter) { accessLog(filter: $filter, first: 100) {
  totalCount edges { node { action outcome organisation { id } fields } } } }`;

let t: TestHub;
let rijswijkPupil: string;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
  const row = await t.database.db.selectFrom('pupils').select('id').where('municipality_code', '=', 'GM0603').orderBy('id').limit(1).executeTakeFirstOrThrow();
  rijswijkPupil = row.id;
});
afterAll(async () => {
  await t?.close();
});

describe('a municipality is its own tenant', () => {
  it('Leerlingzaken Den Haag does not see a Rijswijk pupil without an agreement; Rijswijk does', async () => {
    expect((await gqlOk(t, LZ, PUPIL, { id: rijswijkPupil })).pupil).toBeNull();
    expect((await gqlOk(t, RIJSWIJK_PRO, PUPIL, { id: rijswijkPupil })).pupil.id).toBe(rijswijkPupil);
  });

  it('only a Leerlingzaken coordinator records an agreement, only with another municipality\'s Leerlingzaken, with a purpose', async () => {
    const input = { servingOrganisationId: 'lz-den-haag', purpose: 'RMC-regio Haaglanden, art. 8 RMC-wet', validFrom: new Date(DEMO_NOW.getTime() - 3600_000).toISOString() };
    expect(codes(await gqlBody(t, RIJSWIJK_PRO, RECORD, { input }))).toContain('FORBIDDEN');
    expect(codes(await gqlBody(t, RIJSWIJK_COORD, RECORD, { input: { ...input, servingOrganisationId: 'school-elsenburg-college' } }))).toContain('BAD_USER_INPUT');
    expect(codes(await gqlBody(t, RIJSWIJK_COORD, RECORD, { input: { ...input, servingOrganisationId: 'lz-rijswijk' } }))).toContain('BAD_USER_INPUT');
    expect(codes(await gqlBody(t, RIJSWIJK_COORD, RECORD, { input: { ...input, purpose: 'kort' } }))).toContain('BAD_USER_INPUT');
    expect(codes(await gqlBody(t, RIJSWIJK_COORD, RECORD, { input: { ...input, validUntil: input.validFrom } }))).toContain('BAD_USER_INPUT');
    // Nothing was recorded by the refusals.
    expect((await gqlOk(t, RIJSWIJK_COORD, '{ municipalAgreements { id } }')).municipalAgreements).toEqual([]);
  });

  it('an agreement lets Den Haag serve Rijswijk\'s pupils while in force, is in the log, and ends at once', async () => {
    const input = { servingOrganisationId: 'lz-den-haag', purpose: 'RMC-regio Haaglanden, art. 8 RMC-wet', validFrom: new Date(DEMO_NOW.getTime() - 3600_000).toISOString() };
    const agreement = (await gqlOk(t, RIJSWIJK_COORD, RECORD, { input })).recordMunicipalAgreement;
    expect(agreement).toMatchObject({ inForce: true, municipality: { code: 'GM0603' }, servingOrganisation: { id: 'lz-den-haag' } });

    // Both sides see it; the pupil is now Den Haag's to serve.
    expect((await gqlOk(t, DEN_HAAG_COORD, '{ municipalAgreements { id } }')).municipalAgreements.map((a: { id: string }) => a.id)).toEqual([agreement.id]);
    expect((await gqlOk(t, LZ, PUPIL, { id: rijswijkPupil })).pupil.id).toBe(rijswijkPupil);

    // Rijswijk's privacy officer supervises her pupil: she finds Den Haag's read and her own agreement.
    const aboutPupil = (await gqlOk(t, RIJSWIJK_PO, LOG, { filter: { pupilId: rijswijkPupil, organisationId: 'lz-den-haag' } })).accessLog;
    expect(aboutPupil.totalCount).toBeGreaterThan(0);
    const own = (await gqlOk(t, RIJSWIJK_PO, LOG, { filter: { organisationId: 'lz-rijswijk', action: 'CREATE' } })).accessLog;
    expect(own.edges.some((edge: { node: { fields: string[] } }) => edge.node.fields.includes('Mutation.recordMunicipalAgreement'))).toBe(true);
    // Den Haag's privacy officer does not supervise Rijswijk's pupils: she sees her own people's reads
    // of that pupil, but nobody else's.
    const denHaagView = (await gqlOk(t, DEN_HAAG_PO, LOG, { filter: { pupilId: rijswijkPupil } })).accessLog;
    expect(denHaagView.edges.every((edge: { node: { organisation: { id: string } } }) => edge.node.organisation.id === 'lz-den-haag')).toBe(true);

    const ended = (await gqlOk(t, RIJSWIJK_COORD, END, { input: { id: agreement.id } })).endMunicipalAgreement;
    expect(ended.inForce).toBe(false);
    expect((await gqlOk(t, LZ, PUPIL, { id: rijswijkPupil })).pupil).toBeNull();
    // Ending twice, or another municipality ending it, changes nothing.
    expect(codes(await gqlBody(t, RIJSWIJK_COORD, END, { input: { id: agreement.id } }))).toContain('BAD_USER_INPUT');
  });

  it('an agreement that starts tomorrow gives nothing today', async () => {
    const tomorrow = new Date(DEMO_NOW.getTime() + 24 * 3600_000).toISOString();
    const agreement = (await gqlOk(t, RIJSWIJK_COORD, RECORD, { input: { servingOrganisationId: 'lz-den-haag', purpose: 'RMC-regio Haaglanden vanaf morgen', validFrom: tomorrow } }))
      .recordMunicipalAgreement;
    expect(agreement.inForce).toBe(false);
    expect((await gqlOk(t, LZ, PUPIL, { id: rijswijkPupil })).pupil).toBeNull();
    expect(codes(await gqlBody(t, DEN_HAAG_COORD, END, { input: { id: agreement.id } }))).toContain('BAD_USER_INPUT');
  });
});
