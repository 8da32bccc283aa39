// The error vocabulary of the API. `extensions.code` is what integrators branch on; the message says
// what to fix. None of these messages may contain personal data.
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'INTERNAL_SERVER_ERROR'
  // Hardening (src/http/limits.ts, rate-limit.ts, overload.ts): the request changed nothing.
  | 'QUERY_LIMIT_EXCEEDED'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  // Request-level (src/http/error-codes.ts, request-shape.ts): the request could not be taken as GraphQL at all.
  | 'BAD_REQUEST'
  | 'NOT_ACCEPTABLE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  // The database could not be reached or the connection was cut: nothing was returned; retry.
  | 'DATABASE_UNAVAILABLE'
  // The hub is shutting down: retry (another instance, or this one after its restart).
  | 'SHUTTING_DOWN';
// Besides these, graphql-yoga's own: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and
// OPERATION_RESOLUTION_FAILURE (no operation of that name, or several without a name).

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** 503 with Retry-After for a request that failed because the database connection was lost. */
export const databaseUnavailable = (requestId?: string) =>
  apiError('DATABASE_UNAVAILABLE', 'The database connection was lost, so nothing was returned; retry in a moment', {
    ...(requestId ? { requestId } : {}),
    http: { status: 503, headers: { 'Retry-After': '1' } },
  });

export const badInput = (message: string, extensions: Record<string, unknown> = {}) =>
  apiError('BAD_USER_INPUT', message, extensions);

export const forbidden = (message: string, extensions: Record<string, unknown> = {}) =>
  apiError('FORBIDDEN', message, extensions);
