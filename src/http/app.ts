// The hub as an HTTP application: express for the plain endpoints, graphql-yoga at /graphql, and
// envelop plugins for authentication context, the category guard and the access log.
import { createEventBus } from '../events/bus.ts';
import { DEV_WEBHOOK_SECRET_KEY, WebhookDispatcher } from '../events/webhooks.ts';
import { useEventStreamIds } from '../events/sse.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import { printSdl } from '../graphql/published.ts';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AccessLog } from '../audit/chain.ts';
import { useAccessLog } from '../audit/plugin.ts';
import { useErrorCodes } from './error-codes.ts';
import type { Actor } from '../auth/actor.ts';
import { AuthenticationError, type VerifyBearer } from '../auth/verify.ts';
import { isConnectionLost, type Database } from '../db/database.ts';
import { databaseUnavailable } from '../errors.ts';
import { toGraphQLError, useHubErrors } from '../graphql/errors.ts';
import { createRequestContext, type GatewayFactory, type HubServices, type RequestContext } from '../graphql/context.ts';
import { buildHubSchema } from '../graphql/schema.ts';
import type { Logger } from '../logging.ts';
import type { Metrics } from '../metrics.ts';
import { OrganisationDirectory } from '../organisations/directory.ts';
import { useOperationCategoryGuard } from '../policy/category-guard.ts';
import { consoleRouter } from './console.ts';
import { defaultHardening, type Hardening } from './hardening.ts';
import { createFairShare, type FairShare } from './fairness.ts';
import { useQueryLimits } from './limits.ts';
import { bodyErrors, bodyLimit, concurrencyLimit, requestTimeout } from './overload.ts';
import { noteActor, observeGraphqlRequests, requestLogFields, useRequestFacts } from './observe.ts';
import { usePersistedOperationsOnly } from './persisted.ts';
import { useReadableRequests } from './request-shape.ts';
import { createRateLimiter } from './rate-limit.ts';
import type { SignIn } from '../signin/flow.ts';

export interface HubOptions {
  database: Database;
  logger: Logger;
  metrics: Metrics;
  verifyBearer: VerifyBearer;
  directory: OrganisationDirectory;
  production: boolean;
  /** Query limits, rate limits, overload, CORS, persisted operations; default: the configuration's defaults. */
  hardening?: Hardening;
  clock?: () => Date;
  /** The access log's writer (hash chain, pseudonyms, checkpoints). */
  accessLog: AccessLog;
  /** The console at /console: where its built files are, and whether the demo sign-in is on. */
  console?: { directory: string; devSignIn: boolean };
  /** Seals webhook secrets at rest (config WEBHOOK_SECRET_KEY; a development key otherwise). */
  webhookSecretKey?: string;
  /**
   * Benchmark only (`npm run bench`, bench/baseline.ts): the same server reading through the
   * benchmark's own gateway, without the category guard and the access log, to measure what the
   * policy costs. Refused (throws) when `production` is true.
   */
  baseline?: { gateway: GatewayFactory };
  /** Console sign-in through the organisations' OpenID providers, and its sessions (src/signin). */
  signIn?: SignIn;
}

export class UnguardedBaselineInProductionError extends Error {
  constructor() {
    super('a baseline (the benchmark hub without policy and access log) cannot be enabled in production');
  }
}

export interface Hub {
  app: Express;
  yoga: YogaServerInstance<ServerContext, RequestContext>;
  services: HubServices;
  /** Set while shutting down: /readyz answers 503 so a load balancer stops sending work. */
  draining: { value: boolean };
  /** Sends due webhooks (main.ts runs it on an interval; tests call runOnce). */
  webhooks: WebhookDispatcher;
  /** The hub's metrics; main.ts serves them on METRICS_PORT, never on the API's port. */
  metrics: Metrics;
  /** Stops listening for events and sending webhooks (before the database closes). */
  stop(): Promise<void>;
  /**
   * Drains `server` (SIGTERM): from now on every answer says `Connection: close`, and requests that
   * arrive get 503 SHUTTING_DOWN with Retry-After; requests already in progress finish. After a
   * short grace (for requests already on their way over kept-alive connections, which a close
   * would reset) idle connections are closed and the server stops accepting; whatever is still
   * open at `timeoutMs` is cut. Then stop(). Resolves when the server is closed; the database is
   * the caller's to close.
   */
  shutdown(server: Server, options: { timeoutMs: number; graceMs?: number }): Promise<{ forced: boolean }>;
}

interface ServerContext {
  req: IncomingMessage & { id?: string | number; log?: Logger };
  res: ServerResponse;
}

