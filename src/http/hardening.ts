// The hardening settings (query limits, production surface, rate limits, overload), gathered from
// the configuration in one place (docs/operations.md lists every limit, its default and its variable).
import type { Config } from '../config.ts';
import { loadConfig } from '../config.ts';
import type { QueryLimits } from './limits.ts';
import type { OverloadLimits } from './overload.ts';
import { loadPersistedOperations } from './persisted.ts';
import type { FairShareLimits } from './fairness.ts';
import type { RateLimits } from './rate-limit.ts';

export interface Hardening {
  limits: Omit<QueryLimits, 'production'>;
  rateLimits: RateLimits;
  overload: OverloadLimits;
  fairShare: FairShareLimits;
  /** Browser origins allowed by CORS; empty: no cross-origin browser access. */
  corsOrigins: string[];
  /** When set, only these operations (sha256 of the text → text) run. */
  persistedOperations: Map<string, string> | null;
}

export function hardeningFromConfig(config: Config): Hardening {
  return {
    limits: {
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxIntrospectionDepth: config.GRAPHQL_MAX_INTROSPECTION_DEPTH,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: config.GRAPHQL_MAX_TOKENS,
      maxCost: config.GRAPHQL_MAX_COST,
      maxPageSize: config.GRAPHQL_MAX_PAGE_SIZE,
      introspection: config.GRAPHQL_INTROSPECTION ?? config.NODE_ENV !== 'production',
    },
    rateLimits: {
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      perSubject: config.RATE_LIMIT_PER_SUBJECT,
      perOrganisation: config.RATE_LIMIT_PER_ORGANISATION,
    },
    overload: {
      maxInFlight: config.HTTP_MAX_IN_FLIGHT,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
      uploadLimitBytes: config.HTTP_UPLOAD_LIMIT_BYTES,
      maxStreams: config.HTTP_MAX_STREAMS,
    },
    fairShare: {
      maxInFlight: config.HTTP_MAX_IN_FLIGHT_PER_ORGANISATION,
      maxCostInFlight: config.HTTP_MAX_COST_IN_FLIGHT_PER_ORGANISATION,
    },
    corsOrigins: config.CORS_ORIGINS,
    persistedOperations: config.PERSISTED_OPERATIONS_FILE ? loadPersistedOperations(config.PERSISTED_OPERATIONS_FILE) : null,
  };
}

/** The defaults, for hubs created without a configuration. */
export const defaultHardening = (production: boolean) =>
  hardeningFromConfig(loadConfig({ NODE_ENV: production ? 'production' : 'development' }));
