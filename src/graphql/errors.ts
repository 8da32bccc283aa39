// A HubError (src/errors.ts) as GraphQL answers it: `extensions.code` first, then the error's own
// extensions, the message as it is, and the HTTP status and headers from `extensions.http`.
// graphql-js wraps what a resolver throws in a located GraphQLError (originalError: the HubError);
// useHubErrors puts a GraphQLError of our own in its place before yoga masks errors, so yoga takes it
// for an intended error (answered as it is, not logged) rather than an unexpected one.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { HubError, type AnswerErrorCode } from '../errors.ts';

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: AnswerErrorCode;
  }
}

/** The HubError an error is, or that a GraphQLError wraps (graphql-js: originalError). */
export function hubErrorOf(error: unknown): HubError | undefined {
  for (let current = error, hops = 0; current != null && hops < 5; hops++) {
    if (current instanceof HubError) return current;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return undefined;
}

/** The GraphQL error of a HubError, at the place in the operation where `located` was met (if any). */
export function toGraphQLError(error: HubError, located?: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    ...(located ? { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path } : {}),
    extensions: { code: error.code, ...error.extensions },
  });
}

/** An error of an answer, with a HubError in it replaced by its GraphQL error; others as they are. */
function answered<E>(error: E): E | GraphQLError {
  const hub = hubErrorOf(error);
  return hub ? toGraphQLError(hub, error instanceof GraphQLError ? error : undefined) : error;
}

/**
 * Answers every HubError as its GraphQL error: in results (queries, mutations, each event of a
 * subscription), when a subscription or the context cannot start, and when a stream fails. First
 * among the plugins, so the others and yoga's masking see the errors as they will be answered.
 */
export function useHubErrors(): Plugin {
  const inResult = ({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
    if (!result.errors?.some((error) => hubErrorOf(error))) return;
    setResult({ ...result, errors: result.errors.map(answered) });
  };
  return {
    onPluginInit({ registerContextErrorHandler }) {
      registerContextErrorHandler(({ error, setError }) => setError(answered(error)));
    },
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, inResult) }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, inResult),
      onSubscribeError: ({ error, setError }) => setError(answered(error)),
    }),
  };
}
