// Webhooks for partner systems, in the manner of the Standard Webhooks specification
// (https://www.standardwebhooks.com): each POST carries `webhook-id` (stable across retries),
// `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 over
// "<id>.<timestamp>.<body>" with the endpoint's secret>` (during a secret rotation two of them,
// space-separated: the new secret's and the previous one's). The body is a small notification
// without personal data; the partner then asks the API what it may see.
//
// Delivery is at least once, from the outbox (webhook_deliveries, written with the change): any hub
// instance leases due deliveries, POSTs them, and records each attempt. A failure is retried on a
// schedule with jitter over 3 days (a 429 or 503 with Retry-After waits as long as asked); a delivery
// still failing 3 days after its event is DEAD. A 410 Gone, or an endpoint whose every attempt failed
// for 3 days, disables the endpoint. A hub that stops mid-delivery loses its lease, and another
// instance (or itself after a restart) tries again: at most that one attempt is repeated.
//
// In production the hub resolves the receiver's host name itself at send time, refuses loopback,
// private, link-local and other non-public addresses after resolution, and connects to exactly the
// address it checked (a name that resolves elsewhere a moment later cannot redirect the request).
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Tables, WebhookDeliveryRow } from '../db/tables.ts';
import type { Logger } from '../logging.ts';

/**
 * Seconds to wait after the n-th failed attempt (then every 12 hours), each varied by up to 10% either
 * way (jitter, so that retries of many deliveries to a receiver that was down do not arrive at once);
 * dead 3 days after the event: a receiver that is down over a long weekend still gets its messages.
 */
export const BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600] as const;
export const JITTER = 0.1;
export const DEAD_AFTER_MS = 3 * 24 * 3600_000;
/** An endpoint whose every attempt failed for this long is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 3600_000;
/** The longest Retry-After honoured; a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;
export const LEASE_MS = 30_000;
export const DELIVERY_TIMEOUT_MS = 15_000;
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

/**
 * The `webhook-signature` header value for a message: one `v1,<signature>` per secret, separated by
 * spaces (during a rotation the new secret's first, then the previous one's).
 */
