// Writes each request's access records before its response leaves. Fail closed: when the access
// log cannot be written, the caller gets an error and none of the data.
import type { Plugin } from '@envelop/core';
import { getOperationAST } from 'graphql';
import type { RequestContext } from '../graphql/context.ts';
import { apiError } from '../graphql/errors.ts';

export function useAccessLog(): Plugin<RequestContext> {
  return {
    onExecute({ args }) {
      const ctx = args.contextValue;
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      ctx.audit.setOperationName(operation?.name?.value ?? args.operationName ?? null);
      return {
        async onExecuteDone({ setResult }) {
          try {
            await ctx.audit.flush(ctx.db);
          } catch (error) {
            ctx.log.error({ err: { message: (error as Error).message } }, 'access log write failed; response withheld');
            setResult({
              errors: [
                apiError(
                  'INTERNAL_SERVER_ERROR',
                  `the access log could not be written, so no data is returned (request ${ctx.requestId}); try again later`,
                  { requestId: ctx.requestId, http: { status: 503 } },
                ),
              ],
            });
          }
        },
      };
    },
  };
}
