// The explicit per-request context: who is asking, the request's own loaders (never shared across
// callers, so one organisation's view can never be served to another) and its access recorder.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccessLog } from '../audit/chain.ts';
import type { Actor } from '../auth/actor.ts';
import { AccessRecorder } from '../audit/recorder.ts';
import type { Tables } from '../db/tables.ts';
import type { Logger } from '../logging.ts';
import type { OrganisationDirectory } from '../organisations/directory.ts';
import { guardedGateway, type DataGateway, type Reader } from '../policy/gateway.ts';
import { createPupilLoaders } from '../pupils/loaders.ts';
import { createReferralLoaders } from '../referrals/loaders.ts';
import type { EventBus } from '../events/bus.ts';
import { createOutreachLoaders } from '../outreach/loaders.ts';

/** Long-lived services shared by all requests of one hub instance. */
export interface HubServices {
  db: Kysely<Tables>;
  directory: OrganisationDirectory;
  /** Injectable clock: retention, consent dates and deadlines are tested by moving it. */
  clock: () => Date;
  logger: Logger;
  accessLog: AccessLog;
  /** This instance's event bus (LISTEN/NOTIFY → subscriptions). */
  events: EventBus;
  /** NODE_ENV=production: webhooks must use https. */
  production?: boolean;
  /** Seals webhook endpoints' signing secrets at rest. */
  webhookSecretKey: string;
  /**
   * Makes each request's door to the guarded tables. Always `guardedGateway` in the hub; the
   * benchmark injects its own to measure a hub without the policy (bench/baseline.ts).
   */
  gateway?: GatewayFactory;
}

export type GatewayFactory = (db: Reader, actor: Actor, now: Date) => DataGateway;

export interface RequestContext {
  requestId: string;
  actor: Actor;
  services: HubServices;
  db: Kysely<Tables>;
  /** The only way to read the guarded tables: already filtered for this caller at this moment. */
  data: DataGateway;
  /** One "now" per request, so every rule in one answer uses the same moment. */
  now: Date;
  loaders: ReturnType<typeof createLoaders>;
  audit: AccessRecorder;
  log: Logger;
}

/**
 * Before a subscription delivers its next event: the moment is now, and nothing read for an earlier
 * event (loaders cache rows) may answer for this one — access may have changed since.
 */
export function refreshForEvent(ctx: RequestContext): void {
  ctx.now = ctx.services.clock();
  ctx.data = gatewayOf(ctx.services)(ctx.db, ctx.actor, ctx.now);
  ctx.loaders = createLoaders(ctx.data);
  ctx.audit = ctx.audit.forEvent(ctx.now);
}

const gatewayOf = (services: HubServices): GatewayFactory => services.gateway ?? guardedGateway;

function createLoaders(data: DataGateway) {
  return { ...createPupilLoaders(data), ...createReferralLoaders(data), ...createOutreachLoaders(data) };
}

export function createRequestContext(
  services: HubServices,
  actor: Actor,
  meta: { requestId: string; clientAddress: string | null; log: Logger },
): RequestContext {
  const now = services.clock();
  const data = gatewayOf(services)(services.db, actor, now);
  // A trace of our own until the access-log plugin adopts the caller's W3C traceparent, if any.
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return {
    requestId: meta.requestId,
    actor,
    services,
    db: services.db,
    data,
    now,
    loaders: createLoaders(data),
    audit: new AccessRecorder(
      actor,
      { requestId: meta.requestId, operationName: null, clientAddress: meta.clientAddress, traceId, spanId, onBehalfOf: actor.onBehalfOf },
      services.accessLog,
      now,
    ),
    log: meta.log,
  };
}
