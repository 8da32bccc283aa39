// Overload: a bounded number of GraphQL requests in progress, a deadline per request and a
// body size limit. Under overload the hub answers 503 with Retry-After at once instead of queueing
// without end; a request over its deadline gets 503 TIMEOUT (the database's statement timeout ends
// its SQL on PostgreSQL). Answers are GraphQL-shaped JSON with `extensions.code`.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from '../logging.ts';

export interface OverloadLimits {
  maxInFlight: number;
  requestTimeoutMs: number;
  bodyLimitBytes: number;
  /** For multipart uploads (GraphQL multipart request specification): CSV files. */
  uploadLimitBytes: number;
  /** Open subscription streams (server-sent events); they do not count as requests in progress. */
  maxStreams: number;
}

const isStream = (req: { headers: Record<string, unknown> }) => String(req.headers.accept ?? '').includes('text/event-stream');

const isMultipart = (req: { headers: Record<string, unknown> }) => String(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');

function sendError(
  res: Parameters<RequestHandler>[1],
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** Counts requests in progress; sheds with 503 OVERLOADED above the limit. */
export function concurrencyLimit(limits: OverloadLimits, logger: Logger): RequestHandler & { inFlight: () => number } {
  let inFlight = 0;
  let streams = 0;
  let shed = 0;
  const handler: RequestHandler = (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    // A subscription stays open for hours: it must not take a slot meant for requests in progress,
    // so streams have a limit of their own.
    if (isStream(req)) {
      if (streams >= limits.maxStreams) {
        sendError(res, 503, 'OVERLOADED', `The hub serves ${limits.maxStreams} subscriptions at most; retry later`, { 'Retry-After': '30' });
        return;
      }
      streams += 1;
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        streams -= 1;
      };
      res.once('finish', close);
      res.once('close', close);
      return next();
    }
    if (inFlight >= limits.maxInFlight) {
      shed += 1;
      // One log line per 100 shed requests: overload must not also flood the logs.
      if (shed % 100 === 1) logger.warn({ inFlight, shed }, 'overloaded: shedding requests with 503');
      sendError(res, 503, 'OVERLOADED', 'The hub is busy; retry after 1 s', { 'Retry-After': '1' });
      return;
    }
    inFlight += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight -= 1;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
  return Object.assign(handler, { inFlight: () => inFlight });
}

/**
 * Answers 503 TIMEOUT when a request is not answered in time. The work may still be running; its
 * late response is dropped (writes after the timeout are ignored, never an error).
 */
export function requestTimeout(limits: OverloadLimits, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn({ timeoutMs: limits.requestTimeoutMs }, 'request timed out');
      sendError(res, 503, 'TIMEOUT', `The request took longer than ${limits.requestTimeoutMs} ms and was abandoned; it may be retried`, {
        'Retry-After': '1',
      });
      // Later writes of the abandoned handler become no-ops.
      const ignore = function (this: unknown) {
        return res;
      };
      // No-op stand-ins for response methods with many overloads: cast, as none of them fits every one.
      res.writeHead = ignore as never;
      res.setHeader = ignore as never;
      res.write = (() => true) as never;
      res.end = ignore as never;
    }, limits.requestTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}

/** Reads the body (at most bodyLimitBytes, uploads uploadLimitBytes) before yoga sees it; larger bodies get 413. */
export function bodyLimit(limits: OverloadLimits): RequestHandler {
  const upload = express.raw({ type: () => true, limit: limits.uploadLimitBytes });
  const plain = express.raw({ type: () => true, limit: limits.bodyLimitBytes });
  return (req, res, next) => (isMultipart(req) ? upload : plain)(req, res, next);
}

export function bodyErrors(limits: OverloadLimits): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, req, res, next) => {
    if (error?.type === 'entity.too.large') {
      sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${isMultipart(req) ? limits.uploadLimitBytes : limits.bodyLimitBytes} bytes`);
      return;
    }
    if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      sendError(res, error.status, 'BAD_REQUEST', 'The request body could not be read');
      return;
    }
    next(error);
  };
}
