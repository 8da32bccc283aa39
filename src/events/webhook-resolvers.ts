// Managing webhook endpoints beyond registering and removing them: rotating the signing secret
// without downtime, resuming a disabled endpoint, and sending one delivery again. Coordinators of the
// endpoint's organisation only; another organisation's endpoint or delivery answers like an unknown one.
import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { badInput } from '../errors.ts';
import { parseInput, uuid } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { systemData } from '../policy/gateway.ts';
import { newWebhookSecret, sealSecret } from './webhooks.ts';

const RotateInput = z.object({
  id: uuid,
  overlapHours: z.number().int('must be a whole number of hours').min(0, 'must be 0 to 168').max(168, 'must be 0 to 168').nullish(),
});
const RedeliverInput = z.object({ deliveryId: uuid });
const EnableInput = z.object({ id: uuid });

export const webhookResolvers: Resolvers = {
  Mutation: {
    rotateWebhookSecret: async (_parent, args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      const input = parseInput(RotateInput, args.input);
      const overlapMs = (input.overlapHours ?? 24) * 3600_000;
      const secret = newWebhookSecret();
      return ctx.db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('webhook_endpoints')
          .select('secret')
          .where('id', '=', input.id.toLowerCase())
          .where('org_id', '=', ctx.actor.organisationId)
          .where('removed_at', 'is', null)
          .forUpdate()
          .executeTakeFirst();
        if (!current) throw badInput('no active webhook endpoint of your organisation with this id', { argument: 'input.id' });
        // The secret that signed until now signs beside the new one for the overlap (a secret still
        // overlapping from an earlier rotation is dropped: two signatures at most).
        const endpoint = await trx
          .updateTable('webhook_endpoints')
          .set({
            secret: sealSecret(secret, ctx.services.webhookSecretKey),
            previous_secret: overlapMs > 0 ? current.secret : null,
            previous_secret_until: overlapMs > 0 ? new Date(ctx.now.getTime() + overlapMs) : null,
          })
          .where('id', '=', input.id.toLowerCase())
          .returningAll()
          .executeTakeFirstOrThrow();
        ctx.log.info({ endpoint: endpoint.id, overlapHours: overlapMs / 3600_000 }, 'webhook secret rotated');
        return { endpoint, secret };
      });
    },

    enableWebhook: async (_parent, args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      const input = parseInput(EnableInput, args.input);
      const endpoint = await ctx.db
        .updateTable('webhook_endpoints')
        .set({ disabled_at: null, disabled_reason: null, failing_since: null })
        .where('id', '=', input.id.toLowerCase())
        .where('org_id', '=', ctx.actor.organisationId)
        .where('removed_at', 'is', null)
        .where('disabled_at', 'is not', null)
        .returningAll()
        .executeTakeFirst();
      if (!endpoint) throw badInput('no disabled webhook endpoint of your organisation with this id', { argument: 'input.id' });
      ctx.log.info({ endpoint: endpoint.id }, 'webhook endpoint enabled');
      return endpoint;
    },

    redeliverWebhook: async (_parent, args, ctx) => {
      requireOperation(ctx, 'manageWebhooks');
      const input = parseInput(RedeliverInput, args.input);
      const id = input.deliveryId.toLowerCase();
      return ctx.db.transaction().execute(async (trx) => {
        const found = await trx
          .selectFrom('webhook_deliveries')
          .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
          .select(['webhook_deliveries.status', 'webhook_deliveries.attempts', 'webhook_endpoints.removed_at', 'webhook_endpoints.disabled_at'])
          .where('webhook_deliveries.id', '=', id)
          .where('webhook_endpoints.org_id', '=', ctx.actor.organisationId)
          .forUpdate()
          .executeTakeFirst();
        if (!found) throw badInput('no webhook delivery of your organisation with this id', { argument: 'input.deliveryId' });
        if (found.removed_at) throw badInput('the endpoint of this delivery has been removed', { argument: 'input.deliveryId' });
        if (found.disabled_at) throw badInput('the endpoint of this delivery is disabled: enable it first (enableWebhook)', { argument: 'input.deliveryId' });
        if (found.status === 'PENDING') throw badInput('this delivery is still being tried: see nextAttemptAt', { argument: 'input.deliveryId' });
        // Due now, with a fresh schedule counted from now; the same id (webhook-id) and body, so a
        // receiver that already has it can drop it as a repeat.
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'PENDING', next_attempt_at: ctx.now, leased_until: null, delivered_at: null, schedule_started_at: ctx.now, schedule_attempts_before: found.attempts })
          .where('id', '=', id)
          .execute();
        ctx.log.info({ delivery: id }, 'webhook delivery queued again');
        // The organisation's own delivery; of its event only the kind is read.
        return systemData(trx, 'events')
          .selectFrom('webhook_deliveries')
          .innerJoin('hub_events', 'hub_events.id', 'webhook_deliveries.event_id')
          .selectAll('webhook_deliveries')
          .select('hub_events.kind as event_kind')
          .where('webhook_deliveries.id', '=', id)
          .executeTakeFirstOrThrow();
      });
    },
  },
  WebhookEndpoint: {
    disabledAt: (endpoint) => endpoint.disabled_at,
    disabledReason: (endpoint) => endpoint.disabled_reason,
    failingSince: (endpoint) => endpoint.failing_since,
    previousSecretValidUntil: (endpoint, _args, ctx) =>
      endpoint.previous_secret_until && new Date(endpoint.previous_secret_until).getTime() > ctx.now.getTime() ? endpoint.previous_secret_until : null,
  },
};
