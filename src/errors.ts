// The hub's errors, whatever carries them. A service refuses with a HubError: a code that integrators
// and the console branch on, a message that says what to fix, and the details beside them (which
// argument, which categories, the HTTP status). None of these messages may contain personal data.
// src/graphql/errors.ts turns a HubError into the GraphQL error of the answer; the console words it
// by its code (src/console/ui/errors.ts). Nothing here knows GraphQL or HTTP servers, so the console
// and the command line import it as they are.

/** Every code the hub itself answers with. */
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
  // Persisted operations only (src/http/persisted.ts): the operation is not one the hub knows.
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'PERSISTED_QUERY_ONLY'
  | 'PERSISTED_QUERY_ID_REQUIRED'
  // The database could not be reached or the connection was cut: nothing was returned; retry.
  | 'DATABASE_UNAVAILABLE'
  // The hub is shutting down: retry (another instance, or this one after its restart).
  | 'SHUTTING_DOWN';

/**
 * graphql-yoga's own codes, in the same `extensions.code`: GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED and OPERATION_RESOLUTION_FAILURE (no operation of that name, or several
 * without a name). The hub never raises these itself.
 */
export type GraphQLServerErrorCode = 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED' | 'OPERATION_RESOLUTION_FAILURE';

/** Every code an error in the hub's answers can carry. */
export type AnswerErrorCode = ErrorCode | GraphQLServerErrorCode;

/** What a HubError says besides its code and message; answered as they are, beside the code. */
export interface HubErrorExtensions {
  /** The argument (or input field) the error is about, e.g. `input.reason`: a form shows it there. */
  argument?: string;
  /** The data categories refused or never readable. */
  categories?: readonly string[];
  /** The answer's HTTP status and headers, when not 200 (GraphQL over HTTP, `extensions.http`). */
  http?: { status?: number; headers?: Record<string, string> };
  [name: string]: unknown;
}

/** A refusal or failure the caller is told about as it is (an unexpected error is masked instead). */
export class HubError extends Error {
  override name = 'HubError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: HubErrorExtensions = {},
  ) {
    super(message);
  }
}

export const apiError = (code: ErrorCode, message: string, extensions: HubErrorExtensions = {}) => new HubError(code, message, extensions);

export const badInput = (message: string, extensions: HubErrorExtensions = {}) => new HubError('BAD_USER_INPUT', message, extensions);

export const forbidden = (message: string, extensions: HubErrorExtensions = {}) => new HubError('FORBIDDEN', message, extensions);

/** 503 with Retry-After for a request that failed because the database connection was lost. */
export const databaseUnavailable = (requestId?: string) =>
  new HubError('DATABASE_UNAVAILABLE', 'The database connection was lost, so nothing was returned; retry in a moment', {
    ...(requestId ? { requestId } : {}),
    http: { status: 503, headers: { 'Retry-After': '1' } },
  });
