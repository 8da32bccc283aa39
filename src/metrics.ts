// Operator metrics in Prometheus text format, served on a port of their own (METRICS_PORT, see
// main.ts), never on the API's. One registry per hub instance (no global default registry), so tests
// can run several hubs in one process. Label values come from small fixed sets: an operation name
// is a registered or named operation (the first MAX_OPERATIONS distinct names, then "other"),
// unnamed ones are "anonymous"; nothing that identifies a person ever becomes a label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface MetricSources {
  /** Webhook deliveries not yet delivered, and how long the oldest has waited. */
  outbox?: () => Promise<{ pending: number; oldestAgeSeconds: number }>;
  /** The database connection pool (PostgreSQL; PGlite has one session). */
  pool?: () => PoolStats | null;
}

export interface Metrics {
  registry: Registry;
  /** Refused bearer tokens by reason: an attack or a misconfigured partner shows here first. */
  authRefusals: Counter<'reason' | 'status'>;
  requestDuration: Histogram<'operation' | 'outcome'>;
  errors: Counter<'code'>;
  accessLogAppendSeconds: Histogram;
  accessLogRecordsPerAppend: Histogram;
  sseStreams: Gauge;
  jobLastSuccess: Gauge<'job'>;
  /** Where the gauges read at scrape time get their values (set once the hub is assembled). */
  sources: MetricSources;
  /** The operation label for a name: bounded, so a client cannot grow the label set without end. */
  operationLabel(name: string | null | undefined): string;
}

export const MAX_OPERATIONS = 200;
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

export function createMetrics(options: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const sources: MetricSources = {};
  const authRefusals = new Counter({
    name: 'ketenhub_auth_refusals_total',
    help: 'Bearer tokens refused, by reason',
    labelNames: ['reason', 'status'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: 'ketenhub_graphql_request_duration_seconds',
    help: 'GraphQL requests (not subscription streams) from arrival to the last byte of the answer, by operation and outcome (ok, error: executed with errors, refused: refused before execution)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const errors = new Counter({
    name: 'ketenhub_graphql_errors_total',
    help: 'Errors in GraphQL answers, by extensions.code',
    labelNames: ['code'] as const,
    registers,
  });
  const accessLogAppendSeconds = new Histogram({
    name: 'ketenhub_access_log_append_seconds',
    help: 'Time to append a batch of records to the access log (hash chain), including the wait for its head',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const accessLogRecordsPerAppend = new Histogram({
    name: 'ketenhub_access_log_records_per_append',
    help: 'Records appended to the access log per append (group commit gathers concurrent requests)',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000],
    registers,
  });
  const sseStreams = new Gauge({ name: 'ketenhub_sse_streams', help: 'Subscription streams (server-sent events) open now', registers });
  const jobLastSuccess = new Gauge({
    name: 'ketenhub_job_last_success_timestamp_seconds',
    help: 'When each background job last succeeded (Unix time; from job_runs after a restart)',
    labelNames: ['job'] as const,
    // Jobs run in one process of a cluster (the supervisor); the latest success is the answer.
    aggregator: 'max',
    registers,
  });
  new Gauge({
    name: 'ketenhub_webhook_outbox_pending',
    help: 'Webhook deliveries waiting to be delivered (all instances)',
    // Every worker of a cluster reads the same outbox: one value, not their sum.
    aggregator: 'max',
    registers,
    async collect() {
      const outbox = await sources.outbox?.().catch(() => null);
      if (outbox) this.set(outbox.pending);
    },
  });
  new Gauge({
    name: 'ketenhub_webhook_outbox_oldest_pending_age_seconds',
    help: 'How long the oldest pending webhook delivery has waited (0 when none)',
    aggregator: 'max',
    registers,
    async collect() {
      const outbox = await sources.outbox?.().catch(() => null);
      if (outbox) this.set(outbox.oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'ketenhub_db_pool_connections',
    help: 'Database pool connections by state (total, idle, waiting: requests waiting for one; max: the pool size)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const pool = sources.pool?.();
      if (!pool) return;
      for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, pool[state]);
    },
  });
  const operations = new Set<string>();
  return {
    registry,
    authRefusals,
    requestDuration,
    errors,
    accessLogAppendSeconds,
    accessLogRecordsPerAppend,
    sseStreams,
    jobLastSuccess,
    sources,
    operationLabel(name) {
      if (!name) return 'anonymous';
      if (!NAME.test(name)) return 'other';
      if (operations.has(name)) return name;
      if (operations.size >= MAX_OPERATIONS) return 'other';
      operations.add(name);
      return name;
    },
  };
}
