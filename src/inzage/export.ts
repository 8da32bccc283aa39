// Answering an inzageverzoek (AVG art. 15) about one pupil: everything the hub holds, per category,
// the referrals and organisations involved, and the access history — all of it, whoever wrote it,
// because the family's right covers the whole file. What a statutory exception in the register keeps
// from the family (a running Veilig Thuis investigation) is left out. Every export names the grounds
// on which something may be withheld, whether or not one applies: an export that said so only when
// one applied would tell the family — and the officer handing it over — that Veilig Thuis is involved.
// The officer is told that an exception applied only where she may know of the involvement behind it
// (her organisation is party to the referral). Reads everything about the one pupil through the
// system handle: the right of access covers the whole file, whoever wrote it. Employee identities are withheld unless the
// municipality's privacy officer consented for this pupil. The export is logged as EXPORT.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { activitiesInForce, activityVersion, type ProcessingActivity } from '../audit/processing-activities.ts';
import type { PupilRow, Tables } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { parseInput, uuid } from '../graphql/input.ts';
import { systemData } from '../policy/gateway.ts';
import { requireOperation } from '../policy/operations.ts';
import { LINKING_STATUSES } from '../policy/policy.ts';
import { DATA_CATEGORIES, type DataCategory, type OrganisationKind } from '../policy/vocabulary.ts';
import { inTransaction } from '../referrals/service.ts';
import { ownPupilForChange } from '../rights/service.ts';
import type { AppliedException, HeldCategory, HeldValue, SubjectAccessExport } from './types.ts';

const ExportInput = z.object({
  pupilId: uuid,
  language: z.enum(['nl', 'en']).nullish(),
  format: z.enum(['JSON', 'PDF']).nullish(),
});

const iso = (value: Date | string | null | undefined): string | null => (value === null || value === undefined ? null : new Date(value).toISOString());
const kv = (label: string, value: unknown): HeldValue => ({ label, value: value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value) });

/**
 * The exceptions of the register in force that apply to this pupil now, and whom they hide;
 * `knownTo`: what an organisation may know of them, the exceptions resting on a referral it is party to.
 */
async function exceptionsFor(db: Kysely<Tables>, pupilId: string, now: Date, knownTo?: string) {
  const applied: ProcessingActivity[] = [];
  const known: ProcessingActivity[] = [];
  const hidden = new Set<string>();
  for (const entry of activitiesInForce(now)) {
    const exception = entry.subjectAccessException;
    if (!exception) continue;
    const open = await db
      .selectFrom('referrals')
      .innerJoin('organisations as sender', 'sender.id', 'referrals.sender_org_id')
      .innerJoin('organisations as receiver', 'receiver.id', 'referrals.receiver_org_id')
      .select(['sender.id as sender_id', 'sender.kind as sender_kind', 'receiver.id as receiver_id', 'receiver.kind as receiver_kind'])
      .where('referrals.pupil_id', '=', pupilId)
      .where('referrals.status', 'in', [...LINKING_STATUSES])
      .where((eb) => eb.or([eb('sender.kind', 'in', [...exception.kinds]), eb('receiver.kind', 'in', [...exception.kinds])]))
      .execute();
    if (open.length === 0) continue;
    if (knownTo && open.some((row) => row.sender_id === knownTo || row.receiver_id === knownTo)) known.push(entry);
    // The whole involvement of those organisations goes: their referrals, notes, attempts, reads.
    for (const row of open) {
      if (exception.kinds.includes(row.sender_kind as OrganisationKind)) hidden.add(row.sender_id);
      if (exception.kinds.includes(row.receiver_kind as OrganisationKind)) hidden.add(row.receiver_id);
    }
    applied.push(entry);
  }
  return { applied, hidden, known };
}