export function signWebhook(secret: string | readonly string[], id: string, timestamp: number, body: string): string {
  return (typeof secret === 'string' ? [secret] : secret)
    .map((one) => `v1,${createHmac('sha256', keyOf(one)).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ');
}

/**
 * What a receiver does (and docs/integrators.md shows): recompute the signature and compare in constant
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

/** The wait after the n-th failed attempt of a schedule; `random` in [0, 1) sets the jitter (0.5: none). */
export function backoffAfter(failedAttempts: number, random = 0.5): number {
  const base = BACKOFF_SECONDS[Math.min(Math.max(failedAttempts, 1), BACKOFF_SECONDS.length) - 1]! * 1000;
  return Math.round(base * (1 + JITTER * (2 * random - 1)));
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now`; null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now.getTime();
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

// Addresses a webhook may not go to in production: this-network, private (RFC 1918), shared
// (carrier-grade NAT), loopback, link-local (cloud metadata services), benchmarking, documentation,
// multicast and reserved ranges; for IPv6 the unspecified, loopback and IPv4-compatible, unique
// local, link-local, documentation, discard and multicast ones. IPv4-mapped IPv6 is checked as IPv4.
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 96], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const)
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const parts = v4.split('.').map(Number);
    text = text.slice(0, -v4.length) + `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, tail, ...rest] = text.split('::');
  if (rest.length > 0) return null;
  const left = head ? head.split(':') : [];
  const right = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  const groups = ipv6Groups(address);
  if (!groups) return false;
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address is where the connection goes.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return isPublicAddress([groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.'));
  return !NON_PUBLIC.check(groups.map((g) => g.toString(16)).join(':'), 'ipv6');
}

export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A refusal before any connection: recorded as the attempt's error, retried like a failure. */
class SendRefused extends Error {}

export interface DispatcherOptions {
  db: Kysely<Tables>;
  clock: () => Date;
  logger: Logger;
  /** The key the endpoints' secrets are sealed with. */
  secretKey: string;
  /** Refuse receivers whose host resolves to a non-public address (NODE_ENV=production). */
  production?: boolean;
  /** Host name resolution (default: the system's, as dns.lookup); tests map names to 127.0.0.1. */
  resolve?: ResolveHost;
  /** Jitter source, [0, 1) (default Math.random); 0.5 gives the schedule without jitter. */
  random?: () => number;
  /** How long a receiver may take to answer (default DELIVERY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Replaces the hub's own HTTP client (and with it resolution and pinning); tests only. */
  fetch?: typeof fetch;
}

interface Answer {
  status: number;
  retryAfter: string | null;
}

/**
 * POSTs to `url`, connecting to `pinned` only (the address that was checked), with the host name
 * kept for the Host header and TLS (SNI and certificate check). No redirects are followed.
 */
function post(url: URL, pinned: { address: string; family: number }, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Answer> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const request = send(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, agent: false },
      (response) => {
        clearTimeout(timer);
        response.resume();
        const retryAfter = (response.headers as IncomingHttpHeaders)['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
        response.on('error', () => undefined);
      },
    );
    const timer = setTimeout(() => {
      const timeout = new Error(`no answer within ${timeoutMs} ms`);
      timeout.name = 'TimeoutError';
      request.destroy(timeout);
    }, timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
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
    // Lease: any instance may take a due delivery whose lease (if any) has run out, of an endpoint
    // that is neither removed nor disabled.
    const leased = await sql<Leased>`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE d.status = 'PENDING' AND d.next_attempt_at <= ${now} AND (d.leased_until IS NULL OR d.leased_until < ${now})
          AND e.removed_at IS NULL AND e.disabled_at IS NULL
        ORDER BY d.next_attempt_at, d.id LIMIT ${BATCH} FOR UPDATE OF d SKIP LOCKED)
      UPDATE webhook_deliveries d SET leased_until = ${new Date(now.getTime() + LEASE_MS)}
      FROM due, webhook_endpoints e
      WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.*, e.url, e.secret, e.previous_secret, e.previous_secret_until`.execute(db);
    await Promise.all(leased.rows.map((delivery) => this.#deliver(delivery, new Date(now.getTime() + LEASE_MS))));
    return leased.rows.length;
  }

  /** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
  #secrets(delivery: Leased, now: Date): string[] {
    const { secretKey } = this.options;
    const secrets = [openSecret(delivery.secret, secretKey)];
    if (delivery.previous_secret && delivery.previous_secret_until && new Date(delivery.previous_secret_until).getTime() > now.getTime())
      secrets.push(openSecret(delivery.previous_secret, secretKey));
    return secrets;
  }

  async #send(delivery: Leased, headers: Record<string, string>): Promise<Answer> {
    const timeoutMs = this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    if (this.options.fetch) {
      const response = await this.options.fetch(delivery.url, {
        method: 'POST',
        headers,
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, retryAfter: response.headers.get('retry-after') };
    }
    const url = new URL(delivery.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const family = isIP(host);
    const addresses = family ? [{ address: host, family }] : await (this.options.resolve ?? systemResolve)(host);
    if (addresses.length === 0) throw new SendRefused(`${host} does not resolve`);
    if (this.options.production) {
      const internal = addresses.find((a) => !isPublicAddress(a.address));
      if (internal) throw new SendRefused(`refused: ${host} resolves to ${internal.address}, not a public address`);
    }
    return post(url, addresses[0]!, headers, delivery.payload, timeoutMs);
  }

  async #deliver(delivery: Leased, lease: Date): Promise<void> {
    const { db, clock, logger } = this.options;
    const started = clock();
    const timestamp = Math.floor(started.getTime() / 1000);
    const attempt = delivery.attempts + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfter: string | null = null;
    const startedMs = Date.now();
    try {
      const answer = await this.#send(delivery, {
        'content-type': 'application/json',
        'user-agent': 'ketenhub-webhooks/1',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(this.#secrets(delivery, started), delivery.id, timestamp, delivery.payload),
      });
      statusCode = answer.status;
      retryAfter = answer.retryAfter;
      if (answer.status < 200 || answer.status >= 300) error = `HTTP ${answer.status}`;
    } catch (failure) {
      const name = (failure as Error).name;
      error =
        failure instanceof SendRefused
          ? (failure as Error).message
          : name === 'TimeoutError' || name === 'AbortError'
            ? `no answer within ${this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS} ms`
            : `could not connect: ${(failure as Error).message}`;
    }
    const done = clock();
    const ok = error === null;
    // 410 Gone: the receiver says this endpoint is no more; the hub stops sending to it.
    const gone = statusCode === 410;
    // The schedule runs from the event (or from a redelivery), counting the attempts since.
    const scheduleStart = new Date(delivery.schedule_started_at ?? delivery.created_at).getTime();
    const scheduleAttempt = attempt - delivery.schedule_attempts_before;
    // A 429 or 503 with Retry-After: not before the moment asked (at most MAX_RETRY_AFTER_MS), and
    // not sooner than the schedule either (a Retry-After of 0 must not turn into a tight loop).
    const askedWait = statusCode === 429 || statusCode === 503 ? retryAfterMs(retryAfter, done) : null;
    const wait = Math.max(askedWait ?? 0, backoffAfter(scheduleAttempt, (this.options.random ?? Math.random)()));
    const dead = !ok && (gone || done.getTime() - scheduleStart + wait > DEAD_AFTER_MS);
    const outcome = await db.transaction().execute(async (trx) => {
      // Only while the lease is still this instance's: one that stalled past it must not undo what
      // another instance delivered meanwhile (nor log an attempt for a removed endpoint).
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts: attempt,
          status: ok ? 'DELIVERED' : dead ? 'DEAD' : 'PENDING',
          delivered_at: ok ? done : null,
          next_attempt_at: ok || dead ? delivery.next_attempt_at : new Date(done.getTime() + wait),
          leased_until: null,
        })
        .where('id', '=', delivery.id)
        .where('status', '=', 'PENDING')
        .where('leased_until', '=', lease)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return null;
      await trx
        .insertInto('webhook_attempts')
        .values({ id: newId(), delivery_id: delivery.id, attempt, started_at: started, duration_ms: Date.now() - startedMs, status_code: statusCode, error })
        .execute();
      return this.#recordEndpointHealth(trx, delivery.endpoint_id, ok, gone, started, done);
    });
    if (outcome === null) {
      logger.warn({ delivery: delivery.id, attempt }, 'webhook attempt finished after its lease ran out; left to the instance that holds it now');
      return;
    }
    if (outcome.disabled) logger.warn({ endpoint: delivery.endpoint_id, reason: outcome.disabled }, 'webhook endpoint disabled');
    if (!ok) logger.warn({ delivery: delivery.id, attempt, statusCode, dead }, dead ? 'webhook delivery dead: no more attempts' : 'webhook delivery failed; will retry');
  }

  /**
   * Keeps the endpoint's run of failures: a delivered attempt ends it; a 410 Gone, or failures for
   * DISABLE_AFTER_MS without one delivered attempt, disable the endpoint and end its pending deliveries.
   */
  async #recordEndpointHealth(trx: Kysely<Tables>, endpointId: string, ok: boolean, gone: boolean, started: Date, done: Date): Promise<{ disabled: 'GONE' | 'FAILING' | null }> {
    if (ok) {
      await trx.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', endpointId).where('failing_since', 'is not', null).execute();
      return { disabled: null };
    }
    const endpoint = await trx
      .updateTable('webhook_endpoints')
      .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', eb.val(started)) }))
      .where('id', '=', endpointId)
      .returning(['failing_since', 'disabled_at'])
      .executeTakeFirstOrThrow();
    if (endpoint.disabled_at) return { disabled: null };
    const failingFor = done.getTime() - new Date(endpoint.failing_since ?? started).getTime();
    const reason = gone ? 'GONE' : failingFor >= DISABLE_AFTER_MS ? 'FAILING' : null;
    if (!reason) return { disabled: null };
    await disableEndpoint(trx, endpointId, reason, done);
    return { disabled: reason };
  }
}

type Leased = WebhookDeliveryRow & { url: string; secret: string; previous_secret: string | null; previous_secret_until: Date | null };

/**
 * Disables an endpoint: no new deliveries, and its pending ones end (DEAD; they can be redelivered).
 * One under way on another lease records its own outcome; failed, it waits (not sent while the
 * endpoint is disabled) and goes out once the endpoint is enabled again.
 */
export async function disableEndpoint(trx: Kysely<Tables>, endpointId: string, reason: 'GONE' | 'FAILING', now: Date): Promise<void> {
  await trx.updateTable('webhook_endpoints').set({ disabled_at: now, disabled_reason: reason }).where('id', '=', endpointId).where('disabled_at', 'is', null).execute();
  await trx
    .updateTable('webhook_deliveries')
    .set({ status: 'DEAD', leased_until: null })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'PENDING')
    .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
    .execute();
}
