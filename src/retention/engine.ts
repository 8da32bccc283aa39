// Retention (bewaartermijnen), driven by the register of processing activities: what is no longer
// needed goes, on an injectable clock. The rules, tried for every closed case and referral:
//   closed-case      a case of a pupil out of view, with its reports and contact attempts, goes when
//                    `leerplicht-verzuim`'s retention after its closing has passed (anonymised into
//                    out_of_view_statistics first where the register says ANONYMISE);
//   closed-referral  a referral, with its events and the notes written in it, goes when the
//                    retention of the activity it was processed under (by legal basis and kinds:
//                    5 years, or 20 for safety work) has passed since it closed;
//   pupil-file       a pupil whose last case or referral has gone goes too, with everything of
//                    theirs (guardians, loose notes, attempts, emergency accesses, corrections);
//                    the access log then keeps only the pseudonym.
// (A partner's link through a closed referral ends much earlier, after `referralLinkDays`; that is
// enforced on every query by src/policy/access.ts.)
// Deletions run in batches of pupils, one transaction per batch, each with a DELETE record per pupil
// in the access log.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { AccessLog, LogRecordInput } from '../audit/chain.ts';
import { activity, activityOfReferral, ACCESS_LOG_RETENTION_YEARS, EVENT_RETENTION_DAYS } from '../audit/processing-activities.ts';
import type { Tables } from '../db/tables.ts';
import { DATA_CATEGORIES, type DataCategory } from '../policy/vocabulary.ts';

export type RetentionRule = 'closed-case' | 'closed-referral' | 'pupil-file';

const DAY_MS = 24 * 3600_000;

export interface RetentionItem {
  rule: RetentionRule;
  id: string;
  pupilId: string;
  /** The register entry (and version) whose retention ended. */
  activityId: string;
  activityVersion: number;
  onEnd: 'DELETE' | 'ANONYMISE';
  closedAt: Date | null;
  /** When the retention ended: closedAt + the retention period. */
  endedAt: Date;
  why: string;
}

export interface RetentionReport {
  now: Date;
  dryRun: boolean;
  items: RetentionItem[];
  /** Partitions of the access log older than its own retention: to archive (not deleted by the hub). */
  archivableLogMonths: string[];
  deleted: { cases: number; referrals: number; pupils: number; anonymisedCases: number; events: number };
  /** Events (and their finished webhook deliveries) past EVENT_RETENTION_DAYS. */
  expiredEvents: number;
  transactions: number;
}

/** `years` calendar years after `from` (same day and time; 29 February falls to 28 February). */
export function addYears(from: Date, years: number): Date {
  const date = new Date(from);
  const month = date.getUTCMonth();
  date.setUTCFullYear(date.getUTCFullYear() + years);
  if (date.getUTCMonth() !== month) date.setUTCDate(0);
  return date;
}