export async function buildSubjectAccessExport(
  db: Kysely<Tables>,
  pupil: PupilRow,
  options: { now: Date; language: 'nl' | 'en'; generatedBy: { organisationId: string; role: string }; exportId: string },
): Promise<SubjectAccessExport> {
  const { now } = options;
  const { hidden } = await exceptionsFor(db, pupil.id, now);
  // What the family reads: the neutral grounds on which something may be withheld, the same in every
  // export — never whether one applies, the entry or the organisation.
  const exceptions: AppliedException[] = activitiesInForce(now)
    .filter((entry) => entry.subjectAccessException)
    .map((entry) => ({
    legalBasis: entry.subjectAccessException!.toFamily.ground[options.language],
    description: entry.subjectAccessException!.toFamily.description[options.language],
  }));
  const hiddenIds = [...hidden];
  const notHidden = (column: string) => (hiddenIds.length > 0 ? sql<boolean>`${sql.ref(column)} <> all(cast(${hiddenIds} as text[]))` : sql<boolean>`true`);

  const organisations = new Map((await db.selectFrom('organisations').selectAll().execute()).map((org) => [org.id, org]));
  const nameOf = (id: string | null) => (id ? (organisations.get(id)?.name ?? id) : null);
  const [guardians, referrals, events, notes, attempts, cases, reports, corrections, log, disclosure, municipality] = await Promise.all([
    db.selectFrom('guardians').selectAll().where('pupil_id', '=', pupil.id).orderBy('position').execute(),
    db
      .selectFrom('referrals')
      .selectAll()
      .where('pupil_id', '=', pupil.id)
      .where(notHidden('referrals.sender_org_id'))
      .where(notHidden('referrals.receiver_org_id'))
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('referral_events')
      .innerJoin('referrals', 'referrals.id', 'referral_events.referral_id')
      .selectAll('referral_events')
      .where('referrals.pupil_id', '=', pupil.id)
      .orderBy('referral_events.occurred_at')
      .orderBy('referral_events.id')
      .execute(),
    db
      .selectFrom('notes')
      .leftJoin('referrals', 'referrals.id', 'notes.referral_id')
      .selectAll('notes')
      .where('notes.pupil_id', '=', pupil.id)
      .where(notHidden('notes.author_org_id'))
      // A note written in a hidden organisation's referral is part of that involvement.
      .where((eb) => eb.or([eb('notes.referral_id', 'is', null), eb.and([notHidden('referrals.sender_org_id'), notHidden('referrals.receiver_org_id')])]))
      .orderBy('notes.created_at')
      .orderBy('notes.id')
      .execute(),
    db.selectFrom('contact_attempts').selectAll().where('pupil_id', '=', pupil.id).where(notHidden('org_id')).orderBy('occurred_at').orderBy('id').execute(),
    db.selectFrom('out_of_view_cases').selectAll().where('pupil_id', '=', pupil.id).orderBy('opened_at').execute(),
    db
      .selectFrom('out_of_view_reports')
      .innerJoin('out_of_view_cases', 'out_of_view_cases.id', 'out_of_view_reports.case_id')
      .selectAll('out_of_view_reports')
      .where('out_of_view_cases.pupil_id', '=', pupil.id)
      .orderBy('out_of_view_reports.reported_at')
      .execute(),
    db.selectFrom('pupil_corrections').selectAll().where('pupil_id', '=', pupil.id).orderBy('corrected_at').orderBy('id').execute(),
    db
      .selectFrom('access_log_records')
      .select(['occurred_at', 'actor_org_id', 'actor_role', 'actor_subject', 'action', 'outcome', 'activity_id', 'activity_version', 'categories'])
      .where('pupil_id', '=', pupil.id)
      .where(notHidden('actor_org_id'))
      .orderBy('seq')
      .execute(),
    db.selectFrom('subject_access_disclosures').select('id').where('pupil_id', '=', pupil.id).where('expires_at', '>', now).executeTakeFirst(),
    db.selectFrom('municipalities').select('name').where('code', '=', pupil.municipality_code).executeTakeFirst(),
  ]);
  const shownReferrals = new Set(referrals.map((referral) => referral.id));
  // A hand-over to a hidden referral carries that referral's reason: on the shown original, the
  // HAND_OVER event keeps its place but not its reason.
  const handedToHidden = new Set(
    (
      await db
        .selectFrom('referrals')
        .select('handed_over_from_id')
        .where('pupil_id', '=', pupil.id)
        .where('handed_over_from_id', 'is not', null)
        .where((eb) => eb.not(eb.and([notHidden('referrals.sender_org_id'), notHidden('referrals.receiver_org_id')])))
        .execute()
    ).map((row) => row.handed_over_from_id!),
  );
  const employeesIncluded = disclosure !== undefined;

  const held: Record<DataCategory, HeldCategory> = Object.fromEntries(
    DATA_CATEGORIES.map((category) => [category, { category, values: [], items: [] } as HeldCategory]),
  ) as Record<DataCategory, HeldCategory>;
  held.IDENTITY.values.push(
    kv('givenName', pupil.given_name),
    kv('familyNamePrefix', pupil.family_name_prefix),
    kv('familyName', pupil.family_name),
    kv('dateOfBirth', pupil.date_of_birth),
    kv('municipality', municipality?.name ?? pupil.municipality_code),
  );
  held.BSN.values.push(kv('bsn', pupil.bsn));
  held.CONTACT.values.push(
    kv('street', pupil.street),
    kv('houseNumber', pupil.house_number),
    kv('postalCode', pupil.postal_code),
    kv('city', pupil.city),
    kv('phone', pupil.phone),
    kv('letterLanguage', pupil.letter_language),
  );
  for (const guardian of guardians)
    held.CONTACT.items.push([kv('guardian', guardian.name), kv('relation', guardian.relation), kv('phone', guardian.phone), kv('email', guardian.email)]);
  held.SCHOOLING.values.push(kv('school', nameOf(pupil.school_id)), kv('grade', pupil.grade), kv('absentSince', pupil.absent_since), kv('reportedMissingAt', iso(pupil.reported_missing_at)));
  for (const found of cases)
    held.SCHOOLING.items.push([
      kv('outOfViewCase', iso(found.opened_at)),
      kv('reportingSchool', nameOf(found.reporting_school_id)),
      kv('assignedTo', nameOf(found.leerlingzaken_org_id)),
      kv('status', found.status),
      kv('outcome', found.outcome),
      kv('closedAt', iso(found.closed_at)),
      kv('reports', reports.filter((report) => report.case_id === found.id).length),
    ]);
  for (const attempt of attempts)
    held.CONTACT_ATTEMPTS.items.push([
      kv('occurredAt', iso(attempt.occurred_at)),
      kv('kind', attempt.kind),
      kv('outcome', attempt.outcome),
      kv('organisation', nameOf(attempt.org_id)),
      kv('letterLanguage', attempt.letter_language),
      kv('remark', attempt.remark),
    ]);
  for (const referral of referrals)
    held.REFERRAL.items.push([kv('from', nameOf(referral.sender_org_id)), kv('to', nameOf(referral.receiver_org_id)), kv('status', referral.status), kv('createdAt', iso(referral.created_at))]);
  for (const note of notes)
    held[note.category as DataCategory].items.push([kv('createdAt', iso(note.created_at)), kv('organisation', nameOf(note.author_org_id)), kv('note', note.body)]);

  const involved = new Set<string>([
    ...referrals.flatMap((referral) => [referral.sender_org_id, referral.receiver_org_id]),
    ...notes.map((note) => note.author_org_id),
    ...attempts.map((attempt) => attempt.org_id),
    ...log.map((record) => record.actor_org_id),
    ...(pupil.school_id ? [pupil.school_id] : []),
  ]);
  return {
    exportId: options.exportId,
    generatedAt: now.toISOString(),
    generatedBy: { organisation: nameOf(options.generatedBy.organisationId)!, role: options.generatedBy.role },
    language: options.language,
    pupil: { id: pupil.id, displayName: [pupil.given_name, pupil.family_name_prefix, pupil.family_name].filter(Boolean).join(' '), dateOfBirth: pupil.date_of_birth },
    held: DATA_CATEGORIES.map((category) => held[category]).filter((category) => category.values.length > 0 || category.items.length > 0),
    organisations: [...involved]
      .filter((id) => organisations.has(id) && !hidden.has(id))
      .sort()
      .map((id) => {
        const org = organisations.get(id)!;
        return { id, name: org.name, kind: org.kind, contactPhone: org.contact_phone, contactEmail: org.contact_email };
      }),
    referrals: referrals.map((referral) => ({
      id: referral.id,
      sender: nameOf(referral.sender_org_id)!,
      receiver: nameOf(referral.receiver_org_id)!,
      status: referral.status,
      urgency: referral.urgency,
      legalBasis: referral.legal_basis,
      sharedCategories: [...referral.shared_categories],
      createdAt: iso(referral.created_at)!,
      closedAt: iso(referral.closed_at),
      events: events
        .filter((event) => event.referral_id === referral.id && shownReferrals.has(referral.id))
        .map((event) => ({
          action: event.action,
          status: event.to_status,
          organisation: nameOf(event.actor_org_id)!,
          occurredAt: iso(event.occurred_at)!,
          reason: event.action === 'HAND_OVER' && handedToHidden.has(event.referral_id) ? null : event.reason,
        })),
    })),
    accessHistory: log.map((record) => {
      const entry = activityVersion(record.activity_id, record.activity_version);
      return {
        occurredAt: iso(record.occurred_at)!,
        organisation: nameOf(record.actor_org_id)!,
        organisationKind: organisations.get(record.actor_org_id)?.kind ?? '',
        role: record.actor_role,
        employee: employeesIncluded ? record.actor_subject : null,
        action: record.action,
        outcome: record.outcome,
        purpose: `${options.language === 'nl' ? entry.nameNl : entry.name} (v${entry.version})`,
        categories: [...record.categories],
      };
    }),
    corrections: corrections.map((correction) => ({
      field: correction.field,
      previousValue: correction.previous_value,
      newValue: correction.new_value,
      reason: correction.reason,
      correctedAt: iso(correction.corrected_at)!,
      organisation: nameOf(correction.org_id)!,
    })),
    restriction: pupil.restricted_at ? { since: iso(pupil.restricted_at)!, reason: pupil.restriction_reason ?? '' } : null,
    exceptions,
    employeesIncluded,
  };
}

