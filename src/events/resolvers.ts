// Subscriptions (server-sent events: graphql-yoga's own transport) and webhook management.
// A subscription checks every event at delivery, as the subscriber and at that moment, with the same
// row filters as queries: a subscriber never hears of what it may not see (a secret involvement
// included), and stops hearing of a referral or pupil the moment its access ends.
import { filter, map, pipe } from 'graphql-yoga';
import { z } from 'zod';
import { newId } from '../db/ids.ts';
import type { HubEventRow, WebhookDeliveryRow } from '../db/tables.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { refreshForEvent, type RequestContext } from '../graphql/context.ts';
import { apiError, badInput } from '../errors.ts';
import { parseInput } from '../graphql/input.ts';
import { isUuid, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { systemData } from '../policy/gateway.ts';
import { referralLinks } from '../policy/policy.ts';
import { markEvent } from './sse.ts';
import { requireOperation } from '../policy/operations.ts';
import { HUB_EVENT_KINDS, LINK_ENDING_ACTIONS, WEBHOOK_EVENT_KINDS, type HubEventKind } from './events.ts';
import { newWebhookSecret, sealSecret } from './webhooks.ts';

/** The category an event's pupil must be readable in for a timeline subscriber. */
const CATEGORY_OF: Readonly<Record<HubEventKind, 'REFERRAL' | 'CONTACT_ATTEMPTS' | 'SCHOOLING' | null>> = {
  REFERRAL_CREATED: 'REFERRAL',
  REFERRAL_CHANGED: 'REFERRAL',
  NOTE_ADDED: null, // the note's own category, checked by visibleNotes
  CONTACT_ATTEMPT_RECORDED: 'CONTACT_ATTEMPTS',
  PUPIL_REPORTED_OUT_OF_VIEW: 'SCHOOLING',
  OUT_OF_VIEW_CASE_CLOSED: 'SCHOOLING',
};

async function referralVisible(ctx: RequestContext, referralId: string): Promise<boolean> {
  const row = await ctx.data.referrals().select('referrals.id').where('referrals.id', '=', referralId).executeTakeFirst();
  return row !== undefined;
}

/** Whether this event is the one that ended the subscriber's link through its referral (or earlier). */
async function endedBy(ctx: RequestContext, event: HubEventRow): Promise<boolean> {
  const referral = await ctx.data.referrals().selectAll('referrals').where('referrals.id', '=', event.referral_id!).executeTakeFirst();
  if (!referral) return false;
  if (referralLinks(referral, ctx.now)) return true;
  // The first change that ended the link at once; read past the door, only to decide delivery.
  const first = await systemData(ctx.db, 'events')
    .selectFrom('referral_events')
    .select('id')
    .where('referral_id', '=', referral.id)
    .where('action', 'in', LINK_ENDING_AT_ONCE)
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return first?.id === event.subject_id;
}

/** Actions that end the parties' link at once (a completion or failure keeps it for the retention link). */
const LINK_ENDING_AT_ONCE = ['CANCEL', 'REJECT', 'REVOKE_CONSENT', 'EXPIRE'];

/** Whether the subscriber may see this event now: fresh queries, nothing cached from earlier events. */
async function deliverable(ctx: RequestContext, event: HubEventRow, scope: 'referral' | 'pupil'): Promise<boolean> {
  refreshForEvent(ctx);
  // The token ends, so does the stream: the subscriber learns why and subscribes again with a new one.
  if (ctx.actor.expiresAt && ctx.now.getTime() >= ctx.actor.expiresAt.getTime())
    throw apiError('UNAUTHENTICATED', 'the token of this subscription has expired; subscribe again with a new token', { reason: 'expired' });
  const kind = event.kind as HubEventKind;
  // Both scopes go through the pupil: a party to a referral whose link ended (consent revoked,
  // cancelled, rejected, past retention) no longer hears of it.
  if (scope === 'referral' && (!event.referral_id || !(await referralVisible(ctx, event.referral_id)))) return false;
  // The change that ends a party's link reaches that party too, as its webhook does: it learns the
  // status and that the referral ended (the pupil and the referral's content resolve to null by then).
  // Only that change: once ended, later ones (a cancellation after revoked consent) do not reach it.
  if (scope === 'referral' && kind === 'REFERRAL_CHANGED' && LINK_ENDING_ACTIONS.includes(event.action ?? '') && (await endedBy(ctx, event))) return true;
  const pupil = await ctx.data.pupils().selectAll('pupils').where('pupils.id', '=', event.pupil_id).executeTakeFirst();
  if (!pupil) return false;
  const { categories } = await ctx.loaders.pupilAccess.load(pupil);
  switch (kind) {
    case 'REFERRAL_CREATED':
    case 'REFERRAL_CHANGED':
      // In the referral scope the party filter ran above already.
      return categories.has('REFERRAL') && event.referral_id !== null && (scope === 'referral' || (await referralVisible(ctx, event.referral_id)));
    case 'NOTE_ADDED': {
      const note = await ctx.data.notes([...categories]).select('notes.id').where('notes.id', '=', event.subject_id).executeTakeFirst();
      return note !== undefined;
    }
    case 'CONTACT_ATTEMPT_RECORDED': {
      if (!categories.has('CONTACT_ATTEMPTS')) return false;
      const attempt = await ctx.data.contactAttempts().select('contact_attempts.id').where('contact_attempts.id', '=', event.subject_id).executeTakeFirst();
      return attempt !== undefined;
    }
    default:
      return categories.has(CATEGORY_OF[kind]!);
  }
}

/** How many missed events one reconnection may replay (a client further behind re-queries). */
export const MAX_REPLAY = 1000;

/** The id the client last received (`Last-Event-ID`, sent by EventSource on reconnecting), if any. */
function lastEventId(ctx: RequestContext): string | null {
  const header = (ctx as unknown as { request?: Request }).request?.headers.get('last-event-id') ?? null;
  if (header === null) return null;
  if (!isUuid(header)) throw badInput('the Last-Event-ID header must be an event id (a UUID) received on this stream', { argument: 'Last-Event-ID' });
  return header.toLowerCase();
}

/**
 * The events of one subscription: first those missed since `Last-Event-ID` (still in hub_events,
 * within its retention), then the live ones; each checked as the subscriber at delivery. Listening
 * starts before the replay is read, and an event in both is sent once.
 */
function stream(ctx: RequestContext, scope: 'referral' | 'pupil', matches: (event: HubEventRow) => boolean, narrowing: Narrowing = {}) {
  const since = lastEventId(ctx);
  const live = ctx.services.events.pubsub.subscribe('hub:event')[Symbol.asyncIterator]() as AsyncIterator<HubEventRow>;
  async function* events(): AsyncGenerator<HubEventRow> {
    const first = live.next(); // starts listening now
    const sent = new Set<string>();
    if (since) {
      // Read past the door: each event is then checked as the subscriber by deliverable().
      const missed = await systemData(ctx.db, 'events').selectFrom('hub_events').selectAll().where('id', '>', since).orderBy('id').limit(MAX_REPLAY).execute();
      for (const event of missed) {
        sent.add(event.id);
        yield event;
      }
    }
    for (let next = await first; !next.done; next = await live.next()) if (!sent.has(next.value.id)) yield next.value;
  }
  const source = events();
  const finish = source.return.bind(source);
  source.return = (value) => {
    void live.return?.();
    return finish(value);
  };
  return pipe(
    source,
    filter(async (event: HubEventRow) => matches(event) && (await deliverable(ctx, event, scope)) && (await wanted(ctx, narrowing, event))),
    map((event: HubEventRow) => {
      markEvent(ctx, event.id);
      return { event };
    }),
  );
}

interface Narrowing {
  kinds?: readonly string[] | null;
  statuses?: readonly string[] | null;
}

/** The optional filters of a subscription: event kinds, and the status of the event's referral now. */
async function wanted(ctx: RequestContext, narrowing: Narrowing, event: HubEventRow): Promise<boolean> {
  if (narrowing.kinds?.length && !narrowing.kinds.includes(event.kind)) return false;
  if (!narrowing.statuses?.length) return true;
  if (!event.referral_id) return false;
  const referral = await ctx.data.referrals().select('referrals.status').where('referrals.id', '=', event.referral_id).executeTakeFirst();
  return referral !== undefined && narrowing.statuses.includes(referral.status);
}

const RegisterInput = z.object({
  url: z.string().max(2000, 'must be at most 2000 characters'),
  kinds: z.array(z.enum(HUB_EVENT_KINDS)).max(HUB_EVENT_KINDS.length).nullish(),
});

function checkUrl(raw: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput('input.url must be an absolute URL such as https://partner.example/ketenhub', { argument: 'input.url' });
  }
  if (url.username || url.password) throw badInput('input.url must not hold a user name or password; the signature authenticates the hub', { argument: 'input.url' });
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:'))
    throw badInput(`input.url must use https${production ? '' : ' (http only outside production)'}`, { argument: 'input.url' });
  // In production the hub does not post into its own network: no loopback, private or link-local
  // addresses written as such (names are resolved by the partner's DNS; see docs/integrators.md, Webhooks).
  if (production && isInternalHost(url.hostname)) throw badInput('input.url must be a public address, not a local or private one', { argument: 'input.url' });
  return url.toString();
}

