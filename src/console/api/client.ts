// The console's only way to the hub: POST /graphql with the signed-in person's bearer token.
// Operations are the typed documents codegen's client preset makes from operations/*.graphql, so
// a result's type is exactly what the operation selects. Nothing is cached beyond a component's
// state: signing out unmounts every page, and with it every answer the hub gave.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { AnswerErrorCode } from '../../errors.ts';
import type { TypedDocumentString } from '../gql/graphql.ts';

/**
 * Stands for "signed in through the organisation's provider": no bearer token in the page; the
 * browser sends the hub's HttpOnly session cookie itself (same origin), with the CSRF header.
 */
export const SESSION_COOKIE_ACCESS = 'session-cookie';

/** The bearer token every request carries (or SESSION_COOKIE_ACCESS), and what to do when the hub no longer accepts it. */
export interface ApiAccess {
  token: string;
  onUnauthenticated: () => void;
}

export const ApiContext = createContext<ApiAccess | null>(null);

function useApiAccess(): ApiAccess {
  const access = useContext(ApiContext);
  if (!access) throw new Error('API hooks need an ApiContext (signed in)');
  return access;
}

/** The hub's codes (src/errors.ts, shared with the hub), and NETWORK: the console's own, for no answer. */
export type ApiErrorCode = AnswerErrorCode | 'NETWORK';

export interface ApiErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: ApiErrorCode; argument?: string; rows?: { row: number; field: string; message: string }[]; [key: string]: unknown };
}

/** A refused or failed request: the hub's errors as it sent them, or one of ours for the network. */
export class ApiError extends Error {
  constructor(
    readonly errors: ApiErrorEntry[],
    readonly status: number,
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
  get code(): ApiErrorCode | undefined {
    return this.errors[0]?.extensions?.code;
  }
  /**
   * The input field each error is about, so a form can show a text under it: `extensions.argument`
   * (`input.reason` → `reason`, `filter.bsn` → `bsn`) from the hub's own checks, or, for GraphQL's
   * refusal of a variable's value, the path in its message (`… at "input.consent.validFrom"; …` →
   * `consent.validFrom`). `word` turns an error into the text (ui/errors.ts words it by its code and
   * parameters); by default the hub's own message.
   */
  fieldErrors(word: (error: ApiErrorEntry) => string = hubWords): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const error of this.errors) {
      const argument = error.extensions?.argument;
      if (typeof argument === 'string') {
        byField[argument.replace(/^(input|filter)\./, '')] ??= word(error);
        continue;
      }
      const coercion = COERCION.exec(error.message);
      if (coercion?.[1]) byField[coercion[1]] ??= word(error);
    }
    return byField;
  }
}

const COERCION = /got invalid value .* at "(?:input|filter)\.([\w.]+)"(?:; (.+))?$/s;
/** The hub's own words for a field: its message, or for a variable's value the reason after the path. */
export const hubWords = (error: ApiErrorEntry) => COERCION.exec(error.message)?.[2] ?? error.message;

/**
 * Whether the hub withheld the field at `path` (or anything below it) from this caller: a FORBIDDEN
 * error on that path, beside the rest of the data (a category the caller's link does not cover).
 */
export function forbiddenAt(errors: readonly ApiErrorEntry[], ...path: readonly (string | number)[]): boolean {
  return errors.some(
    (error) => error.extensions?.code === 'FORBIDDEN' && error.path !== undefined && error.path.length >= path.length && path.every((part, index) => error.path![index] === part),
  );
}

export interface Result<T> {
  data: T | null;
  /** Errors beside data: fields the caller may not see (FORBIDDEN on a path). */
  partialErrors: ApiErrorEntry[];
}

/**
 * What this page learned about its hub: whether it runs only registered operations
 * (PERSISTED_OPERATIONS_FILE). Such a hub refuses operation text, so the console then sends each
 * operation's registered hash (src/console/gql/persisted-documents.json) instead.
 */
const hub = { registeredOnly: false };

