// Unit tests of the policy's pure rules (the generated tables in docs/ are checked in docs.test.ts).
import { describe, expect, it } from 'vitest';
import {
  categoriesThroughReferral,
  dutchDate,
  mayPerform,
  readableCategories,
  referralLinks,
  roleExistsForKind,
  type ReferralLinkFacts,
} from '../src/policy/policy.ts';
import type { ReferralStatus } from '../src/policy/vocabulary.ts';

const NOW = new Date('2026-03-16T09:00:00Z');
const DAY = 24 * 3600 * 1000;
const open: ReferralLinkFacts = {
  status: 'ACCEPTED',
  closed_at: null,
  shared_categories: ['IDENTITY', 'CARE'],
  legal_basis: 'JEUGDWET',
  consent_valid_from: null,
  consent_valid_until: null,
  consent_revoked_at: null,
};

describe('referralLinks', () => {
  it.each<ReferralStatus>(['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'])('links while %s', (status) => {
    expect(referralLinks({ ...open, status }, NOW)).toBe(true);
  });

  it.each<ReferralStatus>(['REJECTED', 'CANCELLED'])('ends at once when %s', (status) => {
    expect(referralLinks({ ...open, status, closed_at: NOW }, NOW)).toBe(false);
  });

  it.each<ReferralStatus>(['COMPLETED', 'FAILED'])('keeps linking for 90 days after %s, then stops', (status) => {
    expect(referralLinks({ ...open, status, closed_at: new Date(NOW.getTime() - 90 * DAY + 1000) }, NOW)).toBe(true);
    expect(referralLinks({ ...open, status, closed_at: new Date(NOW.getTime() - 90 * DAY - 1000) }, NOW)).toBe(false);
  });

  it('follows consent from its first day through its last, until revoked', () => {
    const consent: ReferralLinkFacts = { ...open, legal_basis: 'CONSENT', consent_valid_from: '2026-03-16', consent_valid_until: '2026-04-30' };
    expect(referralLinks(consent, NOW)).toBe(true);
    expect(referralLinks({ ...consent, consent_valid_from: '2026-03-17' }, NOW)).toBe(false);
    expect(referralLinks({ ...consent, consent_valid_until: '2026-03-15' }, NOW)).toBe(false);
    expect(referralLinks({ ...consent, consent_valid_until: '2026-03-16' }, NOW)).toBe(true);
    expect(referralLinks({ ...consent, consent_valid_until: null }, NOW)).toBe(true);
    expect(referralLinks({ ...consent, consent_revoked_at: NOW }, NOW)).toBe(false);
  });

  it('counts consent dates in Dutch time', () => {
    // 23:30 UTC on 15 March is already 16 March in the Netherlands.
    expect(dutchDate(new Date('2026-03-15T23:30:00Z'))).toBe('2026-03-16');
  });
});

describe('categories', () => {
  it('gives a referral party only what the referral shares and its kind may read, plus the referral itself', () => {
    expect(categoriesThroughReferral('CJG', 'PROFESSIONAL', { shared_categories: ['IDENTITY', 'BSN', 'CARE', 'SAFETY'] })).toEqual([
      'IDENTITY',
      'REFERRAL',
      'CARE',
    ]);
  });

  it('gives privacy officers no case data', () => {
    expect(readableCategories('LEERLINGZAKEN', 'PRIVACY_OFFICER')).toEqual([]);
    expect(categoriesThroughReferral('VEILIG_THUIS', 'PRIVACY_OFFICER', { shared_categories: ['IDENTITY', 'SAFETY'] })).toEqual([]);
  });

  it('knows which roles exist and who may break the glass', () => {
    expect(roleExistsForKind('SCHOOL', 'PRIVACY_OFFICER')).toBe(false);
    expect(mayPerform('CRISIS_TEAM', 'PROFESSIONAL', 'openEmergencyAccess')).toBe(true);
    expect(mayPerform('CJG', 'PROFESSIONAL', 'openEmergencyAccess')).toBe(false);
    expect(mayPerform('LEERLINGZAKEN', 'PRIVACY_OFFICER', 'openEmergencyAccess')).toBe(false);
    expect(mayPerform('SCHOOL', 'PRIVACY_OFFICER', 'reviewEmergencyAccess')).toBe(false);
    expect(mayPerform('POLICE', 'PRIVACY_OFFICER', 'reviewEmergencyAccess')).toBe(true);
  });
});
