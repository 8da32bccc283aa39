// Webhooks for partner systems, in the manner of the Standard Webhooks specification
// (https://www.standardwebhooks.com): each POST carries `webhook-id` (stable across retries),
// `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 over
// "<id>.<timestamp>.<body>" with the endpoint's secret>`. The body is a small notification without
// personal data; the partner then asks the API what it may see.
//
// Delivery is at least once, from the outbox (webhook_deliveries, written with the change): any hub
// instance leases due deliveries, POSTs them, and records each attempt. A failure is retried with
// exponential backoff; a delivery still failing a day after its event is DEAD. A hub that stops
// mid-delivery loses its lease, and another instance (or itself after a restart) tries again: at
// most that one attempt is repeated.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Tables, WebhookDeliveryRow } from '../db/tables.ts';
import type { Logger } from '../logging.ts';

/** Seconds to wait after the n-th failed attempt (then hourly); dead a day after the event. */
export const BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 3600] as const;
export const DEAD_AFTER_MS = 24 * 3600_000;
export const LEASE_MS = 30_000;
export const DELIVERY_TIMEOUT_MS = 10_000;
const BATCH = 20;

/**
 * Secrets at rest: the hub needs them to sign, so they are stored encrypted (AES-256-GCM) with a key
 * from the environment (WEBHOOK_SECRET_KEY; required in production), not in clear.
 */
export const DEV_WEBHOOK_SECRET_KEY = 'ketenhub-development-webhook-secret-key-not-for-production';

function aesKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function sealSecret(secret: string, key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey(key), iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${sealed.toString('base64')}`;
}

export function openSecret(stored: string, key: string): string {
  const [version, iv, tag, sealed] = stored.split(':');
  if (version !== 'v1' || !iv || !tag || !sealed) throw new Error('a webhook secret is not sealed as v1');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(key), Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** The `webhook-signature` header value for a message. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * What a receiver does (and the README shows): recompute the signature and compare in constant
 * time, and refuse messages older or newer than five minutes (replays).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  now = Date.now(),
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body).slice(3), 'base64');
  return headers.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export function backoffAfter(failedAttempts: number): number {
  return BACKOFF_SECONDS[Math.min(failedAttempts, BACKOFF_SECONDS.length) - 1]! * 1000;
}

export interface DispatcherOptions {
  db: Kysely<Tables>;
  clock: () => Date;
  logger: Logger;
  /** The key the endpoints' secrets are sealed with. */
  secretKey: string;
  fetch?: typeof fetch;
}

/** Sends what is due. One per hub instance; `runOnce` is also what tests drive. */
export class WebhookDispatcher {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  constructor(private readonly options: DispatcherOptions) {}

  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runOnce().catch(() => undefined), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** Leases and sends the due deliveries; returns how many were tried. Never runs twice at once. */
  runOnce(): Promise<number> {
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #run(): Promise<number> {
    const { db, clock } = this.options;
    const now = clock();
    // Lease: any instance may take a due delivery whose lease (if any) has run out.
    const leased = await sql<WebhookDeliveryRow & { url: string; secret: string }>`
      WITH due AS (
        SELECT id FROM webhook_deliveries
        WHERE status = 'PENDING' AND next_attempt_at <= ${now} AND (leased_until IS NULL OR leased_until < ${now})
        ORDER BY next_attempt_at, id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
      UPDATE webhook_deliveries d SET leased_until = ${new Date(now.getTime() + LEASE_MS)}
      FROM due, webhook_endpoints e
      WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.*, e.url, e.secret`.execute(db);
    await Promise.all(leased.rows.map((delivery) => this.#deliver(delivery, new Date(now.getTime() + LEASE_MS))));
    return leased.rows.length;
  }

  async #deliver(delivery: WebhookDeliveryRow & { url: string; secret: string }, lease: Date): Promise<void> {
    const { db, clock, logger } = this.options;
    const started = clock();
    const timestamp = Math.floor(started.getTime() / 1000);
    const attempt = delivery.attempts + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    const startedMs = Date.now();
    try {
      const response = await (this.options.fetch ?? fetch)(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ketenhub-webhooks/1',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(openSecret(delivery.secret, this.options.secretKey), delivery.id, timestamp, delivery.payload),
        },
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      statusCode = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
    } catch (failure) {
      error = (failure as Error).name === 'TimeoutError' ? `no answer within ${DELIVERY_TIMEOUT_MS} ms` : `could not connect: ${(failure as Error).message}`;
    }
    const done = clock();
    const ok = error === null;
    const dead = !ok && done.getTime() - new Date(delivery.created_at).getTime() + backoffAfter(attempt) > DEAD_AFTER_MS;
    const recorded = await db.transaction().execute(async (trx) => {
      // Only while the lease is still this instance's: one that stalled past it must not undo what
      // another instance delivered meanwhile (nor log an attempt for a removed endpoint).
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts: attempt,
          status: ok ? 'DELIVERED' : dead ? 'DEAD' : 'PENDING',
          delivered_at: ok ? done : null,
          next_attempt_at: ok || dead ? delivery.next_attempt_at : new Date(done.getTime() + backoffAfter(attempt)),
          leased_until: null,
        })
        .where('id', '=', delivery.id)
        .where('status', '=', 'PENDING')
        .where('leased_until', '=', lease)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      await trx
        .insertInto('webhook_attempts')
        .values({ id: newId(), delivery_id: delivery.id, attempt, started_at: started, duration_ms: Date.now() - startedMs, status_code: statusCode, error })
        .execute();
      return true;
    });
    if (!recorded) {
      logger.warn({ delivery: delivery.id, attempt }, 'webhook attempt finished after its lease ran out; left to the instance that holds it now');
      return;
    }
    if (!ok) logger.warn({ delivery: delivery.id, attempt, statusCode, dead }, dead ? 'webhook delivery dead after a day of failures' : 'webhook delivery failed; will retry');
  }
}
