import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: unknown): string {
  const match = typeof value === 'string' ? DATE.exec(value) : null;
  const date = match ? new Date(`${value as string}T00:00:00Z`) : null;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new GraphQLError('Date must be a calendar date written YYYY-MM-DD, e.g. 2014-05-31', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  return value as string;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  // As in schema/schema.graphql (the resolver's scalar replaces the SDL's, description and all).
  description: 'A calendar date, `YYYY-MM-DD`.',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && value.length <= 40 ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime()) || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(value as string))
    throw new GraphQLError('DateTime must be ISO-8601 with a time zone, e.g. 2026-03-16T08:00:00Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  return date;
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'A point in time, ISO-8601 with time zone, e.g. `2026-03-16T08:00:00.000Z`.',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});
