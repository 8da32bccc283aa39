// Fixtures for the retention tests: pupils with closed (or open) cases and referrals inserted
// directly, so every test controls closed_at to the second, plus everything else a pupil's file can
// hold (guardians, loose notes and attempts, emergency accesses, corrections, coordination, ...).
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../../src/db/tables.ts';
import type { CaseOutcome, DataCategory, LegalBasis, ReferralStatus } from '../../src/policy/vocabulary.ts';
import { openPGlite } from '../../src/db/database.ts';
import type { TestHub } from './hub.ts';

export const SECOND = 1000;
export const DAY = 24 * 3600 * SECOND;
export const at = (iso: string) => new Date(iso);
export const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

/** `years` calendar years after `date`, written out independently of the engine's addYears. */
export function yearsAfter(date: Date, years: number): Date {
  const d = new Date(date);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

let counter = 0;
// BSNs '7' + 8 digits: the demo uses 9999…, the policy fixtures 8…; unique within a file's database.
const bsnBase = 10_000_000 + Math.floor(Math.random() * 50_000_000);

export interface RetentionPupil {
  id: string;
  familyName: string;
  bsn: string;
}

export async function insertPupil(db: Kysely<Tables>, spec: { municipality?: string; schoolId?: string } = {}): Promise<RetentionPupil> {
  const n = ++counter;
  const pupil = { id: randomUUID(), familyName: `Vergeetmij${randomBytes(5).toString('hex')}`, bsn: `7${String(bsnBase + n).padStart(8, '0')}` };
  await db
    .insertInto('pupils')
    .values({
      id: pupil.id,
      given_name: `Bewaar${n}`,
      family_name_prefix: 'van',
      family_name: pupil.familyName,
      date_of_birth: '2008-04-12',
      municipality_code: spec.municipality ?? 'GM0518',
      bsn: pupil.bsn,
      street: 'Archiefstraat',
      house_number: String(n),
      postal_code: '2511 AA',
      city: 'Den Haag',
      phone: `06${String(20_000_000 + n)}`,
      letter_language: 'nl',
      school_id: spec.schoolId ?? 'school-dalton-laak',
      grade: 'klas 3',
      absent_since: '2015-01-05',
      created_at: at('2000-01-01T00:00:00Z'),
      updated_at: at('2000-01-01T00:00:00Z'),
    })
    .execute();
  return pupil;
}

export interface CaseSpec {
  closedAt: Date | null;
  outcome?: string;
  attempts?: number;
  reports?: number;
  schoolId?: string;
}

/** An out-of-view case (CLOSED at `closedAt`, or OPEN when null) with reports and attempts. */
export async function insertCase(db: Kysely<Tables>, pupil: RetentionPupil, spec: CaseSpec): Promise<string> {
  const id = randomUUID();
  const closed = spec.closedAt !== null;
  const opened = closed ? new Date(spec.closedAt!.getTime() - 20 * DAY) : at('1990-01-08T08:00:00Z');
  const school = spec.schoolId ?? 'school-dalton-laak';
  await db
    .insertInto('out_of_view_cases')
    .values({
      id,
      pupil_id: pupil.id,
      leerlingzaken_org_id: 'lz-den-haag',
      reporting_school_id: school,
      urgent: false,
      urgent_since: null,
      status: closed ? 'CLOSED' : 'OPEN',
      opened_at: opened,
      next_step: closed ? null : 'PHONE',
      next_step_rule: closed ? null : 'first-call',
      closed_at: spec.closedAt,
      outcome: closed ? ((spec.outcome ?? 'REACHED') as CaseOutcome) : null,
      closing_remark: closed ? 'Leerling weer in beeld' : null,
      closed_by_org_id: closed ? 'lz-den-haag' : null,
      closed_by_subject: closed ? 'demo-professional@lz-den-haag' : null,
      closed_by_role: closed ? 'PROFESSIONAL' : null,
      referral_id: null,
      version: 1,
      updated_at: spec.closedAt ?? opened,
    })
    .execute();
  for (let i = 0; i < (spec.reports ?? 1); i++)
    await db
      .insertInto('out_of_view_reports')
      .values({
        id: randomUUID(),
        case_id: id,
        school_id: school,
        reported_by_subject: `mentor@${school}`,
        reported_by_role: 'PROFESSIONAL',
        absent_since: '2015-01-05',
        urgent: false,
        remark: `melding ${i}`,
        batch_id: null,
        reported_at: plus(opened, i * SECOND),
      })
      .execute();
  for (let i = 0; i < (spec.attempts ?? 1); i++)
    await db
      .insertInto('contact_attempts')
      .values({
        id: randomUUID(),
        pupil_id: pupil.id,
        kind: 'PHONE',
        outcome: 'NO_ANSWER',
        letter_language: null,
        org_id: 'lz-den-haag',
        actor_subject: 'demo-professional@lz-den-haag',
        actor_role: 'PROFESSIONAL',
        remark: `poging ${i}`,
        occurred_at: plus(opened, (i + 1) * DAY),
        case_id: id,
      })
      .execute();
  return id;
}

/** Enum-valued fields are plain strings here (it.each tables widen their literals); cast on insert. */
export interface ReferralFixture {
  sender: string;
  receiver: string;
  legalBasis: string;
  status: string;
  closedAt: Date | null;
  handedOverFrom?: string | null;
  notes?: number;
  shared?: string[];
}

const CLOSING_ACTION: Record<string, string> = { COMPLETED: 'COMPLETE', FAILED: 'FAIL', REJECTED: 'REJECT', CANCELLED: 'CANCEL' };

/** A referral with a CREATE event, a closing event (when closed) and `notes` notes written in it. */
export async function insertReferral(db: Kysely<Tables>, pupil: RetentionPupil, spec: ReferralFixture): Promise<string> {
  const id = randomUUID();
  const created = spec.closedAt ? new Date(spec.closedAt.getTime() - 40 * DAY) : at('1990-02-01T09:00:00Z');
  const consent = spec.legalBasis === 'CONSENT';
  await db
    .insertInto('referrals')
    .values({
      id,
      pupil_id: pupil.id,
      sender_org_id: spec.sender,
      receiver_org_id: spec.receiver,
      status: spec.status as ReferralStatus,
      urgency: 'NORMAL',
      reason: 'Zorgen over schoolgang',
      shared_categories: (spec.shared ?? ['IDENTITY', 'CONTACT', 'SCHOOLING']) as DataCategory[],
      legal_basis: spec.legalBasis as LegalBasis,
      consent_given_by: consent ? 'ouder' : null,
      consent_valid_from: consent ? created.toISOString().slice(0, 10) : null,
      consent_valid_until: null,
      handed_over_from_id: spec.handedOverFrom ?? null,
      closed_at: spec.closedAt,
      outcome: spec.status === 'COMPLETED' ? 'Leerling weer op school' : null,
      created_at: created,
      updated_at: spec.closedAt ?? created,
    })
    .execute();
  const events: Array<{ action: string; from: ReferralStatus | null; to: ReferralStatus; at: Date; org: string }> = [
    { action: 'CREATE', from: null, to: 'REQUESTED', at: created, org: spec.sender },
  ];
  if (spec.closedAt && CLOSING_ACTION[spec.status])
    events.push({ action: CLOSING_ACTION[spec.status]!, from: 'IN_PROGRESS', to: spec.status as ReferralStatus, at: spec.closedAt, org: spec.status === 'CANCELLED' ? spec.sender : spec.receiver });
  for (const event of events)
    await db
      .insertInto('referral_events')
      .values({
        id: randomUUID(),
        referral_id: id,
        action: event.action,
        from_status: event.from,
        to_status: event.to,
        actor_org_id: event.org,
        actor_subject: `demo-professional@${event.org}`,
        actor_role: 'PROFESSIONAL',
        reason: event.action === 'CREATE' ? null : 'afgerond',
        occurred_at: event.at,
      })
      .execute();
  for (let i = 0; i < (spec.notes ?? 1); i++) await insertNote(db, pupil, { referralId: id, author: spec.receiver, createdAt: plus(created, (i + 1) * DAY) });
  return id;
}

export async function insertNote(
  db: Kysely<Tables>,
  pupil: RetentionPupil,
  spec: { referralId: string | null; author?: string; createdAt?: Date; body?: string },
): Promise<string> {
  const id = randomUUID();
  const author = spec.author ?? 'lz-den-haag';
  await db
    .insertInto('notes')
    .values({
      id,
      pupil_id: pupil.id,
      referral_id: spec.referralId,
      category: 'CARE',
      body: spec.body ?? `Gesprek met ${pupil.familyName} gevoerd`,
      author_org_id: author,
      author_subject: `demo-professional@${author}`,
      author_role: 'PROFESSIONAL',
      created_at: spec.createdAt ?? at('2001-01-01T00:00:00Z'),
    })
    .execute();
  return id;
}

/** Everything else a pupil's file may hold, none of it tied to a case or referral. */
export async function insertWholeFile(db: Kysely<Tables>, pupil: RetentionPupil, when: Date): Promise<void> {
  await db
    .insertInto('guardians')
    .values([
      { id: randomUUID(), pupil_id: pupil.id, name: `Moeder ${pupil.familyName}`, relation: 'PARENT', phone: '0612345678', email: 'moeder@example.org', position: 0 },
      { id: randomUUID(), pupil_id: pupil.id, name: `Vader ${pupil.familyName}`, relation: 'PARENT', phone: null, email: null, position: 1 },
    ])
    .execute();
  await insertNote(db, pupil, { referralId: null, body: `Losse notitie over ${pupil.familyName}, BSN ${pupil.bsn}` });
  await db
    .insertInto('contact_attempts')
    .values({
      id: randomUUID(),
      pupil_id: pupil.id,
      kind: 'LETTER',
      outcome: 'SENT',
      letter_language: 'nl',
      org_id: 'lz-den-haag',
      actor_subject: 'demo-professional@lz-den-haag',
      actor_role: 'PROFESSIONAL',
      remark: 'brief zonder zaak',
      occurred_at: when,
      case_id: null,
    })
    .execute();
  await db
    .insertInto('emergency_accesses')
    .values({
      id: randomUUID(),
      pupil_id: pupil.id,
      org_id: 'jbw-crisisteam',
      actor_subject: 'demo-professional@jbw-crisisteam',
      actor_role: 'PROFESSIONAL',
      reason: 'Melding van acuut gevaar, geen andere toegang',
      opened_at: when,
      expires_at: plus(when, 3600 * SECOND),
      reviewed_at: plus(when, DAY),
      reviewer_subject: 'demo-privacy-officer@lz-den-haag',
      reviewer_org_id: 'lz-den-haag',
      review_verdict: 'JUSTIFIED',
      review_note: 'terecht',
    })
    .execute();
  await db.insertInto('pupil_coordination').values({ pupil_id: pupil.id, org_id: 'lz-den-haag', since: when }).execute();
  await db
    .insertInto('coordination_transfers')
    .values({
      id: randomUUID(),
      pupil_id: pupil.id,
      from_org_id: 'lz-den-haag',
      to_org_id: 'smw-den-haag',
      status: 'DECLINED',
      proposed_by_subject: 'demo-coordinator@lz-den-haag',
      proposed_at: when,
      decided_by_subject: 'demo-coordinator@smw-den-haag',
      decided_at: plus(when, DAY),
    })
    .execute();
  // Tables of migration 0007, not (yet) in src/db/tables.ts's types: plain SQL.
  await sql`
    INSERT INTO pupil_corrections (id, pupil_id, field, previous_value, new_value, reason, org_id, actor_subject, actor_role, corrected_at)
    VALUES (${randomUUID()}, ${pupil.id}, 'familyName', ${`${pupil.familyName}x`}, ${pupil.familyName}, 'typfout', 'lz-den-haag',
            'demo-professional@lz-den-haag', 'PROFESSIONAL', ${when})`.execute(db);
  await sql`
    INSERT INTO subject_access_disclosures (id, pupil_id, granted_by_org_id, granted_by_subject, reason, granted_at, expires_at)
    VALUES (${randomUUID()}, ${pupil.id}, 'lz-den-haag', 'demo-privacy-officer@lz-den-haag', 'inzageverzoek ouders', ${when}, ${plus(when, 30 * DAY)})`.execute(db);
}

/** Rows in the public schema, per table, whose text contains `needle` (tables from information_schema). */
export async function tablesMentioning(t: TestHub, needles: string[]): Promise<Record<string, number>> {
  return t.asOwner(async (db) => {
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`.execute(db);
    const found: Record<string, number> = {};
    for (const { table_name } of tables.rows)
      for (const needle of needles) {
        const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table_name)} t WHERE t::text LIKE ${`%${needle}%`}`.execute(db);
        const n = Number(result.rows[0]!.n);
        if (n > 0) found[`${table_name}:${needle}`] = n;
      }
    return found;
  });
}

/** The environment for a command against this test's database (a copy of the PGlite data dir). */
export async function commandEnv(t: TestHub): Promise<{ env: NodeJS.ProcessEnv; cleanup: () => void }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
  if (t.databaseUrl) {
    env.DATABASE_URL = t.databaseUrl;
    delete env.DATA_DIR;
    return { env, cleanup: () => {} };
  }
  delete env.DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'ketenhub-retention-'));
  const copy = await openPGlite({ dataDir: dir, loadDataDir: await t.database.pglite!.dumpDataDir('none') });
  await copy.close();
  env.DATA_DIR = dir;
  return { env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `npm run <script>` in a process of its own: for the test that the real entry point (package.json,
 * scripts/cli.mjs) still runs a command. Everywhere else the commands run in-process (./cli.ts).
 */
export function runNpm(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npm', ['run', '--silent', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