/** Everything whose retention has ended at `now`, and why. */
export async function planRetention(db: Kysely<Tables>, now: Date): Promise<RetentionItem[]> {
  const items: RetentionItem[] = [];

  const caseActivity = activity('leerplicht-verzuim', now);
  // A day of slack, then each item against its own end: 29 February plus five years is 28 February.
  const caseCutoff = new Date(addYears(now, -caseActivity.retentionYears).getTime() + DAY_MS);
  const cases = await db
    .selectFrom('out_of_view_cases')
    .select(['id', 'pupil_id', 'closed_at'])
    .where('status', '=', 'CLOSED')
    .where('closed_at', '<=', caseCutoff)
    .orderBy('closed_at')
    .execute();
  for (const found of cases) {
    const closedAt = new Date(found.closed_at!);
    if (addYears(closedAt, caseActivity.retentionYears) > now) continue;
    items.push({
      rule: 'closed-case',
      id: found.id,
      pupilId: found.pupil_id,
      activityId: caseActivity.id,
      activityVersion: caseActivity.version,
      onEnd: caseActivity.onRetentionEnd,
      closedAt,
      endedAt: addYears(closedAt, caseActivity.retentionYears),
      why: `case closed ${closedAt.toISOString()}; ${caseActivity.id} v${caseActivity.version} keeps it ${caseActivity.retentionYears} years`,
    });
  }

  // Candidates past the shortest period; each checked against its own activity's period.
  const shortest = Math.min(...['leerplicht-verzuim', 'ketenverwijzing', 'veiligheid-meldcode'].map((id) => activity(id, now).retentionYears));
  const referrals = await db
    .selectFrom('referrals')
    .innerJoin('organisations as sender', 'sender.id', 'referrals.sender_org_id')
    .innerJoin('organisations as receiver', 'receiver.id', 'referrals.receiver_org_id')
    .select(['referrals.id', 'referrals.pupil_id', 'referrals.closed_at', 'referrals.legal_basis', 'sender.kind as sender_kind', 'receiver.kind as receiver_kind'])
    .where('referrals.closed_at', 'is not', null)
    .where('referrals.status', 'in', ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'])
    .where('referrals.closed_at', '<=', new Date(addYears(now, -shortest).getTime() + DAY_MS))
    .orderBy('referrals.closed_at')
    .execute();
  for (const referral of referrals) {
    const closedAt = new Date(referral.closed_at!);
    const governing = activityOfReferral(referral.legal_basis, referral.sender_kind, referral.receiver_kind, now);
    const endedAt = addYears(closedAt, governing.retentionYears);
    if (endedAt > now) continue;
    items.push({
      rule: 'closed-referral',
      id: referral.id,
      pupilId: referral.pupil_id,
      activityId: governing.id,
      activityVersion: governing.version,
      // Anonymising means counting into the statistics of cases; a referral is deleted.
      onEnd: 'DELETE',
      closedAt,
      endedAt,
      why: `referral closed ${closedAt.toISOString()}; ${governing.id} v${governing.version} keeps it ${governing.retentionYears} years`,
    });
  }

  // Pupils whose every case and referral goes now: their whole file goes.
  const pupilIds = [...new Set(items.map((item) => item.pupilId))];
  if (pupilIds.length > 0) {
    const kept = await pupilsKeepingMore(db, pupilIds, items);
    const file = activity('bewaartermijn', now);
    for (const pupilId of pupilIds) {
      if (kept.has(pupilId)) continue;
      const last = items.filter((item) => item.pupilId === pupilId).reduce((a, b) => (a.endedAt > b.endedAt ? a : b));
      items.push({
        rule: 'pupil-file',
        id: pupilId,
        pupilId,
        activityId: file.id,
        activityVersion: file.version,
        onEnd: 'DELETE',
        closedAt: last.closedAt,
        endedAt: last.endedAt,
        why: 'the retention of the pupil\'s last case or referral has ended; nothing else is held that needs the pupil\'s data',
      });
    }
  }
  return items;
}

/** Months of the access log older than its own retention (NEN 7513: at least five years). */
async function archivableLogMonths(db: Kysely<Tables>, now: Date): Promise<string[]> {
  const cutoff = addYears(now, -ACCESS_LOG_RETENTION_YEARS);
  const rows = await sql<{ month: string }>`
    SELECT DISTINCT to_char(date_trunc('month', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month
    FROM access_log_records WHERE occurred_at < ${cutoff} ORDER BY 1`.execute(db);
  // Whole months only: a month partly inside the period stays.
  return rows.rows.map((row) => row.month).filter((month) => new Date(`${month}-01T00:00:00Z`).getTime() + 31 * 24 * 3600_000 < cutoff.getTime());
}

export interface RunOptions {
  db: Kysely<Tables>;
  accessLog: AccessLog;
  now: Date;
  dryRun?: boolean;
  /** Pupils per transaction. */
  batchSize?: number;
}

const CATEGORIES_OF: Record<RetentionRule, readonly DataCategory[]> = {
  'closed-case': ['SCHOOLING', 'CONTACT_ATTEMPTS'],
  'closed-referral': ['REFERRAL', 'CARE', 'SAFETY', 'CONTACT', 'SCHOOLING'],
  'pupil-file': DATA_CATEGORIES,
};

export async function runRetention(options: RunOptions): Promise<RetentionReport> {
  const { db, now } = options;
  const items = await planRetention(db, now);
  const report: RetentionReport = {
    now,
    dryRun: options.dryRun ?? false,
    items,
    archivableLogMonths: await archivableLogMonths(db, now),
    deleted: { cases: 0, referrals: 0, pupils: 0, anonymisedCases: 0, events: 0 },
    expiredEvents: 0,
    transactions: 0,
  };
  const eventCutoff = new Date(now.getTime() - EVENT_RETENTION_DAYS * DAY_MS);
  const finished = (eb: ExpressionBuilder<Tables, 'hub_events'>) =>
    eb.and([
      eb('hub_events.occurred_at', '<', eventCutoff),
      eb.not(eb.exists(eb.selectFrom('webhook_deliveries').select('webhook_deliveries.id').whereRef('webhook_deliveries.event_id', '=', 'hub_events.id').where('webhook_deliveries.status', '=', 'PENDING'))),
    ]);
  report.expiredEvents = Number((await db.selectFrom('hub_events').select((eb) => eb.fn.countAll().as('n')).where(finished).executeTakeFirstOrThrow()).n);
  if (!options.dryRun && report.expiredEvents > 0) {
    const gone = await db.deleteFrom('hub_events').where(finished).executeTakeFirst();
    report.deleted.events = Number(gone.numDeletedRows);
  }
  if (options.dryRun || items.length === 0) return report;

  const byPupil = new Map<string, RetentionItem[]>();
  for (const item of items) byPupil.set(item.pupilId, [...(byPupil.get(item.pupilId) ?? []), item]);
  const pupils = [...byPupil.keys()];
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const requestId = `retention-${randomUUID()}`;
  for (let i = 0; i < pupils.length; i += batchSize) {
    const batch = pupils.slice(i, i + batchSize);
    await db.transaction().execute(async (trx) => {
      // One retention run at a time across hub instances; what another run already deleted is
      // left out, so no deletion is recorded twice.
      await sql`SELECT pg_advisory_xact_lock(4242012)`.execute(trx);
      const planned = batch.flatMap((pupilId) => byPupil.get(pupilId)!);
      const present = await stillPresent(trx, planned);
      // A pupil file goes only if, now, nothing but the planned items is left: a case or referral
      // opened since the plan was made keeps it (the lock makes new ones wait for this batch).
      await keepFilesThatGrew(trx, planned, present);
      const live = batch.filter((pupilId) => byPupil.get(pupilId)!.some((item) => present.has(item.id)));
      for (const pupilId of live) byPupil.set(pupilId, byPupil.get(pupilId)!.filter((item) => present.has(item.id)));
      if (live.length === 0) return;
      // The records first: they name the pupil's Leerlingzaken, found through the pupil row.
      const records = await deletionRecords(trx, live, byPupil, now, requestId);
      const counts = await deleteBatch(trx, live.flatMap((pupilId) => byPupil.get(pupilId)!));
      report.deleted.cases += counts.cases;
      report.deleted.referrals += counts.referrals;
      report.deleted.pupils += counts.pupils;
      report.deleted.anonymisedCases += counts.anonymisedCases;
      await options.accessLog.append(trx, records);
      // Last: the log's own records of deleted pupils (the ones just written too) keep only the pseudonym.
      for (const pupilId of live.filter((id) => byPupil.get(id)!.some((item) => item.rule === 'pupil-file')))
        await sql`SELECT forget_pupil_in_access_log(${pupilId}::uuid)`.execute(trx);
    });
    report.transactions += 1;
  }
  return report;
}

async function keepFilesThatGrew(trx: Transaction<Tables>, planned: RetentionItem[], present: Set<string>): Promise<void> {
  const files = planned.filter((item) => item.rule === 'pupil-file' && present.has(item.id)).map((item) => item.id);
  if (files.length === 0) return;
  await trx.selectFrom('pupils').select('id').where(sql<boolean>`id = any(cast(${files} as uuid[]))`).forUpdate().execute();
  for (const pupilId of await pupilsKeepingMore(trx, files, planned)) present.delete(pupilId);
}

/** Of these pupils, those with a case or referral that is not among `going`: their file stays. */
async function pupilsKeepingMore(db: Kysely<Tables>, pupilIds: readonly string[], going: readonly RetentionItem[]): Promise<Set<string>> {
  const ids = new Set(going.map((item) => item.id));
  const held = await db
    .selectFrom('out_of_view_cases')
    .select(['id', 'pupil_id'])
    .where(sql<boolean>`pupil_id = any(cast(${[...pupilIds]} as uuid[]))`)
    .unionAll(db.selectFrom('referrals').select(['id', 'pupil_id']).where(sql<boolean>`pupil_id = any(cast(${[...pupilIds]} as uuid[]))`))
    .execute();
  return new Set(held.filter((row) => !ids.has(row.id)).map((row) => row.pupil_id));
}

async function stillPresent(trx: Transaction<Tables>, items: RetentionItem[]): Promise<Set<string>> {
  const ids = (rule: RetentionRule) => items.filter((item) => item.rule === rule).map((item) => item.id);
  const rows = await trx
    .selectFrom('out_of_view_cases')
    .select('id')
    .where(sql<boolean>`id = any(cast(${ids('closed-case')} as uuid[]))`)
    .unionAll(trx.selectFrom('referrals').select('id').where(sql<boolean>`id = any(cast(${ids('closed-referral')} as uuid[]))`))
    .unionAll(trx.selectFrom('pupils').select('id').where(sql<boolean>`id = any(cast(${ids('pupil-file')} as uuid[]))`))
    .execute();
  return new Set(rows.map((row) => row.id));
}

async function deleteBatch(trx: Transaction<Tables>, items: RetentionItem[]) {
  const ids = (rule: RetentionRule, onEnd?: 'DELETE' | 'ANONYMISE') =>
    items.filter((item) => item.rule === rule && (!onEnd || item.onEnd === onEnd)).map((item) => item.id);
  const anonymise = ids('closed-case', 'ANONYMISE');
  if (anonymise.length > 0)
    await sql`
      INSERT INTO out_of_view_statistics AS s (month, leerlingzaken_org_id, reporting_school_id, outcome, urgent, cases, attempts)
      SELECT date_trunc('month', c.closed_at AT TIME ZONE 'Europe/Amsterdam')::date, c.leerlingzaken_org_id, c.reporting_school_id,
             c.outcome, c.urgent, count(*), coalesce(sum((SELECT count(*) FROM contact_attempts a WHERE a.case_id = c.id)), 0)
      FROM out_of_view_cases c WHERE c.id = any(cast(${anonymise} as uuid[]))
      GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT (month, leerlingzaken_org_id, reporting_school_id, outcome, urgent)
      DO UPDATE SET cases = s.cases + excluded.cases, attempts = s.attempts + excluded.attempts`.execute(trx);
  const cases = ids('closed-case');
  const referrals = ids('closed-referral');
  const pupils = ids('pupil-file');
  // Cascades: a case takes its reports and attempts; a referral its events and the notes written in it.
  const deletedCases = cases.length > 0 ? await trx.deleteFrom('out_of_view_cases').where(sql<boolean>`id = any(cast(${cases} as uuid[]))`).executeTakeFirst() : null;
  const deletedReferrals =
    referrals.length > 0 ? await trx.deleteFrom('referrals').where(sql<boolean>`id = any(cast(${referrals} as uuid[]))`).executeTakeFirst() : null;
  // The pupil takes everything else that names them (every table refers to pupils ON DELETE CASCADE).
  const deletedPupils = pupils.length > 0 ? await trx.deleteFrom('pupils').where(sql<boolean>`id = any(cast(${pupils} as uuid[]))`).executeTakeFirst() : null;
  return {
    cases: Number(deletedCases?.numDeletedRows ?? 0),
    referrals: Number(deletedReferrals?.numDeletedRows ?? 0),
    pupils: Number(deletedPupils?.numDeletedRows ?? 0),
    anonymisedCases: anonymise.length,
  };
}

/** One DELETE record per pupil, on behalf of the pupil's home Leerlingzaken (the controller). */
async function deletionRecords(
  trx: Transaction<Tables>,
  pupils: string[],
  byPupil: Map<string, RetentionItem[]>,
  now: Date,
  requestId: string,
): Promise<LogRecordInput[]> {
  // The controller: the Leerlingzaken of the pupil's home municipality (or, where the hub has none,
  // the pupil's school).
  const home = await sql<{ pupil_id: string; org_id: string | null }>`
    SELECT p.id AS pupil_id, coalesce(o.id, p.school_id) AS org_id
    FROM pupils p
    LEFT JOIN organisations o ON o.kind = 'LEERLINGZAKEN' AND o.municipality_code = p.municipality_code
    WHERE p.id = any(cast(${pupils} as uuid[]))`.execute(trx);
  const controller = new Map(home.rows.map((row) => [row.pupil_id, row.org_id]));
  const traceId = randomBytes(16).toString('hex');
  const file = activity('bewaartermijn', now);
  return pupils.map((pupilId) => {
    const items = byPupil.get(pupilId)!;
    const categories = new Set(items.flatMap((item) => CATEGORIES_OF[item.rule]));
    return {
      occurredAt: now,
      traceId,
      spanId: randomBytes(8).toString('hex'),
      requestId,
      action: 'DELETE',
      outcome: 'GRANTED',
      actorSubject: 'system:retention',
      actorOrgId: controller.get(pupilId) ?? 'ketenhub',
      actorRole: 'SYSTEM',
      onBehalfOf: null,
      purpose: 'bewaartermijn verstreken',
      activityId: file.id,
      activityVersion: file.version,
      pupilId,
      categories: DATA_CATEGORIES.filter((category) => categories.has(category)),
      fields: items.map((item) => `${item.rule}:${item.activityId}@v${item.activityVersion}${item.onEnd === 'ANONYMISE' ? ':anonymised' : ''}`).sort(),
      operationName: 'retention',
      clientAddress: null,
      emergency: false,
    };
  });
}

