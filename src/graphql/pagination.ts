// Relay cursor connections with keyset pagination: a cursor is an opaque encoding of the last
// row's sort key, so pages stay stable while rows are added, and a page costs an index range scan.
import { sql, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { badInput } from './errors.ts';

export const MAX_PAGE_SIZE = 100;

const PageArgs = z.object({
  first: z
    .number({ error: 'first must be a whole number' })
    .int('first must be a whole number')
    .min(1, 'first must be at least 1')
    .max(MAX_PAGE_SIZE, `first must be at most ${MAX_PAGE_SIZE}`),
  after: z.string().max(200, 'after is not a cursor from this API').nullish(),
});

export interface Page {
  first: number;
  /** The sort key to continue after, or null for the first page. */
  afterKey: string | null;
}

/** Validates page arguments; `kind` keeps a pupil cursor from being used on referrals. */
export function parsePage(
  args: { first?: number | null; after?: string | null },
  kind: string,
  validateKey: (key: string) => boolean,
): Page {
  const parsed = PageArgs.safeParse({ first: args.first ?? 25, after: args.after });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(issue.message, { argument: String(issue.path[0]) });
  }
  let afterKey: string | null = null;
  if (parsed.data.after) {
    const decoded = Buffer.from(parsed.data.after, 'base64url').toString('utf8');
    const prefix = `${kind}:`;
    afterKey = decoded.startsWith(prefix) ? decoded.slice(prefix.length) : null;
    if (afterKey === null || !validateKey(afterKey))
      throw badInput(`after is not a cursor of this list: pass pageInfo.endCursor of the previous page`, { argument: 'after' });
  }
  return { first: parsed.data.first, afterKey };
}

export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
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
  keyOf: (row: T) => string,
  totalCount: () => Promise<number>,
): Connection<T> {
  const hasNextPage = rows.length > page.first;
  const nodes = hasNextPage ? rows.slice(0, page.first) : rows;
  const edges = nodes.map((node) => ({ cursor: encodeCursor(kind, keyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: page.afterKey !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/**
 * One page of `base` (a filtered query, nothing selected yet) ordered by `keyColumn`, plus a lazy
 * totalCount over the same filter: the count runs only when a client selects it.
 */
export async function keysetConnection<DB, TB extends keyof DB, Row extends Record<string, unknown>>(
  base: SelectQueryBuilder<DB, TB, object>,
  select: (query: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, Row>,
  keyColumn: string,
  page: Page,
  kind: string,
): Promise<Connection<Row>> {
  const key = sql.ref(keyColumn);
  let query = select(base);
  if (page.afterKey !== null) query = query.where(key as never, '>', page.afterKey as never);
  const rows = await query
    .orderBy(key as never)
    .limit(page.first + 1)
    .execute();
  return toConnection(rows as Row[], page, kind, (row) => String(row[keyColumn.split('.').pop()!]), async () => {
    const result = await base
      .select(sql<number>`count(*)`.as('count'))
      .executeTakeFirstOrThrow();
    return Number((result as { count: number }).count);
  });
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_PATTERN.test(value);

// Parent types of the connection objects, for codegen's mappers (see codegen.ts).
import type { OrganisationRow, PupilRow, ReferralRow } from '../db/tables.ts';
export type OrganisationConnectionModel = Connection<OrganisationRow>;
export type PupilConnectionModel = Connection<PupilRow>;
export type ReferralConnectionModel = Connection<ReferralRow>;