export async function execute<TResult, TVariables>(
  token: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
): Promise<Result<TResult>> {
  const hash = document.__meta__?.hash as string | undefined;
  const byHash = hub.registeredOnly && hash !== undefined;
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json',
        ...(token === SESSION_COOKIE_ACCESS ? {} : { Authorization: `Bearer ${token}` }),
        // The hub's CSRF prevention wants a non-simple header (always, with a session cookie).
        'X-GraphQL-Yoga-CSRF': 'console',
      },
      body: JSON.stringify(
        byHash
          ? { variables: variables ?? {}, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }
          : { query: document.toString(), variables: variables ?? {} },
      ),
    });
  } catch {
    throw new ApiError([{ message: 'The hub could not be reached.', extensions: { code: 'NETWORK' } }], 0);
  }
  let body: { data?: TResult | null; errors?: ApiErrorEntry[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError([{ message: `The hub answered ${response.status} without a GraphQL result.`, extensions: { code: 'NETWORK' } }], response.status);
  }
  const errors = body.errors ?? [];
  if (!byHash && hash !== undefined && errors[0]?.extensions?.code === 'PERSISTED_QUERY_ONLY') {
    hub.registeredOnly = true;
    return execute(token, document, variables);
  }
  // Errors without a path refuse the whole operation; errors on a path leave the rest of the data.
  if (!body.data || errors.some((error) => !error.path)) throw new ApiError(errors.length ? errors : [{ message: 'No data.' }], response.status);
  return { data: body.data, partialErrors: errors };
}

export interface QueryState<T> {
  data: T | null;
  partialErrors: ApiErrorEntry[];
  error: ApiError | null;
  loading: boolean;
  refetch: () => void;
}

/** Runs a query when mounted and whenever its variables change (compared as JSON). */
export function useQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  options: { skip?: boolean } = {},
): QueryState<TResult> {
  const { token, onUnauthenticated } = useApiAccess();
  const key = JSON.stringify(variables ?? {});
  const [state, setState] = useState<Omit<QueryState<TResult>, 'refetch'>>({ data: null, partialErrors: [], error: null, loading: !options.skip });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (options.skip) {
      setState({ data: null, partialErrors: [], error: null, loading: false });
      return;
    }
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    execute(token, document, JSON.parse(key) as TVariables).then(
      (result) => current && setState({ data: result.data, partialErrors: result.partialErrors, error: null, loading: false }),
      (error: unknown) => {
        if (!current) return;
        const apiError = error instanceof ApiError ? error : new ApiError([{ message: String(error) }], 0);
        if (apiError.code === 'UNAUTHENTICATED') onUnauthenticated();
        setState({ data: null, partialErrors: [], error: apiError, loading: false });
      },
    );
    return () => {
      current = false;
    };
  }, [token, document, key, generation, options.skip, onUnauthenticated]);
  const refetch = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, refetch };
}

export interface MutationState<T> {
  data: T | null;
  error: ApiError | null;
  running: boolean;
}

/** A mutation to run on demand (a form's submit). Resolves to the data, or null after an error. */
export function useMutation<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
): [(variables: TVariables) => Promise<TResult | null>, MutationState<TResult>, () => void] {
  const { token, onUnauthenticated } = useApiAccess();
  const [state, setState] = useState<MutationState<TResult>>({ data: null, error: null, running: false });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(
    async (variables: TVariables) => {
      setState({ data: null, error: null, running: true });
      try {
        const result = await execute(token, document, variables);
        if (mounted.current) setState({ data: result.data, error: null, running: false });
        return result.data;
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError([{ message: String(error) }], 0);
        if (apiError.code === 'UNAUTHENTICATED') onUnauthenticated();
        if (mounted.current) setState({ data: null, error: apiError, running: false });
        return null;
      }
    },
    [token, document, onUnauthenticated],
  );
  const reset = useCallback(() => setState({ data: null, error: null, running: false }), []);
  return [run, state, reset];
}

/** A query run on demand (an export button) rather than on mount: the same as a mutation's hook. */
export const useLazyQuery = useMutation;
