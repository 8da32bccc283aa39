// Pupils out of view: cases, reports, contact attempts (phone, letter, door visit, note left), the
// next step, the letter, and the coordinators' overview.
import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { badInput } from '../errors.ts';
import { parseFilter } from '../graphql/input.ts';
import { BY_ID, BY_TIME, isUuid, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { fullOutOfViewCases, visiblePupils } from '../policy/access.ts';
import { assertInputCategories } from '../policy/category-guard.ts';
import { NEXT_STEPS } from '../policy/vocabulary.ts';
import { casesQuery, closeOutOfViewCase, recordContactAttempt, referOutOfViewCase, reportOutOfView, selectCase } from './cases.ts';
import { RULES } from './next-step.ts';
import { outOfViewOverview, schoolsWithListableExistence } from './overview.ts';
import { printOutreachLetter } from './print.ts';
import { CSV_FIELD_NAMES, decodeCsv, parseReportsCsv } from './reports.ts';

const CaseFilter = z
  .object({
    status: z.enum(['OPEN', 'CLOSED']),
    reportingSchoolId: z.string().max(63, 'must be an organisation id'),
    urgent: z.boolean(),
    nextStep: z.array(z.enum(NEXT_STEPS)).min(1, 'must name at least one step').max(NEXT_STEPS.length),
    overdue: z.boolean(),
    assignedToMe: z.boolean(),
  })
  .partial();

const RULE_TEXT = new Map(RULES.map((rule) => [rule.id, rule.description]));

const attemptPage = (args: { first?: number | null; after?: string | null }) =>
  parsePage(args, 'contactAttempt', BY_TIME('contact_attempts', 'occurred_at'));

export const outreachResolvers: Resolvers = {
  Query: {
    outOfViewCases: async (_parent, args, ctx, info) => {
      const page = parsePage(args, 'outOfViewCase', BY_ID('out_of_view_cases'));
      const filter = parseFilter(CaseFilter, args.filter);
      // Filtering on a tagged field is reading it: such filters match only cases seen in full,
      // whose pupil links cover the categories filtered on.
      const filtered = assertInputCategories(ctx, info, 'OutOfViewCaseFilter', filter);
      const listable = await schoolsWithListableExistence(ctx);
      let query = casesQuery(ctx.data).where((eb) =>
        eb.or([
          fullOutOfViewCases(ctx.actor, ctx.now)(eb),
          listable.length > 0 ? eb('out_of_view_cases.reporting_school_id', 'in', listable) : eb.lit(false),
        ]),
      );
      if (filtered.length > 0) query = query.where((eb) => visiblePupils(ctx.actor, ctx.now, ['SCHOOLING', ...filtered])(eb));
      if (filter.status) query = query.where('out_of_view_cases.status', '=', filter.status);
      if (filter.reportingSchoolId) query = query.where('out_of_view_cases.reporting_school_id', '=', filter.reportingSchoolId);
      if (filter.assignedToMe !== undefined)
        query = query.where('out_of_view_cases.leerlingzaken_org_id', filter.assignedToMe ? '=' : '<>', ctx.actor.organisationId);
      if (filter.urgent !== undefined) query = query.where('out_of_view_cases.urgent', '=', filter.urgent);
      if (filter.nextStep) query = query.where('out_of_view_cases.next_step', 'in', filter.nextStep);
      if (filter.overdue !== undefined)
        query = filter.overdue
          ? query.where('out_of_view_cases.status', '=', 'OPEN').where('out_of_view_cases.next_step_due_at', '<', ctx.now)
          : query.where((eb) => eb.or([eb('out_of_view_cases.status', '<>', 'OPEN'), eb('out_of_view_cases.next_step_due_at', '>=', ctx.now)]));
      return keysetConnection(query, (q) => selectCase(q, ctx), BY_ID('out_of_view_cases'), page, 'outOfViewCase');
    },
    outOfViewCase: async (_parent, args, ctx) => {
      if (!isUuid(args.id)) throw badInput('id must be a case id (a UUID)', { argument: 'id' });
      return ctx.loaders.caseById.load(args.id.toLowerCase());
    },
    outOfViewOverview: (_parent, args, ctx) => outOfViewOverview(ctx, args.groupBy),
  },
  Mutation: {
    reportPupilOutOfView: async (_parent, args, ctx) => {
      const result = await reportOutOfView(ctx, [args.input], { field: 'Mutation.reportPupilOutOfView' });
      return result.cases[0]!;
    },
    reportPupilsOutOfView: (_parent, args, ctx) => {
      const reports = (args.input as { reports?: unknown }).reports;
      return reportOutOfView(ctx, Array.isArray(reports) ? reports : [], { field: 'Mutation.reportPupilsOutOfView' });
    },
    importOutOfViewReports: async (_parent, args, ctx) => {
      const file = (args.input as { file?: unknown } | null)?.file as { arrayBuffer?: () => Promise<ArrayBuffer> } | null | undefined;
      if (!file || typeof file.arrayBuffer !== 'function') throw badInput('input.file must be an uploaded CSV file (a multipart request mapping the file to variables.input.file)', { argument: 'input.file' });
      const { raw, rowNumbers } = parseReportsCsv(decodeCsv(new Uint8Array(await file.arrayBuffer())));
      return reportOutOfView(ctx, raw, { rowNumbers, field: 'Mutation.importOutOfViewReports', fieldNames: CSV_FIELD_NAMES });
    },
    recordContactAttempt: (_parent, args, ctx) => recordContactAttempt(ctx, args.input),
    closeOutOfViewCase: (_parent, args, ctx) => closeOutOfViewCase(ctx, args.input),
    referOutOfViewCase: (_parent, args, ctx) => referOutOfViewCase(ctx, args.input),
    printOutreachLetter: (_parent, args, ctx) => printOutreachLetter(ctx, args.input),
  },
  Pupil: {
    // Guarded by @category(CONTACT_ATTEMPTS) on the field: the pupil's links were checked already.
    contactAttempts: async (pupil, args, ctx) => {
      const query = ctx.data.contactAttempts().where('contact_attempts.pupil_id', '=', pupil.id);
      return keysetConnection(query, (q) => q.selectAll('contact_attempts'), BY_TIME('contact_attempts', 'occurred_at'), attemptPage(args), 'contactAttempt');
    },
    outOfViewCases: (pupil, _args, ctx) => ctx.loaders.casesByPupil.load(pupil.id),
  },
  OutOfViewCase: {
    visibility: (found) => (found.full ? 'FULL' : 'EXISTENCE_ONLY'),
    assignedTo: (found, _args, ctx) => ctx.services.directory.require(found.leerlingzaken_org_id),
    reportingSchool: (found, _args, ctx) => ctx.services.directory.require(found.reporting_school_id),
    openedAt: (found) => found.opened_at,
    closedAt: (found) => found.closed_at,
    pupil: (found, _args, ctx) => (found.full ? ctx.loaders.pupilById.load(found.pupil_id) : null),
    urgent: (found) => found.urgent,
    reports: (found, _args, ctx) => ctx.loaders.reportsByCase.load(found.id),
    closingRemark: (found) => found.closing_remark,
    referral: (found, _args, ctx) => (found.referral_id ? ctx.loaders.referralById.load(found.referral_id) : null),
    nextStep: (found, _args, ctx) =>
      found.status === 'OPEN' && found.next_step && found.next_step_due_at
        ? {
            action: found.next_step,
            rule: found.next_step_rule ?? '',
            description: found.next_step_rule ? (RULE_TEXT.get(found.next_step_rule) ?? '') : '',
            notBefore: found.next_step_not_before,
            dueAt: found.next_step_due_at,
            overdue: new Date(found.next_step_due_at).getTime() < ctx.now.getTime(),
          }
        : null,
    attempts: async (found, args, ctx) => {
      const query = ctx.data.contactAttempts().where('contact_attempts.case_id', '=', found.id);
      return keysetConnection(query, (q) => q.selectAll('contact_attempts'), BY_TIME('contact_attempts', 'occurred_at'), attemptPage(args), 'contactAttempt');
    },
    letterLanguage: async (found, _args, ctx) => (await ctx.loaders.pupilById.load(found.pupil_id))?.letter_language ?? null,
  },
  OutOfViewReport: {
    school: (report, _args, ctx) => ctx.services.directory.require(report.school_id),
    absentSince: (report) => report.absent_since,
    reportedAt: (report) => report.reported_at,
  },
  ContactAttempt: {
    letterLanguage: (attempt) => attempt.letter_language,
    organisation: (attempt, _args, ctx) => ctx.services.directory.require(attempt.org_id),
    role: (attempt) => attempt.actor_role,
    occurredAt: (attempt) => attempt.occurred_at,
  },
};
