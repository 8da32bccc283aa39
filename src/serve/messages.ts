// What a cluster's supervisor and its workers tell each other over the IPC channel node:cluster opens.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

export type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** Worker → supervisor. */
export type WorkerMessage =
  | { type: 'ketenhub:listening'; port: number }
  | { type: 'ketenhub:metrics'; requestId: number; metrics: WorkerMetrics };

/** Supervisor → worker. */
export type SupervisorMessage = { type: 'ketenhub:metrics?'; requestId: number };

export function toSupervisor(message: WorkerMessage): void {
  process.send?.(message);
}

/** Environment variables the supervisor hands its workers. */
export const WORKER_ENV = {
  /** The database role the supervisor found usable ('' : the connecting user). */
  databaseRole: 'KETENHUB_WORKER_DATABASE_ROLE',
} as const;
