// The access log for privacy officers: records by pupil (inzageverzoek), actor, organisation,
// period and outcome; a CSV export; signals. Reading the log is itself logged.
import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import type { AccessLogRecordRow, Tables } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { badInput } from '../errors.ts';
import { parseFilter, parseInput } from '../graphql/input.ts';
import { keysetConnection, parsePage, type KeyColumn } from '../graphql/pagination.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { requireOperation } from '../policy/operations.ts';
import { REVIEWS_WHOLE_REGION } from '../policy/policy.ts';
import { activityVersion, PROCESSING_ACTIVITIES } from './processing-activities.ts';
import { ACCESS_ACTIONS } from './recorder.ts';
import { ORGANISATION_KINDS } from '../policy/vocabulary.ts';

/** In time order; the chain (one per writer) and the position in it break ties. */
const BY_TIME: KeyColumn[] = [
  { column: 'access_log_records.occurred_at', type: 'timestamptz' },
  { column: 'access_log_records.chain_id', type: 'bigint' },
  { column: 'access_log_records.seq', type: 'bigint' },
];
export const EXPORT_LIMIT = 50_000;
const MAX_SIGNAL_DAYS = 31;

const Filter = z
  .object({
    pupilId: z.string().uuid('must be a pupil id (a UUID)'),
    actorSubject: z.string().min(1).max(200, 'must be at most 200 characters'),
    organisationId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an organisation id'),
    from: z.date(),
    to: z.date(),
    outcome: z.enum(['GRANTED', 'PARTLY_GRANTED', 'REFUSED']),
    action: z.enum(ACCESS_ACTIONS),
    emergency: z.boolean(),
  })
  .partial();
type Filter = z.infer<typeof Filter>;

function parseLogFilter(raw: unknown): Filter {
  const filter = parseFilter(Filter, raw);
  if (filter.from && filter.to && filter.from >= filter.to) throw badInput('filter.from must be before filter.to', { argument: 'filter.from' });
  return filter;
}

/** The municipality's privacy officer oversees her municipality; a partner's her own organisation. */
const seesWholeRegion = (ctx: RequestContext) => REVIEWS_WHOLE_REGION.includes(ctx.actor.organisationKind);

