// The trusted token issuers: the identity providers of the partner organisations. Read once at
// start from a JSON file (TRUSTED_ISSUERS_FILE), validated, and every key parsed once into a
// KeyObject, so verifying a request costs a map lookup and a signature check. An issuer may instead
// name its JWKS URL (`jwksUri`): its keys are then fetched and cached by jose's remote key set, and a
// token with a key id not in the cache makes it fetch again (at most once per cooldown), so the
// provider rotates its keys without a restart of the hub.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

export const DEMO_ISSUERS_FILE = fileURLToPath(new URL('./demo-issuer/issuers.json', import.meta.url));

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type Algorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof SYMMETRIC_ALGORITHMS)[number];

const KeySchema = z
  .object({
    kid: z.string().min(1).max(200),
    pem: z.string().startsWith('-----BEGIN').optional(),
    pemFile: z.string().min(1).optional(),
    /** HS* shared secret, base64. Only with `symmetric: true` on the issuer. */
    secretBase64: z.string().min(1).optional(),
  })
  .strict()
  .refine((key) => [key.pem, key.pemFile, key.secretBase64].filter(Boolean).length === 1, {
    message: 'each key needs exactly one of pem, pemFile or secretBase64',
  });

const IssuerSchema = z
  .object({
    issuer: z.string().min(1).max(500),
    description: z.string().optional(),
    /** Marks the development issuer whose private key is public (refused in production). */
    demo: z.boolean().default(false),
    audiences: z.array(z.string().min(1)).min(1),
    algorithms: z.array(z.enum([...ASYMMETRIC_ALGORITHMS, ...SYMMETRIC_ALGORITHMS])).min(1),
    /** Must be set explicitly for HS* algorithms: a shared secret is for development only. */
    symmetric: z.boolean().default(false),
    keys: z.array(KeySchema).default([]),
    /** A JWKS document on disk (the `keys` of the issuer's /.well-known/jwks.json). */
    jwksFile: z.string().min(1).optional(),
    /** The issuer's JWKS URL: keys fetched, cached and refetched for an unknown key id. */
    jwksUri: z.url({ protocol: /^https?$/ }).optional(),
    /** How long fetched keys are used before they are fetched again (default 10 minutes). */
    jwksCacheSeconds: z.number().positive().max(24 * 3600).default(600),
    /** The least time between two fetches for unknown key ids (default 30 s): a flood of made-up kids costs one fetch. */
    jwksCooldownSeconds: z.number().min(0).max(3600).default(30),
  })
  .strict()
  .superRefine((issuer, ctx) => {
    const symmetric = issuer.algorithms.filter((a) => a.startsWith('HS'));
    if (symmetric.length > 0 && !issuer.symmetric)
      ctx.addIssue({ code: 'custom', message: `${symmetric.join(', ')} needs "symmetric": true (development only)` });
    if (symmetric.length > 0 && symmetric.length !== issuer.algorithms.length)
      ctx.addIssue({ code: 'custom', message: 'an issuer uses either shared secrets (HS*) or public keys, not both' });
    if (issuer.keys.length === 0 && !issuer.jwksFile && !issuer.jwksUri)
      ctx.addIssue({ code: 'custom', message: 'an issuer needs at least one key (keys, jwksFile or jwksUri)' });
    if (issuer.jwksUri && (issuer.keys.length > 0 || issuer.jwksFile))
      ctx.addIssue({ code: 'custom', message: 'an issuer with jwksUri takes its keys from there only (no keys or jwksFile beside it)' });
    if (issuer.jwksUri && symmetric.length > 0) ctx.addIssue({ code: 'custom', message: 'jwksUri is for public keys, not shared secrets (HS*)' });
  });

const IssuersFileSchema = z.object({ issuers: z.array(IssuerSchema).min(1) }).strict();

export interface TrustedIssuer {
  issuer: string;
  demo: boolean;
  audiences: [string, ...string[]];
  algorithms: Algorithm[];
  /** Keys by kid; several at once during a key rotation. Empty for an issuer with a JWKS URL. */
  keys: Map<string, KeyObject>;
  /** The remote key set of an issuer with a JWKS URL (jose: cached, refetched for unknown kids). */
  jwks?: JWTVerifyGetKey;
  jwksUri?: string;
  /** The organisations this issuer may sign for (database issuers); absent: any that names it. */
  organisations?: string[];
  /** Where the issuer is configured: TRUSTED_ISSUERS_FILE (default) or the database (`npm run admin -- issuer`). */
  source?: 'file' | 'database';
}