/** RFC 6750 section 3: no error code when no token was sent; invalid_request for a malformed header. */
function wwwAuthenticate(reason: string): string {
  if (reason === 'missing_header') return 'Bearer realm="ketenhub"';
  return `Bearer realm="ketenhub", error="${reason === 'malformed_header' ? 'invalid_request' : 'invalid_token'}"`;
}

// A caller may pass its own request id (e.g. from its gateway); anything else gets a fresh UUID.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function createHub(options: HubOptions): Hub {
  const { database, logger, metrics, verifyBearer, directory } = options;
  const unguarded = options.baseline !== undefined;
  if (unguarded && options.production) throw new UnguardedBaselineInProductionError();
  if (unguarded) logger.warn('UNGUARDED BASELINE: no policy and no access log (benchmark only)');
  const services: HubServices = {
    db: database.db,
    directory,
    clock: options.clock ?? (() => new Date()),
    accessLog: options.accessLog,
    events: createEventBus(database, logger),
    webhookSecretKey: options.webhookSecretKey ?? DEV_WEBHOOK_SECRET_KEY,
    production: options.production,
    logger,
    ...(options.baseline ? { gateway: options.baseline.gateway } : {}),
  };
  const draining = { value: false };
  const hardening = options.hardening ?? defaultHardening(options.production);
  const rateLimiter = createRateLimiter(hardening.rateLimits);
  const fairShare = createFairShare(hardening.fairShare);
  const unexpectedError = 'Internal error: the hub could not answer. Quote extensions.requestId to its operators.';

  const schema = buildHubSchema({ guardFields: !unguarded });
  const yoga = createYoga<ServerContext, RequestContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is express's (an allow-list from CORS_ORIGINS); yoga's default would allow every origin.
    cors: false,
    // Unexpected errors (a database error, a bug) become one message with the request id; never a
    // stack, SQL text or internal name. In development yoga adds the original error when
    // NODE_ENV=development; in production never.
    // A lost database connection is no bug: 503 DATABASE_UNAVAILABLE with Retry-After, still no data.
    maskedErrors: {
      errorMessage: unexpectedError,
      ...(options.production ? { isDev: false } : {}),
      maskError: (error, message, isDev) => (isConnectionLost(error) ? toGraphQLError(databaseUnavailable()) : maskError(error, message, isDev)),
    },
    // GraphiQL from the hub itself (@graphql-yoga/render-graphiql: one page with every script and
    // style inline, no CDN), so it works on a network without internet. Loaded on the first request
    // for it: the page is 9 MB of JavaScript that production (no GraphiQL) never needs.
    renderGraphiQL: async (graphiqlOptions) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    graphiql: options.production
      ? false
      : {
          title: 'Ketenhub',
          defaultQuery: '# Get a token: npm run token -- --org lz-den-haag --role PROFESSIONAL\n# and set it under Headers as {"Authorization": "Bearer <token>"}\n{\n  viewer { organisation { name } role readableCategories }\n}\n',
          headers: JSON.stringify({ Authorization: 'Bearer <paste a token from npm run token>' }),
        },
    // Yoga's own log lines carry error messages, never variables or results.
    logging: {
      debug: () => undefined,
      info: (...args: unknown[]) => logger.info(String(args[0])),
      warn: (...args: unknown[]) => logger.warn(String(args[0])),
      error: (...args: unknown[]) =>
        logger.error({ err: args.find((a) => a instanceof Error) }, String(args.find((a) => typeof a === 'string') ?? 'graphql error')),
    },
    context: async ({ req, request }) => {
      const requestId = String(req.id ?? randomUUID());
      const log = (req.log ?? logger).child({});
      try {
        const actor = (req as { verifiedActor?: Actor }).verifiedActor ?? (await verifyBearer(request.headers.get('authorization')));
        log.debug({ org: actor.organisationId, role: actor.role }, 'authenticated');
        noteActor(req, actor.organisationId, actor.role);
        // Per organisation and per subject; throws RATE_LIMITED (429, Retry-After) before any work.
        rateLimiter.check(actor);
        return createRequestContext(services, actor, {
          requestId,
          clientAddress: req.socket?.remoteAddress ?? null,
          log: log.child({ org: actor.organisationId, role: actor.role }),
        });
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        metrics.authRefusals.inc({ reason: error.reason, status: String(error.status) });
        log.warn({ reason: error.reason, status: error.status, issuer: error.issuer }, 'token refused');
        throw new GraphQLError(error.message, {
          extensions: {
            code: error.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
            reason: error.reason,
            http: {
              status: error.status,
              headers: error.status === 401 ? { 'WWW-Authenticate': wwwAuthenticate(error.reason) } : {},
            },
          },
        });
      }
    },
    plugins: [
      // HubErrors thrown by services become the GraphQL errors of the answer (graphql/errors.ts).
      useHubErrors(),
      useReadableRequests(),
      ...(hardening.persistedOperations ? [usePersistedOperationsOnly(hardening.persistedOperations)] : []),
      ...(options.production ? [useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }) as Plugin] : []),
      // The organisation's share of cost: the operation may wait for its earlier work (fairness.ts).
      ...useQueryLimits({ ...hardening.limits, production: options.production }, (context, cost) => {
        const { actor, res } = context as Partial<RequestContext> & { res?: ServerResponse };
        if (actor && res) return fairShare.admit(actor.organisationId, cost, res);
      }),
      useRequestIdOnUnexpectedErrors(),
      // Before the category guard and the access log: a request whose variables do not fit is
      // refused with BAD_USER_INPUT before anything is read or recorded; and every error gets a code.
      useErrorCodes(),
      useRequestFacts(metrics),
      ...(unguarded ? [] : [useOperationCategoryGuard(), useAccessLog()]),
      useEventStreamIds(),
    ],
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Security headers. A strict CSP in production (JSON only, no GraphiQL); in development GraphiQL
  // runs inline scripts and blob: workers, so no CSP and no HSTS there.
  app.use(
    helmet(
      options.production
        ? { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }
        : { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false, strictTransportSecurity: false },
    ),
  );
  const allowedOrigins = new Set(hardening.corsOrigins);
  app.use(
    cors({
      origin: (origin, callback) => callback(null, origin !== undefined && allowedOrigins.has(origin)),
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id', 'X-GraphQL-Yoga-CSRF'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    }),
  );
  // Requests in progress (their answers get `Connection: close` once draining starts), and what
  // arrives while draining: health endpoints still answer (/readyz says draining), all else 503.
  // After the security headers; before the request log, which would log each 503 as an error.
  const inProgress = new Set<ServerResponse>();
  app.use((req, res, next) => {
    if (draining.value) {
      res.setHeader('Connection', 'close');
      if (req.path === '/healthz' || req.path === '/readyz') return next();
      res.setHeader('Retry-After', '1');
      res.status(503).json({ errors: [{ message: 'The hub is shutting down; retry in a moment', extensions: { code: 'SHUTTING_DOWN' } }] });
      return;
    }
    inProgress.add(res);
    res.once('close', () => inProgress.delete(res));
    next();
  });
  // Security headers. A strict CSP in production (JSON only, no GraphiQL); in development GraphiQL
  // loads its scripts from a CDN, so no CSP and no HSTS there.
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Allow-list: method, path without query string (a GET query can carry personal data), status.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // GraphQL requests add organisation, role, operation, error codes and the W3C trace id (observe.ts).
      customProps: requestLogFields,
      // 'silent' where a handler wrote the request's line itself (res.locals.requestLogged).
      customLogLevel: (_req, res, error) =>
        (res as { locals?: { requestLogged?: boolean } }).locals?.requestLogged ? 'silent' : error || res.statusCode >= 500 ? 'error' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (draining.value) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const ok = await database.ping();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'database unreachable', engine: database.engine });
  });
  // The SDL this hub serves, for partners' code generators and breaking-change checks, whatever the
  // introspection setting: the schema is public, what it returns is not.
  let sdl: string | undefined;
  app.get('/graphql/schema.graphql', (_req, res) => {
    sdl ??= printSdl(schema);
    res.type('text/plain; charset=utf-8').set('cache-control', 'no-cache').send(sdl);
  });
  // Shed first (cheap), then the deadline, then the organisation's share of requests, then read the
  // body within its limit, then GraphQL.
  app.use(
    yoga.graphqlEndpoint,
    observeGraphqlRequests(metrics),
    concurrencyLimit(hardening.overload, logger),
    requestTimeout(hardening.overload, logger),
    ...(options.signIn ? [options.signIn.authenticate] : []),
    organisationShare(fairShare, verifyBearer),
    bodyLimit(hardening.overload),
    bodyErrors(hardening.overload),
    // graphql-yoga's server adapter is a request listener that express accepts at run time, but its
    // type (with its fetch and handle overloads) matches none of app.use's overloads.
    yoga as never,
  );
  if (options.signIn) app.use('/sign-in', options.signIn.router);
  if (options.console) {
    app.use(
      '/console',
      consoleRouter({ ...options.console, database, clock: services.clock, logger }),
    );
  }
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found: the API is at /graphql, the console at /console; health at /healthz and /readyz' });
  });

  const webhooks = new WebhookDispatcher({ db: database.db, clock: services.clock, logger, secretKey: services.webhookSecretKey, production: options.production });
  options.accessLog.observe = (seconds, records) => {
    metrics.accessLogAppendSeconds.observe(seconds);
    metrics.accessLogRecordsPerAppend.observe(records);
  };
  metrics.sources.outbox = webhookOutboxSource(database);
  metrics.sources.pool = () => database.poolStats?.() ?? null;
  const stop = async () => {
    await webhooks.stop();
    await services.events.stop();
  };
  let shuttingDown: Promise<{ forced: boolean }> | null = null;
  const shutdown = async (server: Server, { timeoutMs, graceMs }: { timeoutMs: number; graceMs?: number }) => {
    const deadline = performance.now() + timeoutMs;
    draining.value = true;
    for (const res of inProgress) if (!res.headersSent) res.setHeader('Connection', 'close');
    // Events and webhooks stop first: subscription streams end instead of holding the drain open.
    const stopped = stop().catch((error: Error) => logger.warn({ err: { message: error.message } }, 'stopping events and webhooks failed'));
    await new Promise((resolve) => setTimeout(resolve, Math.min(graceMs ?? 500, timeoutMs / 4)));
    let forced = false;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        forced = true;
        logger.warn({ open: inProgress.size }, 'grace period over: closing remaining connections');
        server.closeAllConnections();
      }, Math.max(0, deadline - performance.now()));
      force.unref();
      // Stops accepting and closes the connections that are idle now; busy ones close after their answer.
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
    await stopped;
    return { forced };
  };
  return {
    app,
    yoga,
    services,
    draining,
    webhooks,
    metrics,
    stop,
    shutdown(server, options) {
      shuttingDown ??= shutdown(server, options);
      return shuttingDown;
    },
  };
}

