// Relay cursor connections with keyset pagination: a cursor is an opaque encoding of the last
// row's sort key, so pages stay stable while rows are added, and a page costs an index range scan.
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { badInput } from '../errors.ts';

export const MAX_PAGE_SIZE = 100;

const PageArgs = z.object({
  first: z
    .number({ error: 'first must be a whole number' })
    .int('first must be a whole number')
    .min(1, 'first must be at least 1')
    .max(MAX_PAGE_SIZE, `first must be at most ${MAX_PAGE_SIZE}`),
  after: z.string().max(200, 'after is not a cursor from this API').nullish(),
});

/** A column of a list's sort key, with the SQL type its cursor value is compared as. */
export interface KeyColumn {
  column: string;
  type: 'uuid' | 'text' | 'timestamptz' | 'bigint';
  /** Newest first: every column of a key must agree (the cursor compares the whole row value). */
  descending?: boolean;
  /**
   * The value a NULL sorts as (e.g. a far date for "no deadline: last"): the key is then
   * `coalesce(column, value)`, as a row comparison with NULL would lose rows between pages.
   */
  nullAs?: string;
  /**
   * A computed key: this SQL instead of the column, which then names the value as selected (the
   * list selects `expression as column`).
   */
  expression?: RawBuilder<unknown>;
}

/** The SQL of one key column (its coalesce when NULLs sort as a value). */
function keySql(key: KeyColumn) {
  const value = key.expression ?? sql.ref(key.column);
  return key.nullAs === undefined ? value : sql`coalesce(${value}, cast(${key.nullAs} as ${sql.raw(key.type)}))`;
}

export interface Page {
  first: number;
  /** The sort key to continue after (one value per key column), or null for the first page. */
  after: string[] | null;
}

const KEY_VALIDATORS: Record<KeyColumn['type'], (value: string) => boolean> = {
  uuid: (value) => UUID_PATTERN.test(value),
  // No control characters: PostgreSQL refuses NUL in text, and a forged cursor must not reach SQL as an error.
  // eslint-disable-next-line no-control-regex
  text: (value) => value.length <= 200 && !/[\u0000-\u001F\u007F]/.test(value),
  timestamptz: (value) => value.length <= 40 && !Number.isNaN(Date.parse(value)),
  bigint: (value) => /^[0-9]{1,18}$/.test(value),
};

/** Validates page arguments; `kind` keeps a pupil cursor from being used on referrals. */
export function parsePage(args: { first?: number | null; after?: string | null }, kind: string, keys: readonly KeyColumn[]): Page {
  const parsed = PageArgs.safeParse({ first: args.first ?? 25, after: args.after });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(issue.message, { argument: String(issue.path[0]) });
  }
  if (!parsed.data.after) return { first: parsed.data.first, after: null };
  const decoded = Buffer.from(parsed.data.after, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  let after: unknown = null;
  try {
    after = decoded.startsWith(prefix) ? JSON.parse(decoded.slice(prefix.length)) : null;
  } catch {
    after = null;
  }
  const valid =
    Array.isArray(after) &&
    after.length === keys.length &&
    after.every((value, i) => typeof value === 'string' && KEY_VALIDATORS[keys[i]!.type](value));
  if (!valid) throw badInput('after is not a cursor of this list: pass pageInfo.endCursor of the previous page', { argument: 'after' });
  return { first: parsed.data.first, after: after as string[] };
}

function encodeCursor(kind: string, key: readonly string[]): string {
  return Buffer.from(`${kind}:${JSON.stringify(key)}`, 'utf8').toString('base64url');
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/** Builds a connection from up to first+1 rows fetched in key order. */
export function toConnection<T>(
  rows: T[],
  page: Page,
  kind: string,
  keyOf: (row: T) => string[],
  totalCount: () => Promise<number>,
): Connection<T> {
  const hasNextPage = rows.length > page.first;
  const nodes = hasNextPage ? rows.slice(0, page.first) : rows;
  const edges = nodes.map((node) => ({ cursor: encodeCursor(kind, keyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/**
 * One page of `base` (a filtered query, nothing selected yet) in the order of `keys`, plus a lazy
 * totalCount over the same filter: the count runs only when a client selects it. Timestamps are
 * stored with millisecond precision (timestamptz(3)), so a cursor holds them exactly.
 */
export async function keysetConnection<DB, TB extends keyof DB, Row extends Record<string, unknown>>(
  base: SelectQueryBuilder<DB, TB, object>,
  select: (query: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, Row>,
  keys: readonly KeyColumn[],
  page: Page,
  kind: string,
): Promise<Connection<Row>> {
  let query = select(base);
  if (page.after !== null) {
    const after = page.after;
    const columns = sql.join(keys.map(keySql));
    const values = sql.join(keys.map((key, i) => sql`cast(${after[i]} as ${sql.raw(key.type)})`));
    query = query.where(keys[0]?.descending ? sql<boolean>`(${columns}) < (${values})` : sql<boolean>`(${columns}) > (${values})`);
  }
  for (const key of keys) query = query.orderBy(keySql(key), key.descending ? 'desc' : 'asc');
  const rows = (await query.limit(page.first + 1).execute()) as Row[];
  const field = (column: string) => column.split('.').pop()!;
  const keyOf = (row: Row) =>
    keys.map((key) => {
      const value = row[field(key.column)];
      if ((value === null || value === undefined) && key.nullAs !== undefined) return key.nullAs;
      return value instanceof Date ? value.toISOString() : String(value);
    });
  return toConnection(rows, page, kind, keyOf, async () => {
    const result = await base.select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
    return Number((result as { count: number }).count);
  });
}

/** Sort keys of the lists. */
export const BY_ID = (table: string): KeyColumn[] => [{ column: `${table}.id`, type: 'uuid' }];
export const BY_TIME = (table: string, timeColumn: string): KeyColumn[] => [
  { column: `${table}.${timeColumn}`, type: 'timestamptz' },
  { column: `${table}.id`, type: 'uuid' },
];

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_PATTERN.test(value);

// Parent types of the connection objects, for codegen's mappers (see codegen.ts).
import type { AccessLogRecordRow, ContactAttemptRow, EmergencyAccessRow, NoteRow, OrganisationRow, PupilRow, ReferralRow } from '../db/tables.ts';
export type OrganisationConnectionModel = Connection<OrganisationRow>;
export type PupilConnectionModel = Connection<PupilRow>;
export type ReferralConnectionModel = Connection<ReferralRow>;
export type ContactAttemptConnectionModel = Connection<ContactAttemptRow>;
export type NoteConnectionModel = Connection<NoteRow>;
export type EmergencyAccessConnectionModel = Connection<EmergencyAccessRow>;
export type AccessLogConnectionModel = Connection<AccessLogRecordRow>;
export type OutOfViewCaseConnectionModel = Connection<import('../outreach/cases.ts').CaseModel>;
export type WebhookDeliveryConnectionModel = Connection<import('../events/resolvers.ts').WebhookDeliveryModel>;
