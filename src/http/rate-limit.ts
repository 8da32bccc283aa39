// Rate limits per organisation and per token subject. A token bucket per key: it holds
// up to `limit` requests and refills at `limit` per window, so a client may burst to the limit and
// then continues at the sustained rate. In memory, per hub instance: behind a load balancer with N
// instances an organisation gets up to N times the limit (documented in docs/operations.md).
import { GraphQLError } from 'graphql';
import type { Actor } from '../auth/actor.ts';

export interface RateLimits {
  windowSeconds: number;
  perSubject: number;
  perOrganisation: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

class Buckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;

  constructor(
    readonly capacity: number,
    windowSeconds: number,
  ) {
    this.ratePerMs = capacity / (windowSeconds * 1000);
  }

  private refill(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.updatedAt) * this.ratePerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Milliseconds until `key` may make a request, 0 when it may now. */
  waitMs(key: string, now: number): number {
    const bucket = this.refill(key, now);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.ratePerMs);
  }

  take(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens -= 1;
  }

  /** Drops full buckets, so the map does not grow with every subject ever seen. */
  sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (Math.min(this.capacity, bucket.tokens + (now - bucket.updatedAt) * this.ratePerMs) >= this.capacity) this.buckets.delete(key);
    }
  }
}

export interface RateLimiter {
  /** Counts one request of `actor`; throws a RATE_LIMITED GraphQLError (HTTP 429, Retry-After) when over. */
  check(actor: Actor): void;
}

export function createRateLimiter(limits: RateLimits, now: () => number = () => performance.now()): RateLimiter {
  const subjects = limits.perSubject > 0 ? new Buckets(limits.perSubject, limits.windowSeconds) : null;
  const organisations = limits.perOrganisation > 0 ? new Buckets(limits.perOrganisation, limits.windowSeconds) : null;
  let lastSweep = now();
  return {
    check(actor) {
      const t = now();
      if (t - lastSweep > limits.windowSeconds * 1000) {
        subjects?.sweep(t);
        organisations?.sweep(t);
        lastSweep = t;
      }
      // The subject key includes issuer and organisation: a `sub` is only unique within its issuer.
      const subjectKey = `${actor.issuer}\u0000${actor.organisationId}\u0000${actor.subject}`;
      const subjectWait = subjects?.waitMs(subjectKey, t) ?? 0;
      const organisationWait = organisations?.waitMs(actor.organisationId, t) ?? 0;
      if (subjectWait === 0 && organisationWait === 0) {
        subjects?.take(subjectKey);
        organisations?.take(actor.organisationId);
        return;
      }
      const scope = subjectWait >= organisationWait ? 'subject' : 'organisation';
      const retryAfter = Math.max(1, Math.ceil(Math.max(subjectWait, organisationWait) / 1000));
      const limit = scope === 'subject' ? limits.perSubject : limits.perOrganisation;
      throw new GraphQLError(
        `Too many requests for this ${scope === 'subject' ? 'token subject' : 'organisation'} ` +
          `(at most ${limit} per ${limits.windowSeconds} s); retry after ${retryAfter} s`,
        {
          extensions: {
            code: 'RATE_LIMITED',
            scope,
            retryAfterSeconds: retryAfter,
            http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
          },
        },
      );
    },
  };
}
