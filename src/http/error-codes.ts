// Every error the hub answers carries `extensions.code`, also those graphql-js and yoga produce
// before any resolver of ours runs. Three gaps are closed here:
//  - variables that do not fit their definitions (one left out, null for a non-null type, a value
//    of the wrong type, an unknown enum value): graphql-js coerces them before execution and its
//    errors carry no code, while the same mistake written inline is a validation error with one.
//    They are coerced here first and answered as BAD_USER_INPUT naming the variable, before the
//    category guard and the access log: nothing is read, recorded or changed;
//  - any other error still without a code when the result is sent (the CSRF check in production,
//    an execution error graphql-js makes itself): a request-level one gets BAD_REQUEST (FORBIDDEN for
//    the CSRF check), one met during execution INTERNAL_SERVER_ERROR;
//  - 406 and 415 answers, which yoga sends with an empty body: they get a JSON body with a code.
import { getOperationAST, getVariableValues, GraphQLError, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

function variableErrors(args: ExecutionArgs): GraphQLError[] | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  // No single operation: graphql-js answers that itself, with a code (yoga's).
  if (!operation) return undefined;
  const values = (args.variableValues ?? {}) as Record<string, unknown>;
  const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], values, { maxErrors: 25 });
  if (!coerced.errors) return undefined;
  return coerced.errors.map((error) => {
    const node = error.nodes?.[0];
    const variable = node?.kind === 'VariableDefinition' ? `$${node.variable.name.value}` : undefined;
    // The original error is left out on purpose: a scalar's own error as original would make yoga
    // mask the message as an unexpected one, and its text is in this message already.
    return new GraphQLError(error.message, {
      ...(error.nodes ? { nodes: error.nodes } : {}),
      extensions: { code: 'BAD_USER_INPUT', ...(variable ? { variable } : {}), http: { status: 400 } },
    });
  });
}

const EMPTY_ANSWERS: Record<number, { code: string; message: string }> = {
  406: {
    code: 'NOT_ACCEPTABLE',
    message: 'Accept application/graphql-response+json or application/json (text/event-stream for subscriptions).',
  },
  415: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send the operation as JSON (Content-Type: application/json) in a POST, or as a query string in a GET.',
  },
};

type ErrorLike = { message?: string; path?: unknown; extensions?: Record<string, unknown> };

function codeFor(error: ErrorLike): string {
  if (error.message?.startsWith('Required CSRF header')) return 'FORBIDDEN';
  return error.path ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
}

export function useErrorCodes(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = variableErrors(args);
      if (errors) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = variableErrors(args);
      if (errors) setResultAndStopExecution({ errors });
    },
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: ErrorLike[] }).errors;
        for (const error of errors ?? []) {
          if (typeof error.extensions?.code === 'string') continue;
          if (error instanceof GraphQLError) (error.extensions as Record<string, unknown>).code = codeFor(error);
          else error.extensions = { ...error.extensions, code: codeFor(error) };
        }
      }
    },
    onResponse({ response, setResponse, fetchAPI }) {
      const answer = EMPTY_ANSWERS[response.status];
      if (!answer || response.headers.get('content-length') !== '0' && response.body !== null) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('Content-Type', 'application/json; charset=utf-8');
      headers.delete('content-length');
      setResponse(new fetchAPI.Response(JSON.stringify({ errors: [{ message: answer.message, extensions: { code: answer.code } }] }), { status: response.status, headers }));
    },
  };
}