function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return host === '::1' || host === '::' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host) || host.startsWith('::ffff:');
}

type Payload = { event: HubEventRow };

/** A delivery with its event's kind, read in the same query (not one query per delivery). */
export type WebhookDeliveryModel = WebhookDeliveryRow & { event_kind: HubEventKind };

export const eventResolvers: Resolvers = {
  Subscription: {
    referralChanged: {
      subscribe: async (_parent, args, ctx) => {
        if (!isUuid(args.referralId)) throw badInput('referralId must be a referral id (a UUID)', { argument: 'referralId' });
        const id = args.referralId.toLowerCase();
        // Unknown and not-a-party answer the same.
        if (!(await referralVisible(ctx, id))) throw badInput('no referral with this id that your organisation is party to', { argument: 'referralId' });
        await ctx.services.events.start();
        return stream(ctx, 'referral', (event) => event.referral_id === id, args);
      },
      resolve: (payload: Payload) => payload.event,
    },
    myReferralsChanged: {
      subscribe: async (_parent, args, ctx) => {
        await ctx.services.events.start();
        return stream(ctx, 'referral', (event) => event.referral_id !== null, args);
      },
      resolve: (payload: Payload) => payload.event,
    },
    pupilTimeline: {
      subscribe: async (_parent, args, ctx) => {
        if (!isUuid(args.pupilId)) throw badInput('pupilId must be a pupil id (a UUID)', { argument: 'pupilId' });
        const id = args.pupilId.toLowerCase();
        if (!(await ctx.loaders.pupilById.load(id))) throw badInput('no pupil with this id that you may see', { argument: 'pupilId' });
        await ctx.services.events.start();
        return stream(ctx, 'pupil', (event) => event.pupil_id === id, args);
      },
      resolve: (payload: Payload) => payload.event,
    },
  },
  HubEvent: {
    occurredAt: (event) => event.occurred_at,
    organisation: (event, _args, ctx) => ctx.services.directory.require(event.actor_org_id),
    referral: (event, _args, ctx) => (event.referral_id ? ctx.loaders.referralById.load(event.referral_id) : null),
    pupil: (event, _args, ctx) => ctx.loaders.pupilById.load(event.pupil_id),
  },
  Query: {
    webhookEndpoints: async (_parent, _args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      return ctx.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', ctx.actor.organisationId).orderBy('created_at').execute();
    },
    webhookDeliveries: async (_parent, args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      if (!isUuid(args.endpointId)) throw badInput('endpointId must be a webhook endpoint id (a UUID)', { argument: 'endpointId' });
      // Newest first: a coordinator looks for what just failed.
      const keys = [
        { column: 'webhook_deliveries.created_at', type: 'timestamptz' as const, descending: true },
        { column: 'webhook_deliveries.id', type: 'uuid' as const, descending: true },
      ];
      const page = parsePage(args, 'webhookDelivery', keys);
      // The organisation's own endpoints' deliveries; of each event only its kind is read.
      let query = systemData(ctx.db, 'events')
        .selectFrom('webhook_deliveries')
        .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
        .innerJoin('hub_events', 'hub_events.id', 'webhook_deliveries.event_id')
        .where('webhook_endpoints.org_id', '=', ctx.actor.organisationId)
        .where('webhook_deliveries.endpoint_id', '=', args.endpointId.toLowerCase());
      if (args.status) query = query.where('webhook_deliveries.status', '=', args.status);
      return keysetConnection(query, (q) => q.selectAll('webhook_deliveries').select('hub_events.kind as event_kind'), keys, page, 'webhookDelivery');
    },
  },
  Mutation: {
    registerWebhook: async (_parent, args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      const input = parseInput(RegisterInput, args.input);
      const url = checkUrl(input.url, ctx.services.production === true);
      const kinds = [...new Set(input.kinds ?? WEBHOOK_EVENT_KINDS)];
      const other = kinds.filter((kind) => !WEBHOOK_EVENT_KINDS.includes(kind));
      if (other.length > 0)
        throw badInput(`input.kinds: webhooks carry referral events only (${WEBHOOK_EVENT_KINDS.join(', ')}); subscribe for ${other.join(', ')}`, { argument: 'input.kinds' });
      const secret = newWebhookSecret();
      const endpoint = await ctx.db
        .insertInto('webhook_endpoints')
        .values({ id: newId(), org_id: ctx.actor.organisationId, url, secret: sealSecret(secret, ctx.services.webhookSecretKey), kinds, created_by_subject: ctx.actor.subject, created_at: ctx.now })
        .returningAll()
        .executeTakeFirstOrThrow();
      ctx.log.info({ endpoint: endpoint.id }, 'webhook endpoint registered');
      return { endpoint, secret };
    },
    removeWebhook: async (_parent, args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      if (!isUuid(args.input.id)) throw badInput('input.id must be a webhook endpoint id (a UUID)', { argument: 'input.id' });
      return ctx.db.transaction().execute(async (trx) => {
        const endpoint = await trx
          .updateTable('webhook_endpoints')
          .set({ removed_at: ctx.now })
          .where('id', '=', args.input.id.toLowerCase())
          .where('org_id', '=', ctx.actor.organisationId)
          .where('removed_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (!endpoint) throw badInput('no active webhook endpoint of your organisation with this id', { argument: 'input.id' });
        await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', endpoint.id).where('status', '=', 'PENDING').execute();
        return endpoint;
      });
    },
  },
  WebhookEndpoint: {
    createdAt: (endpoint) => endpoint.created_at,
    removedAt: (endpoint) => endpoint.removed_at,
  },
  WebhookDelivery: {
    eventId: (delivery) => delivery.event_id,
    kind: (delivery) => delivery.event_kind,
    nextAttemptAt: (delivery) => (delivery.status === 'PENDING' ? delivery.next_attempt_at : null),
    createdAt: (delivery) => delivery.created_at,
    deliveredAt: (delivery) => delivery.delivered_at,
    log: (delivery, _args, ctx) => ctx.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', delivery.id).orderBy('attempt').execute(),
  },
  WebhookAttempt: {
    startedAt: (attempt) => attempt.started_at,
    durationMs: (attempt) => attempt.duration_ms,
    statusCode: (attempt) => attempt.status_code,
  },
};
