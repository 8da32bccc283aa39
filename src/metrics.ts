// Operator metrics in Prometheus format at GET /metrics. One registry per hub instance (no global
// default registry), so tests can run several hubs in one process.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Refused bearer tokens by reason: an attack or a misconfigured partner shows here first. */
  authRefusals: Counter<'reason' | 'status'>;
}

export function createMetrics(options: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const authRefusals = new Counter({
    name: 'ketenhub_auth_refusals_total',
    help: 'Bearer tokens refused, by reason',
    labelNames: ['reason', 'status'] as const,
    registers: [registry],
  });
  return { registry, authRefusals };
}