/**
 * Takes a request slot of the caller's organisation before its body is read (waiting for one when
 * the organisation has its share in progress, see fairness.ts), so a partner over its share costs
 * the hub next to nothing. The verified caller is kept for the GraphQL context; a token that does
 * not verify passes on, to be refused there (401/403, counted and logged).
 */
function organisationShare(fairShare: FairShare, verifyBearer: VerifyBearer): RequestHandler {
  return (req, res, next) => {
    // A subscription stream is open for hours and has a limit of its own (overload.ts).
    if (req.method === 'OPTIONS' || String(req.headers.accept ?? '').includes('text/event-stream')) return next();
    const known = (req as { verifiedActor?: Actor }).verifiedActor;
    (known ? Promise.resolve(known) : verifyBearer(req.headers.authorization).catch(() => null))
      .then(async (actor) => {
        if (!actor) return next();
        try {
          await fairShare.enter(actor.organisationId, res);
        } catch (error) {
          if (!(error instanceof GraphQLError)) return next(error);
          if (res.headersSent) return;
          res.setHeader('Retry-After', '1');
          res.status(429).json({ errors: [{ message: error.message, extensions: { code: 'OVERLOADED', scope: 'organisation', limit: 'inFlight' } }] });
          return;
        }
        if (res.headersSent || res.destroyed) return;
        (req as { verifiedActor?: Actor }).verifiedActor = actor;
        next();
      })
      .catch(next);
  };
}

