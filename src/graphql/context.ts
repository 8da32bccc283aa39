// The explicit per-request context: who is asking, the request's own loaders (never shared across
// callers, so one organisation's view can never be served to another) and its access recorder.
import { randomBytes } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { AccessLog } from '../audit/chain.ts';
import type { Actor } from '../auth/actor.ts';
import { AccessRecorder } from '../audit/recorder.ts';
import type { PupilRow, Tables } from '../db/tables.ts';
import type { Logger } from '../logging.ts';
import type { OrganisationDirectory } from '../organisations/directory.ts';
import { unguardedBaselineActor, type PupilAccess } from '../policy/access.ts';
import { DATA_CATEGORIES } from '../policy/vocabulary.ts';
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
   * Benchmark only (issue 10): no row filters, every category readable, no access log. Set only by
   * createHub({ unguardedBaseline: true }), which refuses it in production.
   */
  unguardedBaseline?: boolean;
}

export interface RequestContext {
  requestId: string;
  actor: Actor;
  services: HubServices;
  db: Kysely<Tables>;
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
  ctx.loaders = createLoaders(ctx.db, ctx.actor, ctx.now);
  ctx.audit = ctx.audit.forEvent(ctx.now);
}

function createLoaders(db: Kysely<Tables>, actor: Actor, now: Date) {
  return { ...createPupilLoaders(db, actor, now), ...createReferralLoaders(db, actor, now), ...createOutreachLoaders(db, actor, now) };
}

/** The benchmark's baseline keeps no access log: nothing is collected, nothing is written. */
class UnguardedBaselineRecorder extends AccessRecorder {
  override record(): void {}
  override async flush(): Promise<void> {}
}

export function createRequestContext(
  services: HubServices,
  actor: Actor,
  meta: { requestId: string; clientAddress: string | null; log: Logger },
): RequestContext {
  const now = services.clock();
  if (services.unguardedBaseline) return unguardedBaselineContext(services, actor, meta, now);
  // A trace of our own until the access-log plugin adopts the caller's W3C traceparent, if any.
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return {
    requestId: meta.requestId,
    actor,
    services,
    db: services.db,
    now,
    loaders: createLoaders(services.db, actor, now),
    audit: new AccessRecorder(
      actor,
      { requestId: meta.requestId, operationName: null, clientAddress: meta.clientAddress, traceId, spanId, onBehalfOf: actor.onBehalfOf },
      services.accessLog,
      now,
    ),
    log: meta.log,
  };
}

/** The benchmark's baseline: the same resolvers and loaders, without the policy and the access log. */
function unguardedBaselineContext(
  services: HubServices,
  verified: Actor,
  meta: { requestId: string; clientAddress: string | null; log: Logger },
  now: Date,
): RequestContext {
  const actor = unguardedBaselineActor(verified);
  // Every category of every pupil, without asking the database.
  const everything = (): PupilAccess => ({ categories: new Set(DATA_CATEGORIES), emergency: false });
  const loaders = {
    ...createLoaders(services.db, actor, now),
    pupilAccess: new DataLoader<PupilRow, PupilAccess, string>(async (pupils) => pupils.map(everything), { cacheKeyFn: (pupil) => pupil.id }),
  };
  return {
    requestId: meta.requestId,
    actor,
    services,
    db: services.db,
    now,
    loaders,
    audit: new UnguardedBaselineRecorder(
      actor,
      { requestId: meta.requestId, operationName: null, clientAddress: meta.clientAddress, traceId: '', spanId: '', onBehalfOf: null },
      services.accessLog,
      now,
    ),
    log: meta.log,
  };
}
