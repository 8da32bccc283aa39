// The trusted issuers a running hub uses: those of TRUSTED_ISSUERS_FILE (read once at start) merged
// with those registered in the database by `npm run admin -- issuer add` (table trusted_issuers).
// The file wins for an issuer named in both: what the deployment's configuration says about an
// issuer cannot be changed from the database. Database issuers are read again at most every
// `reloadMs` (ISSUER_RELOAD_SECONDS), when a request needs them: an added, rotated or disabled issuer
// takes effect in a running hub within that time, on every instance, without a restart or a NOTIFY
// connection (which PGlite could not offer across processes anyway).
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createRemoteJWKSet } from 'jose';
import type { Tables } from '../db/tables.ts';
import type { Logger } from '../logging.ts';
import type { Algorithm, TrustedIssuer } from './issuers.ts';

/** What the verifier needs: an issuer by name, and a version that changes whenever any issuer does. */
export interface IssuerLookup {
  get(issuer: string): TrustedIssuer | undefined;
  /** Reads the database issuers again when they are older than the reload interval. */
  refresh?(): Promise<void>;
  readonly version?: number;
}

export interface IssuerRegistryOptions {
  /** 0: read before every verification (tests); otherwise the least time between two reads. */
  reloadMs: number;
  production: boolean;
  logger?: Logger;
  now?: () => number;
}

export class IssuerRegistry implements IssuerLookup {
  #fromDatabase = new Map<string, TrustedIssuer>();
  #signature = '';
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | null = null;
  #version = 0;
  readonly #now: () => number;

  constructor(
    readonly fromFile: Map<string, TrustedIssuer>,
    private readonly db: Kysely<Tables>,
    private readonly options: IssuerRegistryOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  get version(): number {
    return this.#version;
  }

  get(issuer: string): TrustedIssuer | undefined {
    return this.fromFile.get(issuer) ?? this.#fromDatabase.get(issuer);
  }

  /** Every issuer in use now (file first). */
  values(): TrustedIssuer[] {
    return [...this.fromFile.values(), ...[...this.#fromDatabase.values()].filter((issuer) => !this.fromFile.has(issuer.issuer))];
  }

  async refresh(): Promise<void> {
    if (this.#now() - this.#loadedAt >= this.options.reloadMs) await this.reload();
  }

  async reload(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const rows = await this.db.selectFrom('trusted_issuers').selectAll().where('disabled_at', 'is', null).orderBy('issuer').execute();
        const signature = JSON.stringify(rows.map((row) => [row.issuer, new Date(row.updated_at).toISOString()]));
        this.#loadedAt = this.#now();
        if (signature === this.#signature) return;
        const next = new Map<string, TrustedIssuer>();
        for (const row of rows) {
          if (this.fromFile.has(row.issuer)) {
            this.options.logger?.warn({ issuer: row.issuer }, 'issuer is in TRUSTED_ISSUERS_FILE and in the database: the file wins');
            continue;
          }
          try {
            next.set(row.issuer, issuerFromRow(row, this.options.production));
          } catch (error) {
            // One unusable row must not take the others down; its tokens are refused (unknown issuer).
            this.options.logger?.error({ issuer: row.issuer, err: { message: (error as Error).message } }, 'database issuer unusable: skipped');
          }
        }
        this.#fromDatabase = next;
        this.#signature = signature;
        this.#version++;
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }
}

interface IssuerRow {
  issuer: string;
  audiences: string[];
  algorithms: string[];
  key_id: string | null;
  public_key_pem: string | null;
  jwks_uri: string | null;
  organisations: string[];
}

/** A database row as a TrustedIssuer; throws when its key or URL is unusable. */
export function issuerFromRow(row: IssuerRow, production: boolean): TrustedIssuer {
  const keys = new Map<string, KeyObject>();
  if (row.public_key_pem && row.key_id) keys.set(row.key_id, createPublicKey(row.public_key_pem));
  if (row.jwks_uri && production && !row.jwks_uri.startsWith('https://')) throw new Error('jwksUri must be https when NODE_ENV=production');
  return {
    issuer: row.issuer,
    demo: false,
    audiences: row.audiences as [string, ...string[]],
    algorithms: row.algorithms as Algorithm[],
    keys,
    organisations: row.organisations,
    source: 'database',
    ...(row.jwks_uri
      ? {
          jwksUri: row.jwks_uri,
          jwks: createRemoteJWKSet(new URL(row.jwks_uri), { cacheMaxAge: 600_000, cooldownDuration: 30_000, timeoutDuration: 5000 }),
        }
      : {}),
  };
}
