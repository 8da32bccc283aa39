// Fairness between organisations. The in-flight limit (overload.ts) protects the hub as a whole, but
// one partner's 50 clients could take all of it, and a few heavy queries of one partner could take
// the database (on PGlite: the one thread) from everyone else. So each organisation has a share:
//
//   requests    at most maxInFlight of its requests in progress; more wait for a slot before their
//               body is read (limit: inFlight).
//   cost        the summed cost of its operations running at once (what the query limits compute:
//               1 per field, lists weighted by their page size) stays within maxCostInFlight; an
//               operation that does not fit waits until the organisation's earlier work is done
//               (limit: cost).
//
// Waiting is first come, first served within the organisation, at most maxWaitMs, and at most
// 4 × maxInFlight requests wait; beyond either the request is refused with 429 OVERLOADED
// (extensions.scope: organisation, .limit) and Retry-After. Waiting rather than refusing at once: a
// client told to retry comes back at once, and a storm of refusals costs the hub as much as the work
// it keeps out. A waiting request costs nothing but its connection. Other organisations never wait
// for another's share. An organisation with nothing running is always admitted, so an operation up
// to GRAPHQL_MAX_COST runs even when the budget is smaller. In memory, per hub instance, like the
// rate limits.
import { GraphQLError } from 'graphql';

export interface FairShareLimits {
  /** Requests of one organisation in progress at once; 0: no limit. */
  maxInFlight: number;
  /** Summed cost of one organisation's operations running at once; 0: no limit. */
  maxCostInFlight: number;
  /** How long a request may wait for its organisation's share. */
  maxWaitMs?: number;
}

export const DEFAULT_MAX_WAIT_MS = 2_000;

/** Something that ends: an HTTP response (its 'close' event comes once, however it ends). */
interface Ending {
  once(event: 'close', listener: () => void): unknown;
}

type Limit = 'inFlight' | 'cost';

function refusal(limit: Limit): GraphQLError {
  const what = limit === 'inFlight' ? 'as many requests in progress' : 'as much work in progress';
  return new GraphQLError(`This organisation has ${what} as its share of the hub allows; retry after 1 s${limit === 'cost' ? ', or ask for less at once' : ''}`, {
    extensions: { code: 'OVERLOADED', scope: 'organisation', limit, http: { status: 429, headers: { 'Retry-After': '1' } } },
  });
}

interface Waiter {
  weight: number;
  admit: () => void;
}

/** A weighted semaphore with a first-come-first-served queue; an empty one admits any weight. */
class Budget {
  used = 0;
  readonly waiting: Waiter[] = [];

  constructor(
    private readonly capacity: number,
    private readonly maxWaiting: number,
    private readonly maxWaitMs: number,
    private readonly limit: Limit,
    private readonly onIdle: () => void,
  ) {}

  get idle(): boolean {
    return this.used === 0 && this.waiting.length === 0;
  }

  #fits(weight: number): boolean {
    return this.used === 0 || this.used + weight <= this.capacity;
  }

  #take(weight: number, until: Ending): void {
    this.used += weight;
    until.once('close', () => {
      this.used -= weight;
      this.#wake();
    });
  }

  /** Never one past another that waits: the order is kept. */
  #wake(): void {
    while (this.waiting.length > 0 && this.#fits(this.waiting[0]!.weight)) this.waiting.shift()!.admit();
    if (this.idle) this.onIdle();
  }

  /** Resolves once `weight` fits (held until `until` closes); rejects with OVERLOADED when it cannot. */
  acquire(weight: number, until: Ending): Promise<void> {
    if (this.waiting.length === 0 && this.#fits(weight)) {
      this.#take(weight, until);
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(refusal(this.limit));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        settled = true;
        clearTimeout(timer);
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        this.#wake();
      };
      const waiter: Waiter = {
        weight,
        admit: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#take(weight, until);
          // Not in the same breath as the work that made room: the event loop turns first, so
          // requests of others that arrived meanwhile are read before this one's work starts.
          setImmediate(resolve);
        },
      };
      const timer = setTimeout(() => {
        if (settled) return;
        leave();
        reject(refusal(this.limit));
      }, this.maxWaitMs);
      timer.unref();
      // The caller went away while waiting: its place goes to the next.
      until.once('close', () => {
        if (!settled) leave();
      });
      this.waiting.push(waiter);
    });
  }
}

export interface FairShare {
  /** A request slot of `organisation` until `until` closes; may wait; rejects with OVERLOADED. */
  enter(organisation: string, until: Ending): Promise<void>;
  /** Room for an operation of `cost` in `organisation`'s budget until `until` closes; may wait; rejects with OVERLOADED. */
  admit(organisation: string, cost: number, until: Ending): Promise<void>;
  /** What an organisation has in progress and waiting (tests). */
  inProgress(organisation: string): { requests: number; cost: number; waiting: number };
}

export function createFairShare(limits: FairShareLimits): FairShare {
  const maxWaitMs = limits.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const maxWaiting = Math.max(1, limits.maxInFlight) * 4;
  const requests = new Map<string, Budget>();
  const costs = new Map<string, Budget>();
  const budgetOf = (map: Map<string, Budget>, organisation: string, capacity: number, limit: Limit) => {
    let budget = map.get(organisation);
    if (!budget) {
      const created = new Budget(capacity, maxWaiting, maxWaitMs, limit, () => {
        if (map.get(organisation) === created) map.delete(organisation);
      });
      map.set(organisation, (budget = created));
    }
    return budget;
  };
  return {
    enter(organisation, until) {
      if (limits.maxInFlight <= 0) return Promise.resolve();
      return budgetOf(requests, organisation, limits.maxInFlight, 'inFlight').acquire(1, until);
    },
    admit(organisation, cost, until) {
      if (limits.maxCostInFlight <= 0) return Promise.resolve();
      return budgetOf(costs, organisation, limits.maxCostInFlight, 'cost').acquire(Math.max(1, cost), until);
    },
    inProgress(organisation) {
      const request = requests.get(organisation);
      const cost = costs.get(organisation);
      return { requests: request?.used ?? 0, cost: cost?.used ?? 0, waiting: (request?.waiting.length ?? 0) + (cost?.waiting.length ?? 0) };
    },
  };
}
