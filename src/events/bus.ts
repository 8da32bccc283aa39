// The event bus of one hub instance: it LISTENs on the database's events channel (PostgreSQL
// LISTEN/NOTIFY: a change made through any instance reaches all of them), reads each event row once,
// and publishes it to this instance's subscriptions (graphql-yoga's pub/sub). Each subscription then
// decides, per event and per subscriber, whether the subscriber may see it (resolvers.ts).
import { createPubSub } from 'graphql-yoga';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { HubEventRow } from '../db/tables.ts';
import type { Logger } from '../logging.ts';
import { EVENTS_CHANNEL } from './events.ts';

export type EventPubSub = ReturnType<typeof createEventPubSub>;
const createEventPubSub = () => createPubSub<{ 'hub:event': [HubEventRow] }>();

export interface EventBus {
  pubsub: EventPubSub;
  /** Starts listening (idempotent). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEventBus(database: Database, logger: Logger): EventBus {
  const pubsub = createEventPubSub();
  let stop: (() => Promise<void>) | null = null;
  let starting: Promise<void> | null = null;
  const deliver = async (payload: string) => {
    const ids = payload.split(',').filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (ids.length === 0) return;
    try {
      const rows = await database.db
        .selectFrom('hub_events')
        .selectAll()
        .where(sql<boolean>`id = any(cast(${ids} as uuid[]))`)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute();
      for (const row of rows) pubsub.publish('hub:event', row);
    } catch (error) {
      logger.error({ err: { message: (error as Error).message } }, 'events: could not read a notified event');
    }
  };
  return {
    pubsub,
    start() {
      starting ??= database.listen(EVENTS_CHANNEL, (payload) => void deliver(payload)).then((unlisten) => {
        stop = unlisten;
      });
      return starting;
    },
    async stop() {
      await starting?.catch(() => undefined);
      await stop?.();
      stop = null;
      starting = null;
    },
  };
}
