// Bearer-token verification: exactly the tokens of trusted issuers, with pinned algorithms, known
// keys, our audience, a bounded lifetime and the claims we need. Every refusal says what is wrong
// without echoing the token, and is counted by reason for operators.
import { errors as joseErrors, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { Actor } from './actor.ts';
import type { TrustedIssuer } from './issuers.ts';
import type { IssuerLookup } from './issuer-registry.ts';
import { textProblem } from '../http/limits.ts';
import type { OrganisationDirectory } from '../organisations/directory.ts';
import { roleExistsForKind } from '../policy/policy.ts';
import { ROLES, type OrganisationKind } from '../policy/vocabulary.ts';

export type RefusalReason =
  | 'missing_header'
  | 'malformed_header'
  | 'malformed_token'
  | 'alg_none'
  | 'unknown_issuer'
  | 'algorithm_not_allowed'
  | 'unknown_kid'
  | 'keys_unavailable'
  | 'bad_signature'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'lifetime_too_long'
  | 'missing_claim'
  | 'invalid_claim'
  | 'unknown_organisation'
  | 'organisation_of_other_issuer'
  | 'organisation_disabled'
  | 'role_not_in_organisation_kind';

export class AuthenticationError extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** 401: we do not know who you are. 403: we know, and the answer is no. */
    readonly status: 401 | 403 = 401,
    /** The issuer named by the token, when known: helps an operator find a misconfigured partner. */
    readonly issuer?: string,
  ) {
    super(message);
  }
}

export interface VerifierOptions {
  /** The trusted issuers: a fixed map, or the registry that merges the file's with the database's. */
  issuers: IssuerLookup;
  organisations: OrganisationDirectory;
  maxLifetimeSeconds: number;
  clockToleranceSeconds: number;
  now?: () => number;
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'exp', 'iat', 'org', 'role'] as const;

/**
 * Text claims end up in the access log and in queries: no control characters (PostgreSQL refuses
 * NUL in text, and one such record would fail a whole group commit) and no lone surrogates.
 */
