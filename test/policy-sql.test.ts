// The policy's SQL: the committed snapshots in src/policy/sql/ are what the code compiles to, and
// each TypeScript twin of a row filter answers as its SQL twin does on random rows (fast-check),
// evaluated by the same database engine the suite runs on (PGlite, or PostgreSQL with DATABASE_URL).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/auth/actor.ts';
import { referralLinksActor } from '../src/policy/access.ts';
import { referralLinks, type ReferralLinkFacts } from '../src/policy/policy.ts';
import { allPolicySql } from '../src/policy/sql-snapshots.ts';
import { isOverdue, overdueReferrals } from '../src/referrals/service.ts';
import { LEGAL_BASES, REFERRAL_STATUSES } from '../src/policy/vocabulary.ts';
import type { ReferralRow } from '../src/db/tables.ts';
import { openTestDatabase, type TestDatabase } from './helpers/hub.ts';

describe('committed SQL of the policy', () => {
  it('src/policy/sql/ holds exactly what the gateway compiles to for every kind and role (npm run policy:sql -- --write)', () => {
    const files = allPolicySql();
    expect(files.size).toBeGreaterThanOrEqual(20);
    for (const [name, text] of files) expect(readFileSync(new URL(`../src/policy/sql/${name}`, import.meta.url), 'utf8'), name).toBe(text);
  });

  it('a school sees pupils by enrolment and never by municipality; Leerlingzaken by municipality and agreement', () => {
    const files = allPolicySql();
    expect(files.get('SCHOOL.PROFESSIONAL.sql')).toContain('"pupils"."school_id" = $1');
    expect(files.get('SCHOOL.PROFESSIONAL.sql')).not.toContain('municipality_code');
    expect(files.get('LEERLINGZAKEN.PROFESSIONAL.sql')).toContain('"municipal_agreements"');
    // A privacy officer reads no case data: no pupil passes her filter.
    expect(files.get('CJG.PRIVACY_OFFICER.sql')).toMatch(/-- pupils the caller may see[\s\S]*?where false/);
  });
});

const NOW = new Date('2026-03-16T10:00:00.000Z');
const actor: Actor = {
  subject: 'p',
  issuer: 'i',
  organisationId: 'org-a',
  organisationKind: 'CJG',
  municipalityCode: 'GM0518',
  role: 'PROFESSIONAL',
  purpose: null,
  onBehalfOf: null,
};

// Dates around the moments that matter: now, the retention cutoff (90 days), consent days.
const DAY = 24 * 3600_000;
const moment = fc.integer({ min: -200, max: 30 }).chain((days) => fc.integer({ min: -2, max: 2 }).map((hours) => new Date(NOW.getTime() + days * DAY + hours * 3600_000)));
const day = moment.map((date) => date.toISOString().slice(0, 10));

const linkFacts: fc.Arbitrary<ReferralLinkFacts & { party: string }> = fc.record({
  status: fc.constantFrom(...REFERRAL_STATUSES),
  closed_at: fc.option(moment, { nil: null }),
  shared_categories: fc.constant([]),
  legal_basis: fc.constantFrom(...LEGAL_BASES),
  consent_valid_from: fc.option(day, { nil: null }),
  consent_valid_until: fc.option(day, { nil: null }),
  consent_revoked_at: fc.option(moment, { nil: null }),
  party: fc.constantFrom('org-a', 'org-b'),
});

let test: TestDatabase;
beforeAll(async () => {
  test = await openTestDatabase();
});
afterAll(() => test.drop());

describe('TypeScript twins answer as their SQL twins (property tests on the database engine)', () => {
  it('referralLinks (TS) and referralLinksActor (SQL) agree on whether a referral links its party now', async () => {
    await fc.assert(
      fc.asyncProperty(linkFacts, async (facts) => {
        const row = sql`(select ${facts.party}::text as sender_org_id, 'org-z'::text as receiver_org_id, ${facts.status}::text as status,
          ${facts.closed_at}::timestamptz as closed_at, ${facts.legal_basis}::text as legal_basis,
          ${facts.consent_valid_from}::date as consent_valid_from, ${facts.consent_valid_until}::date as consent_valid_until,
          ${facts.consent_revoked_at}::timestamptz as consent_revoked_at, ${[]}::text[] as shared_categories)`;
        const answer = await test.database.db
          .selectFrom(row.as('link') as never)
          .select((eb) => sql<boolean>`${referralLinksActor(eb, 'link', actor, NOW)}`.as('links'))
          .executeTakeFirstOrThrow();
        expect(Boolean((answer as { links: boolean }).links)).toBe(facts.party === 'org-a' && referralLinks(facts, NOW));
      }),
      { numRuns: 150 },
    );
  });

  it('isOverdue (TS) and overdueReferrals (SQL) agree, and NOT of the SQL is exactly "not overdue" (no NULL)', async () => {
    const facts = fc.record({
      status: fc.constantFrom(...REFERRAL_STATUSES),
      receive_due_at: fc.option(moment, { nil: null }),
      response_due_at: fc.option(moment, { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(facts, async (f) => {
        const row = sql`(select ${f.status}::text as status, ${f.receive_due_at}::timestamptz as receive_due_at, ${f.response_due_at}::timestamptz as response_due_at)`;
        const answer = (await test.database.db
          .selectFrom(row.as('r') as never)
          .select((eb) => [sql<boolean>`${overdueReferrals('r', NOW)(eb)}`.as('overdue'), sql<boolean>`${eb.not(overdueReferrals('r', NOW)(eb))}`.as('not_overdue')])
          .executeTakeFirstOrThrow()) as { overdue: boolean | null; not_overdue: boolean | null };
        const expected = isOverdue(f as unknown as ReferralRow, NOW);
        expect(answer.overdue).toBe(expected);
        expect(answer.not_overdue).toBe(!expected);
      }),
      { numRuns: 150 },
    );
  });
});
