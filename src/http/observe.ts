// What each GraphQL request did, for the request log line and the metrics: its operation (by name),
// the caller's organisation and role, the error codes of its answer, its W3C trace id. Gathered per
// request on the side (a WeakMap on the request object), filled in by a yoga plugin, read when the
// answer has been sent. Never variables, results or anything else a person could be found by.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.ts';

export interface RequestFacts {
  traceId: string;
  startedAt: bigint;
  /** Set once the operation is known (after parsing); absent when refused before that. */
  operation?: string;
  executed: boolean;
  org?: string;
  role?: string;
  errorCodes: Set<string>;
}

const facts = new WeakMap<IncomingMessage, RequestFacts>();

export const factsOf = (req: IncomingMessage): RequestFacts | undefined => facts.get(req);

// https://www.w3.org/TR/trace-context/#traceparent-header: version-traceid-parentid-flags.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The caller's trace id when it sent a valid `traceparent`, else a fresh one. */
export function traceIdOf(header: string | string[] | undefined): string {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (match && !/^0+$/.test(match[1]!)) return match[1]!;
  return randomBytes(16).toString('hex');
}

const isStream = (req: IncomingMessage) => String(req.headers.accept ?? '').includes('text/event-stream');

/** Express middleware for /graphql: starts the facts, and records the metrics when the answer is out. */
export function observeGraphqlRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const entry: RequestFacts = { traceId: traceIdOf(req.headers.traceparent), startedAt: process.hrtime.bigint(), executed: false, errorCodes: new Set() };
    facts.set(req, entry);
    if (isStream(req)) {
      metrics.sseStreams.inc();
      res.once('close', () => metrics.sseStreams.dec());
      next();
      return;
    }
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - entry.startedAt) / 1e9;
      const outcome = entry.executed ? (entry.errorCodes.size > 0 ? 'error' : 'ok') : res.statusCode < 400 && entry.errorCodes.size === 0 ? 'ok' : 'refused';
      metrics.requestDuration.observe({ operation: entry.operation ?? 'unknown', outcome }, seconds);
    });
    next();
  };
}

/** The request log line's fields (pino-http customProps), once the answer has been sent. */
export function requestLogFields(req: IncomingMessage, res: ServerResponse): Record<string, unknown> {
  const entry = facts.get(req);
  // pino-http asks at the start too; the fields belong to the line written at the end.
  if (!entry || !res.headersSent) return {};
  return {
    traceId: entry.traceId,
    ...(entry.org ? { org: entry.org, role: entry.role } : {}),
    ...(entry.operation ? { operation: entry.operation } : {}),
    ...(entry.errorCodes.size > 0 ? { errorCodes: [...entry.errorCodes] } : {}),
  };
}

/** Records who asked (after authentication): called by the hub's context factory. */
export function noteActor(req: IncomingMessage, org: string, role: string): void {
  const entry = facts.get(req);
  if (entry) Object.assign(entry, { org, role });
}

interface ServerContext {
  req: IncomingMessage;
}

/** The operation's name, and the error codes of the answer (counted by code). */
export function useRequestFacts(metrics: Metrics): Plugin<Record<string, unknown>, ServerContext> {
  const name = (document: DocumentNode, operationName: string | null | undefined) => {
    try {
      return getOperationAST(document, operationName)?.name?.value;
    } catch {
      return undefined;
    }
  };
  const entryOf = (context: unknown) => {
    const req = (context as { req?: IncomingMessage } | undefined)?.req;
    return req ? facts.get(req) : undefined;
  };
  return {
    // After parsing, before validation and authentication: the name is known even when refused later.
    onValidate({ params, context }) {
      const entry = entryOf(context);
      if (!entry) return;
      const operationName = (context as { params?: { operationName?: string | null } }).params?.operationName;
      entry.operation = metrics.operationLabel(name(params.documentAST, operationName));
    },
    onExecute({ args }) {
      const entry = entryOf(args.contextValue);
      if (entry) entry.executed = true;
    },
    onSubscribe({ args }) {
      const entry = entryOf(args.contextValue);
      if (entry) entry.executed = true;
    },
    onResultProcess({ result, serverContext }) {
      const entry = serverContext?.req && facts.get(serverContext.req);
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: Array<{ extensions?: Record<string, unknown> }> }).errors;
        for (const error of errors ?? []) {
          const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN';
          // Codes come from the hub and graphql-js: a small fixed set, safe as a label.
          const label = /^[A-Z_]{1,64}$/.test(code) ? code : 'OTHER';
          metrics.errors.inc({ code: label });
          entry?.errorCodes.add(label);
        }
      }
    },
  };
}
