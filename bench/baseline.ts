// The benchmark's unguarded baseline, built here and injected into the hub: a gateway whose queries
// carry no row filter, every category readable, no derived-value rules. The hub itself has no such
// mode in its policy or request context; it only accepts a baseline gateway through
// assembleHub({ baseline }) and refuses one in production. What the comparison then measures is
// the price of the policy: row filters, the category guard and the access log.
import { DATA_CATEGORIES } from '../src/policy/vocabulary.ts';
import type { DataGateway, InvolvementFacts } from '../src/policy/gateway.ts';
import type { GatewayFactory } from '../src/graphql/context.ts';

export const unguardedGateway: GatewayFactory = (db, actor, now) => {
  const gateway: DataGateway = {
    actor,
    now,
    in: (trx) => unguardedGateway(trx, actor, now),
    pupils: (_covering, among) => (among ? db.selectFrom('pupils').where('pupils.id', 'in', [...among]) : db.selectFrom('pupils')),
    tenantPupils: () => db.selectFrom('pupils'),
    guardians: () => db.selectFrom('guardians'),
    referrals: () => db.selectFrom('referrals'),
    referralEvents: () => db.selectFrom('referral_events').innerJoin('referrals', 'referrals.id', 'referral_events.referral_id'),
    notes: () => db.selectFrom('notes'),
    contactAttempts: () => db.selectFrom('contact_attempts'),
    outOfViewCases: () => db.selectFrom('out_of_view_cases').innerJoin('pupils', 'pupils.id', 'out_of_view_cases.pupil_id'),
    outOfViewReports: (caseIds) =>
      caseIds ? db.selectFrom('out_of_view_reports').where('out_of_view_reports.case_id', 'in', [...caseIds]) : db.selectFrom('out_of_view_reports'),
    pupilCorrections: () => db.selectFrom('pupil_corrections'),
    emergencyCandidates: () => db.selectFrom('pupils'),
    ownEmergencyAccesses: () => db.selectFrom('emergency_accesses'),
    reviewableEmergencyAccesses: () => db.selectFrom('emergency_accesses'),
    involvement: async (): Promise<InvolvementFacts> => ({ since: new Map(), coordinator: null }),
    coordinationTransfers: () => db.selectFrom('coordination_transfers'),
    municipalAgreements: () => db.selectFrom('municipal_agreements'),
    accessLog: () => db.selectFrom('access_log_records'),
    accessLogVerifications: () => db.selectFrom('access_log_verifications'),
    pupilAccess: async (pupils) => pupils.map(() => ({ categories: new Set(DATA_CATEGORIES), emergency: false })),
  };
  return gateway;
};
