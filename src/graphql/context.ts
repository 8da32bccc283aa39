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
import { createPupilLoaders } from '../pupils/loaders.ts';
import { createReferralLoaders } from '../referrals/loaders.ts';

/** Long-lived services shared by all requests of one hub instance. */
export interface HubServices {
  db: Kysely<Tables>;
  directory: OrganisationDirectory;
  /** Injectable clock: retention, consent dates and deadlines are tested by moving it. */
  clock: () => Date;
  logger: Logger;
  accessLog: AccessLog;
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

function createLoaders(db: Kysely<Tables>, actor: Actor, now: Date) {
  return { ...createPupilLoaders(db, actor, now), ...createReferralLoaders(db, actor, now) };
}

export function createRequestContext(
  services: HubServices,
  actor: Actor,
  meta: { requestId: string; clientAddress: string | null; log: Logger },
): RequestContext {
  const now = services.clock();
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
