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
  // Request-level (src/http/error-codes.ts): the request could not be taken as GraphQL at all.
  | 'BAD_REQUEST'
  | 'NOT_ACCEPTABLE'
  | 'UNSUPPORTED_MEDIA_TYPE';
// Besides these, graphql-yoga's own: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and
// OPERATION_RESOLUTION_FAILURE (no operation of that name, or several without a name).

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const badInput = (message: string, extensions: Record<string, unknown> = {}) =>
  apiError('BAD_USER_INPUT', message, extensions);

export const forbidden = (message: string, extensions: Record<string, unknown> = {}) =>
  apiError('FORBIDDEN', message, extensions);