/**
 * For the officer: which register entries' exceptions apply to this pupil now, on what ground — only
 * those resting on a referral her organisation is party to (she knows of that involvement already).
 */
export async function exceptionsAppliedFor(db: Kysely<Tables>, pupilId: string, now: Date, organisationId: string): Promise<string[]> {
  const { known } = await exceptionsFor(db, pupilId, now, organisationId);
  return known.map((entry) => `${entry.id} v${entry.version}: ${entry.subjectAccessException!.legalBasis}`);
}

export async function exportSubjectAccess(ctx: RequestContext, rawInput: unknown) {
  requireOperation(ctx, 'answerSubjectAccessRequest');
  const input = parseInput(ExportInput, rawInput);
  const language = input.language ?? 'nl';
  const exportId = randomUUID();
  let officerNotes: string[] = [];
  const data = await inTransaction(ctx, { pupilId: null, action: 'EXPORT', field: 'Mutation.exportSubjectAccess' }, async (trx) => {
    const pupil = await ownPupilForChange(trx, ctx, input.pupilId);
    const everything = systemData(trx as unknown as Kysely<Tables>, 'subject-access');
    const built = await buildSubjectAccessExport(everything, pupil, {
      now: ctx.now,
      language,
      generatedBy: { organisationId: ctx.actor.organisationId, role: ctx.actor.role },
      exportId,
    });
    officerNotes = await exceptionsAppliedFor(everything, pupil.id, ctx.now, ctx.actor.organisationId);
    for (const category of built.held.map((held) => held.category)) ctx.audit.record({ pupilId: pupil.id, action: 'EXPORT', outcome: 'GRANTED', category, field: `Mutation.exportSubjectAccess(${exportId})` });
    return built;
  });
  let pdf = null;
  if (input.format === 'PDF') {
    const { renderSubjectAccessPdf } = await import('./pdf.ts');
    const bytes = await renderSubjectAccessPdf(data);
    pdf = {
      filename: `inzage-${exportId.slice(0, 8)}-${language}.pdf`,
      contentType: 'application/pdf',
      language,
      base64: bytes.toString('base64'),
      byteLength: bytes.length,
    };
  }
  return {
    exportId,
    json: JSON.stringify(data, null, 2),
    pdf,
    employeesIncluded: data.employeesIncluded,
    exceptionsApplied: officerNotes,
  };
}