export class IssuerConfigError extends Error {}

export interface IssuerOptions {
  production: boolean;
  allowDemoIssuerInProduction: boolean;
}

/** Reads and validates the issuers file; throws IssuerConfigError with a one-line reason. */
export function loadTrustedIssuers(file: string, options: IssuerOptions): Map<string, TrustedIssuer> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new IssuerConfigError(`TRUSTED_ISSUERS_FILE ${file}: ${(error as Error).message}`);
  }
  const parsed = IssuersFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new IssuerConfigError(`TRUSTED_ISSUERS_FILE ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const base = dirname(file);
  const resolve = (path: string) => (isAbsolute(path) ? path : join(base, path));
  const issuers = new Map<string, TrustedIssuer>();
  for (const entry of parsed.data.issuers) {
    const where = `TRUSTED_ISSUERS_FILE: issuer ${entry.issuer}`;
    if (issuers.has(entry.issuer)) throw new IssuerConfigError(`${where}: listed twice`);
    if (options.production && entry.demo && !options.allowDemoIssuerInProduction) continue;
    if (options.production && entry.symmetric)
      throw new IssuerConfigError(`${where}: shared-secret (HS*) issuers are not allowed when NODE_ENV=production`);
    if (options.production && entry.jwksUri && !entry.jwksUri.startsWith('https://'))
      throw new IssuerConfigError(`${where}: jwksUri must be https when NODE_ENV=production`);
    const keys = new Map<string, KeyObject>();
    const addKey = (kid: string, key: KeyObject) => {
      if (keys.has(kid)) throw new IssuerConfigError(`${where}: key id ${kid} listed twice`);
      checkKeyFitsAlgorithms(key, entry.algorithms, `${where}: key ${kid}`);
      keys.set(kid, key);
    };
    for (const key of entry.keys) {
      try {
        if (key.secretBase64) addKey(key.kid, createSecretKey(Buffer.from(key.secretBase64, 'base64')));
        else addKey(key.kid, createPublicKey(key.pem ?? readFileSync(resolve(key.pemFile!), 'utf8')));
      } catch (error) {
        if (error instanceof IssuerConfigError) throw error;
        throw new IssuerConfigError(`${where}: key ${key.kid}: ${(error as Error).message}`);
      }
    }
    if (entry.jwksFile) {
      for (const jwk of readJwks(resolve(entry.jwksFile), where)) {
        try {
          addKey(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
        } catch (error) {
          if (error instanceof IssuerConfigError) throw error;
          throw new IssuerConfigError(`${where}: JWKS key ${jwk.kid}: ${(error as Error).message}`);
        }
      }
    }
    issuers.set(entry.issuer, {
      issuer: entry.issuer,
      demo: entry.demo,
      audiences: entry.audiences as [string, ...string[]],
      algorithms: entry.algorithms,
      keys,
      ...(entry.jwksUri
        ? {
            jwksUri: entry.jwksUri,
            jwks: createRemoteJWKSet(new URL(entry.jwksUri), {
              cacheMaxAge: entry.jwksCacheSeconds * 1000,
              cooldownDuration: entry.jwksCooldownSeconds * 1000,
              timeoutDuration: 5000,
            }),
          }
        : {}),
    });
  }
  return issuers;
}

const JwksSchema = z.object({
  keys: z.array(z.object({ kid: z.string().min(1), kty: z.string() }).passthrough()).min(1),
});

function readJwks(file: string, where: string) {
  try {
    const parsed = JwksSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.keys as Array<{ kid: string; kty: string } & Record<string, unknown>>;
  } catch (error) {
    throw new IssuerConfigError(`${where}: jwksFile ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** A key must suit every algorithm of its issuer, so an HS/RS mix-up is caught at start. */
function checkKeyFitsAlgorithms(key: KeyObject, algorithms: Algorithm[], where: string): void {
  for (const algorithm of algorithms) {
    const family = algorithm.slice(0, 2);
    const fits =
      (family === 'HS' && key.type === 'secret') ||
      ((family === 'RS' || family === 'PS') && key.type === 'public' && key.asymmetricKeyType === 'rsa') ||
      (family === 'ES' && key.type === 'public' && key.asymmetricKeyType === 'ec');
    if (!fits) throw new IssuerConfigError(`${where} does not suit algorithm ${algorithm}`);
  }
}