const text = (schema: z.ZodString) =>
  schema.superRefine((value, context) => {
    const problem = textProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

const ClaimsSchema = z.object({
  iss: z.string().min(1),
  sub: text(z.string().min(1).max(200)),
  exp: z.number().int(),
  iat: z.number().int(),
  nbf: z.number().int().optional(),
  org: text(z.string().min(1).max(100)),
  role: z.enum(ROLES),
  purpose: text(z.string().max(200)).optional(),
  on_behalf_of: text(z.string().min(1).max(200)).optional(),
});

// RFC 7235: the scheme name is case-insensitive.
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/** Verified tokens are remembered this long (and never past their expiry), at most CACHE_SIZE of them. */
const CACHE_MS = 60_000;
const CACHE_SIZE = 10_000;

export function createVerifier(options: VerifierOptions) {
  const now = options.now ?? Date.now;
  const tolerance = options.clockToleranceSeconds;
  // A client sends the same token with every request: checking its signature (ES256, RS256) each
  // time would be most of what a refused or cheap request costs. Only accepted tokens are kept, for
  // a minute at most, like the organisation registry they were checked against.
  // A remembered token is verified again as soon as the issuers changed (an issuer rotated or disabled).
  const verified = new Map<string, { actor: Actor; until: number; issuers: number }>();

  return async function verifyBearer(header: string | null | undefined): Promise<Actor> {
    await options.issuers.refresh?.();
    const issuers = options.issuers.version ?? 0;
    const remembered = header ? verified.get(header) : undefined;
    if (remembered && remembered.until > now() && remembered.issuers === issuers) return { ...remembered.actor };
    const actor = await verify(header);
    if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(header!, { actor, until: Math.min(now() + CACHE_MS, actor.expiresAt?.getTime() ?? 0), issuers });
    return { ...actor };
  };

  async function verify(header: string | null | undefined): Promise<Actor> {
    if (!header) throw new AuthenticationError('missing_header', 'missing Authorization header: send "Authorization: Bearer <token>"');
    const match = BEARER.exec(header.trim());
    if (!match) throw new AuthenticationError('malformed_header', 'malformed Authorization header: expected "Bearer " followed by a JWT');
    const token = match[1]!;

    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload !== 'object' || decoded.payload === null)
      throw new AuthenticationError('malformed_token', 'malformed token: not a JSON Web Token');
    const { header: jose, payload } = decoded;
    if (!jose.alg || jose.alg.toLowerCase() === 'none')
      throw new AuthenticationError('alg_none', 'unsigned tokens (alg "none") are refused');

    for (const claim of REQUIRED_CLAIMS) {
      if (payload[claim] === undefined || payload[claim] === null || payload[claim] === '')
        throw new AuthenticationError('missing_claim', `token is missing the required claim "${claim}"`);
    }
    const issuerName = String(payload.iss);
    const issuer = options.issuers.get(issuerName);
    if (!issuer) throw new AuthenticationError('unknown_issuer', 'token issuer is not trusted by this hub');

    const algorithm = jose.alg as TrustedIssuer['algorithms'][number];
    if (!issuer.algorithms.includes(algorithm))
      throw new AuthenticationError(
        'algorithm_not_allowed',
        `algorithm ${jose.alg} is not allowed for this issuer (allowed: ${issuer.algorithms.join(', ')})`,
        401,
        issuerName,
      );

    let verified: jwt.JwtPayload;
    if (issuer.jwks) {
      // The issuer's published key set (fetched, cached, refetched for an unknown kid by jose).
      try {
        const result = await jwtVerify(token, issuer.jwks, {
          algorithms: [algorithm],
          audience: issuer.audiences,
          issuer: issuer.issuer,
          clockTolerance: tolerance,
          currentDate: new Date(now()),
        });
        verified = result.payload as jwt.JwtPayload;
      } catch (error) {
        throw translateJoseError(error, issuerName);
      }
    } else {
      verified = verifyWithKnownKey(token, issuer, algorithm, jose.kid, issuerName);
    }
    return actorOf(verified, issuer, issuerName);
  };

  function verifyWithKnownKey(token: string, issuer: TrustedIssuer, algorithm: TrustedIssuer['algorithms'][number], kid: string | undefined, issuerName: string): jwt.JwtPayload {
    let key;
    if (kid !== undefined) key = issuer.keys.get(kid);
    else if (issuer.keys.size === 1) key = issuer.keys.values().next().value;
    else throw new AuthenticationError('unknown_kid', 'token has no key id ("kid") and the issuer has several keys', 401, issuerName);
    if (!key) throw new AuthenticationError('unknown_kid', 'token key id ("kid") is not a known key of this issuer', 401, issuerName);

    try {
      return jwt.verify(token, key, {
        algorithms: [algorithm],
        audience: issuer.audiences,
        issuer: issuer.issuer,
        clockTolerance: tolerance,
        clockTimestamp: Math.floor(now() / 1000),
      }) as jwt.JwtPayload;
    } catch (error) {
      throw translateJwtError(error, issuerName);
    }
  }

  async function actorOf(verified: jwt.JwtPayload, issuer: TrustedIssuer, issuerName: string): Promise<Actor> {
    const claims = ClaimsSchema.safeParse(verified);
    if (!claims.success) {
      const issue = claims.error.issues[0]!;
      const claim = String(issue.path[0]);
      const detail = claim === 'role' ? `must be one of ${ROLES.join(', ')}` : issue.message;
      throw new AuthenticationError('invalid_claim', `token claim "${claim}" is invalid: ${detail}`, 401, issuerName);
    }
    const { iat, exp, org, role, sub, purpose, on_behalf_of: onBehalfOf } = claims.data;
    const nowSeconds = Math.floor(now() / 1000);
    if (iat > nowSeconds + tolerance)
      throw new AuthenticationError('issued_in_future', 'token is issued in the future ("iat"): check the clock of your identity provider', 401, issuerName);
    if (exp - iat > options.maxLifetimeSeconds)
      throw new AuthenticationError(
        'lifetime_too_long',
        `token lifetime (exp - iat) exceeds the maximum of ${options.maxLifetimeSeconds} seconds`,
        401,
        issuerName,
      );

    const organisation = await options.organisations.get(org);
    if (!organisation)
      throw new AuthenticationError('unknown_organisation', 'the organisation in the token ("org") is not registered in this hub', 403, issuerName);
    if (organisation.issuer !== issuer.issuer || (issuer.organisations && !issuer.organisations.includes(organisation.id)))
      throw new AuthenticationError('organisation_of_other_issuer', 'this issuer may not speak for the organisation in the token ("org")', 403, issuerName);
    if (organisation.disabled_at)
      throw new AuthenticationError('organisation_disabled', 'the organisation in the token ("org") has been disabled in this hub', 403, issuerName);
    const kind = organisation.kind as OrganisationKind;
    if (!roleExistsForKind(kind, role))
      throw new AuthenticationError('role_not_in_organisation_kind', `role ${role} does not exist for organisations of kind ${kind}`, 403, issuerName);

    return {
      subject: sub,
      issuer: issuer.issuer,
      organisationId: organisation.id,
      organisationKind: kind,
      municipalityCode: organisation.municipality_code,
      role,
      purpose: purpose ?? null,
      onBehalfOf: onBehalfOf ?? null,
      expiresAt: new Date(exp * 1000),
    };
  }
}

function translateJwtError(error: unknown, issuer: string): AuthenticationError {
  if (error instanceof jwt.TokenExpiredError) return new AuthenticationError('expired', 'token has expired', 401, issuer);
  if (error instanceof jwt.NotBeforeError) return new AuthenticationError('not_yet_valid', 'token is not yet valid ("nbf")', 401, issuer);
  const message = error instanceof Error ? error.message : '';
  const badClaim = /^(?:invalid (exp|nbf|iat) value|jwt (issuer|subject|id) invalid)/.exec(message);
  if (badClaim) {
    const claim = { issuer: 'iss', subject: 'sub', id: 'jti' }[badClaim[2] as string] ?? badClaim[1];
    return new AuthenticationError('invalid_claim', `token claim "${claim}" is invalid`, 401, issuer);
  }
  if (message === 'jwt malformed') return new AuthenticationError('malformed_token', 'malformed token: not a JSON Web Token', 401, issuer);
  if (message.startsWith('jwt audience invalid'))
    return new AuthenticationError('wrong_audience', 'token audience ("aud") is not this hub', 401, issuer);
  if (message === 'invalid signature')
    return new AuthenticationError('bad_signature', 'token signature does not verify', 401, issuer);
  // Anything else from the library (malformed segments, key/algorithm mismatch) is still a refusal.
  return new AuthenticationError('bad_signature', 'token could not be verified', 401, issuer);
}

/** jose's errors (issuers with a JWKS URL) as the same refusals as jsonwebtoken's. */
function translateJoseError(error: unknown, issuer: string): AuthenticationError {
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys)
    return new AuthenticationError('unknown_kid', 'token key id ("kid") is not a known key of this issuer', 401, issuer);
  if (error instanceof joseErrors.JWTExpired) return new AuthenticationError('expired', 'token has expired', 401, issuer);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new AuthenticationError('wrong_audience', 'token audience ("aud") is not this hub', 401, issuer);
    if (error.claim === 'nbf') return new AuthenticationError('not_yet_valid', 'token is not yet valid ("nbf")', 401, issuer);
    return new AuthenticationError('invalid_claim', `token claim "${error.claim}" is invalid`, 401, issuer);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthenticationError('bad_signature', 'token signature does not verify', 401, issuer);
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || (error instanceof Error && !(error instanceof joseErrors.JOSEError)))
    // The provider's key set could not be fetched (down, timeout, not a JWKS): not the caller's fault,
    // but nothing can be verified; the reason tells operators where to look.
    return new AuthenticationError('keys_unavailable', "the issuer's published keys (JWKS) could not be fetched; try again later", 401, issuer);
  return new AuthenticationError('bad_signature', 'token could not be verified', 401, issuer);
}

export type VerifyBearer = ReturnType<typeof createVerifier>;
