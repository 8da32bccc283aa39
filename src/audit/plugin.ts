// Writes each request's access records before its response leaves. Fail closed: when the access
// log cannot be written, the caller gets an error and none of the data. Also adopts the caller's
// W3C trace context (traceparent) for the records, and passes it on in the response.
import type { Plugin } from '@envelop/core';
import { getOperationAST } from 'graphql';
import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../graphql/context.ts';
import { isConnectionLost } from '../db/database.ts';
import { apiError, databaseUnavailable } from '../errors.ts';
import { toGraphQLError } from '../graphql/errors.ts';

// version-traceid-parentid-flags; all-zero ids are invalid (W3C Trace Context, section 3.2).
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | null | undefined): { traceId: string; flags: string } | null {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return null;
  return { traceId: match[1]!, flags: match[3]! };
}

type ExecutionContext = RequestContext & { request?: Request; res?: ServerResponse };

/** The error a caller gets instead of data when the access log cannot be written. */
function withheld(ctx: RequestContext, error: unknown) {
  if (isConnectionLost(error)) return { errors: [toGraphQLError(databaseUnavailable(ctx.requestId))] };
  return {
    errors: [
      toGraphQLError(
        apiError(
          'INTERNAL_SERVER_ERROR',
          `the access log could not be written, so no data is returned (request ${ctx.requestId}); try again later`,
          { requestId: ctx.requestId, http: { status: 503, headers: { 'Retry-After': '1' } } },
        ),
      ),
    ],
  };
}

export function useAccessLog(): Plugin<RequestContext> {
  return {
    // A subscription: each event it delivers is written to the log before it leaves, fail closed.
    onSubscribe({ args }) {
      const ctx = args.contextValue as ExecutionContext;
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      ctx.audit.setOperationName(operation?.name?.value ?? args.operationName ?? null);
      return {
        onSubscribeResult() {
          return {
            async onNext({ setResult }) {
              try {
                await ctx.audit.flush(ctx.db);
              } catch (error) {
                ctx.log.error({ err: { message: (error as Error).message } }, 'access log write failed; event withheld');
                setResult(withheld(ctx, error));
              }
            },
          };
        },
      };
    },
    onExecute({ args }) {
      const ctx = args.contextValue as ExecutionContext;
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      ctx.audit.setOperationName(operation?.name?.value ?? args.operationName ?? null);
      const caller = parseTraceparent(ctx.request?.headers.get('traceparent'));
      const trace = ctx.audit.adoptTrace(caller?.traceId ?? null);
      if (ctx.res && !ctx.res.headersSent) ctx.res.setHeader('traceparent', `00-${trace.traceId}-${trace.spanId}-${caller?.flags ?? '01'}`);
      return {
        async onExecuteDone({ setResult }) {
          try {
            await ctx.audit.flush(ctx.db);
          } catch (error) {
            ctx.log.error({ err: { message: (error as Error).message } }, 'access log write failed; response withheld');
            setResult(withheld(ctx, error));
          }
        },
      };
    },
  };
}