/** The log within the privacy officer's tenant (the gateway's accessLog), narrowed by the filter. */
function filtered(ctx: RequestContext, filter: Filter): SelectQueryBuilder<Tables, 'access_log_records', object> {
  let query = ctx.data.accessLog();
  if (filter.pupilId) {
    // By id while the pupil's data is kept; by pseudonym, under every key version configured, for the
    // records that name the pupil only by pseudonym (after retention).
    const pupilId = filter.pupilId.toLowerCase();
    const pseudonyms = ctx.services.accessLog.pseudonymsOf(pupilId);
    query = query.where((eb) => eb.or([eb('access_log_records.pupil_id', '=', pupilId), eb('access_log_records.pupil_pseudonym', 'in', pseudonyms)]));
  }
  if (filter.actorSubject) query = query.where('access_log_records.actor_subject', '=', filter.actorSubject);
  if (filter.organisationId) query = query.where('access_log_records.actor_org_id', '=', filter.organisationId);
  if (filter.from) query = query.where('access_log_records.occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('access_log_records.occurred_at', '<', filter.to);
  if (filter.outcome) query = query.where('access_log_records.outcome', '=', filter.outcome);
  if (filter.action) query = query.where('access_log_records.action', '=', filter.action);
  if (filter.emergency !== undefined) query = query.where('access_log_records.emergency', '=', filter.emergency);
  return query;
}

/**
 * In an answer about a pupil (an inzageverzoek) employees are not named, unless the municipality's
 * privacy officer asks for it; supervising people (by actor, organisation, period) needs the names.
 */
function showEmployees(ctx: RequestContext, filter: Filter, includeEmployees: boolean | null | undefined): boolean {
  if (!filter.pupilId) return true;
  return Boolean(includeEmployees) && seesWholeRegion(ctx);
}

/** Reading the log is itself an access: one record, for the pupil asked about if any. */
function recordLogRead(ctx: RequestContext, filter: Filter, action: 'READ' | 'EXPORT', field: string): void {
  ctx.audit.record({ pupilId: filter.pupilId?.toLowerCase() ?? null, action, outcome: 'GRANTED', field });
}

const CSV_COLUMNS = [
  'seq',
  'occurred_at',
  'action',
  'outcome',
  'organisation',
  'role',
  'actor_subject',
  'on_behalf_of',
  'purpose',
  'processing_activity',
  'pupil_pseudonym',
  'categories',
  'fields',
  'emergency',
  'trace_id',
  'hash',
] as const;

/**
 * RFC 4180 quoting, and defused formulas (OWASP CSV injection). Every cell holding a comma, a
 * semicolon, a tab, a quote or a line break is quoted, whichever separator the export uses: a file
 * may be opened with the other one. A spreadsheet that splits on the other separator (or ignores
 * the quotes) sees a new cell after each of those characters, so a leading = + - @ is defused with
 * an apostrophe there too, as at the start of the cell (where a tab or carriage return also is).
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  text = text.replace(/([,;\t\r\n]\s*)([=+\-@])/g, "$1'$2");
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_SEPARATORS = { COMMA: ',', SEMICOLON: ';' } as const;

function csvRow(record: AccessLogRecordRow, employees: boolean, separator: string): string {
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    seq: record.seq,
    occurred_at: new Date(record.occurred_at).toISOString(),
    action: record.action,
    outcome: record.outcome,
    organisation: record.actor_org_id,
    role: record.actor_role,
    actor_subject: employees ? record.actor_subject : '',
    on_behalf_of: employees ? record.on_behalf_of : '',
    purpose: record.purpose,
    processing_activity: `${record.activity_id}@${record.activity_version}`,
    pupil_pseudonym: record.pupil_pseudonym,
    categories: record.categories,
    fields: record.fields,
    emergency: record.emergency,
    trace_id: record.trace_id,
    hash: record.hash,
  };
  return CSV_COLUMNS.map((column) => csvCell(values[column])).join(separator);
}

export interface AccessSignalModel {
  kind: 'MANY_PUPILS' | 'REPEATED_REFUSALS' | 'EMERGENCY_ACCESS';
  orgId: string;
  actorSubject: string;
  at: Date;
  count: number;
}

async function signals(ctx: RequestContext, from: Date, to: Date): Promise<AccessSignalModel[]> {
  const thresholds = ctx.services.accessLog.signals;
  const hour = sql<Date>`date_trunc('hour', access_log_records.occurred_at)`;
  const base = ctx.data
    .accessLog()
    .where('access_log_records.occurred_at', '>=', from)
    .where('access_log_records.occurred_at', '<', to);
  const [many, refusals, emergencies] = await Promise.all([
    base
      .where('access_log_records.pupil_id', 'is not', null)
      .select(['access_log_records.actor_org_id as orgId', 'access_log_records.actor_subject as actorSubject', hour.as('at')])
      .select(sql<number>`count(DISTINCT access_log_records.pupil_pseudonym)`.as('count'))
      .groupBy(['access_log_records.actor_org_id', 'access_log_records.actor_subject', hour])
      .having(sql<number>`count(DISTINCT access_log_records.pupil_pseudonym)`, '>', thresholds.pupilsPerHour)
      .execute(),
    base
      .where('access_log_records.outcome', '=', 'REFUSED')
      .select(['access_log_records.actor_org_id as orgId', 'access_log_records.actor_subject as actorSubject', hour.as('at')])
      .select(sql<number>`count(*)`.as('count'))
      .groupBy(['access_log_records.actor_org_id', 'access_log_records.actor_subject', hour])
      .having(sql<number>`count(*)`, '>', thresholds.refusalsPerHour)
      .execute(),
    base
      .where('access_log_records.action', '=', 'EMERGENCY')
      .where('access_log_records.outcome', '=', 'GRANTED')
      .select(['access_log_records.actor_org_id as orgId', 'access_log_records.actor_subject as actorSubject', 'access_log_records.occurred_at as at'])
      .select(sql<number>`1`.as('count'))
      .execute(),
  ]);
  const tag = (kind: AccessSignalModel['kind']) => (row: { orgId: string; actorSubject: string; at: Date; count: number }) => ({
    kind,
    orgId: row.orgId,
    actorSubject: row.actorSubject,
    at: new Date(row.at),
    count: Number(row.count),
  });
  return [...many.map(tag('MANY_PUPILS')), ...refusals.map(tag('REPEATED_REFUSALS')), ...emergencies.map(tag('EMERGENCY_ACCESS'))].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || a.kind.localeCompare(b.kind),
  );
}

const SignalsInput = z
  .object({ from: z.date(), to: z.date() })
  .refine((input) => input.from < input.to, { message: 'must be before to', path: ['from'] })
  .refine((input) => input.to.getTime() - input.from.getTime() <= MAX_SIGNAL_DAYS * 24 * 3600_000, {
    message: `and to may be at most ${MAX_SIGNAL_DAYS} days apart`,
    path: ['from'],
  });

/** Employee-identifying fields of a record, withheld where `showEmployees` says so. */
const employeeShown = new WeakMap<AccessLogRecordRow, boolean>();

export const accessLogResolvers: Resolvers = {
  Query: {
    accessLog: async (_parent, args, ctx) => {
      requireOperation(ctx, 'readAccessLog');
      const filter = parseLogFilter(args.filter);
      const page = parsePage(args, 'accessLog', BY_TIME);
      recordLogRead(ctx, filter, 'READ', 'Query.accessLog');
      const employees = showEmployees(ctx, filter, args.includeEmployees);
      const connection = await keysetConnection(filtered(ctx, filter), (q) => q.selectAll('access_log_records'), BY_TIME, page, 'accessLog');
      for (const edge of connection.edges) employeeShown.set(edge.node, employees);
      return connection;
    },
    accessLogExport: async (_parent, args, ctx) => {
      requireOperation(ctx, 'readAccessLog');
      const filter = parseLogFilter(args.filter);
      recordLogRead(ctx, filter, 'EXPORT', 'Query.accessLogExport');
      const employees = showEmployees(ctx, filter, args.includeEmployees);
      const rows = await filtered(ctx, filter).selectAll('access_log_records').orderBy('access_log_records.occurred_at').orderBy('access_log_records.chain_id').orderBy('access_log_records.seq').limit(EXPORT_LIMIT + 1).execute();
      const truncated = rows.length > EXPORT_LIMIT;
      const kept = truncated ? rows.slice(0, EXPORT_LIMIT) : rows;
      const separator = CSV_SEPARATORS[args.separator ?? 'COMMA'];
      const csv = [CSV_COLUMNS.join(separator), ...kept.map((row) => csvRow(row, employees, separator))].join('\r\n') + '\r\n';
      return { csv, rows: kept.length, truncated };
    },
    accessLogSignals: async (_parent, args, ctx) => {
      requireOperation(ctx, 'readAccessLog');
      const input = parseInput(SignalsInput, { from: args.from, to: args.to });
      ctx.audit.record({ pupilId: null, action: 'READ', outcome: 'GRANTED', field: 'Query.accessLogSignals' });
      return signals(ctx, input.from, input.to);
    },
    processingActivities: () => [...PROCESSING_ACTIVITIES],
  },
  AccessLogRecord: {
    seq: (record) => String(record.seq),
    occurredAt: (record) => record.occurred_at,
    organisation: (record, _args, ctx) => ctx.services.directory.require(record.actor_org_id),
    role: (record) => record.actor_role,
    actorSubject: (record) => (employeeShown.get(record) === false ? null : record.actor_subject),
    onBehalfOf: (record) => (employeeShown.get(record) === false ? null : record.on_behalf_of),
    processingActivity: (record) => activityVersion(record.activity_id, record.activity_version),
    pupilPseudonym: (record) => record.pupil_pseudonym,
    pupilPseudonymKeyVersion: (record) => (record.pupil_pseudonym === null ? null : Number(record.pseudonym_key_version ?? 1)),
    chain: (record) => Number(record.chain_id),
    pupilId: (record) => record.pupil_id,
    operationName: (record) => record.operation_name,
    clientAddress: (record) => record.client_address,
    traceId: (record) => record.trace_id,
    spanId: (record) => record.span_id,
  },
  ProcessingActivity: {
    categories: (activity) => [...activity.categories],
    kinds: (activity) => (activity.kinds === 'ALL' ? [...ORGANISATION_KINDS] : [...activity.kinds]),
    subjectAccessException: (activity) =>
      activity.subjectAccessException ? `${activity.subjectAccessException.kinds.join(', ')}: ${activity.subjectAccessException.legalBasis}` : null,
  },
  AccessSignal: {
    organisation: (signal, _args, ctx) => ctx.services.directory.require(signal.orgId),
  },
};