/**
 * Masked errors carry the request id (also in the X-Request-Id header and the log line). A result
 * with a lost database connection among its errors is answered with that one error and no data:
 * part of an answer is not what was asked for (fail closed; the caller retries the whole).
 */
function useRequestIdOnUnexpectedErrors(): Plugin<RequestContext, ServerContext> {
  return {
    onResultProcess({ result, setResult, serverContext }) {
      const requestId = serverContext?.req?.id;
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: Array<{ extensions?: Record<string, unknown> }> }).errors;
        if (!Array.isArray(result) && errors?.some((error) => error.extensions?.code === 'DATABASE_UNAVAILABLE')) {
          setResult({ errors: [toGraphQLError(databaseUnavailable(requestId === undefined ? undefined : String(requestId)))] });
          return;
        }
        if (requestId === undefined) continue;
        for (const error of errors ?? [])
          if (error.extensions?.code === 'INTERNAL_SERVER_ERROR') {
            error.extensions.requestId = String(requestId);
            delete error.extensions.unexpected;
          }
      }
    },
  };
}

/** Pending webhook deliveries and the oldest one's age, read at most once a second (two gauges share it). */
function webhookOutboxSource(database: Database): () => Promise<{ pending: number; oldestAgeSeconds: number }> {
  let last: { at: number; value: Promise<{ pending: number; oldestAgeSeconds: number }> } | null = null;
  return () => {
    if (last && Date.now() - last.at < 1000) return last.value;
    const value = database.db
      .selectFrom('webhook_deliveries')
      .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.min('created_at').as('oldest')])
      .where('status', '=', 'PENDING')
      .executeTakeFirstOrThrow()
      .then((row) => ({
        pending: Number(row.pending),
        oldestAgeSeconds: row.oldest ? Math.max(0, (Date.now() - new Date(row.oldest as unknown as string).getTime()) / 1000) : 0,
      }));
    last = { at: Date.now(), value };
    return value;
  };
}
