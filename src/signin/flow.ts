// Officers sign in to the console through their own organisation's OpenID provider: the
// authorization-code flow with PKCE, state and nonce (openid-client does the protocol: discovery,
// the token request, the ID token's issuer, audience, nonce, lifetime and signature via the provider's
// JWKS). The organisation is the registration's, never a claim's: a provider that names another
// organisation in its claim is refused. Every sign-in, refusal and sign-out is a record in the
// access log (register entry beheer-toegang).
//
//   GET  /sign-in/organisations            organisations one can sign in for (the sign-in page's list)
//   GET  /sign-in/start?organisation=<id>  → the provider's authorization endpoint
//   GET  /sign-in/callback?code&state      ← the provider; sets the session cookie, → /console/
//   POST /sign-in/logout                   ends the session; answers the provider's logout URL if any
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { AccessLog, LogRecordInput } from '../audit/chain.ts';
import { activity } from '../audit/processing-activities.ts';
import type { Actor } from '../auth/actor.ts';
import type { Tables } from '../db/tables.ts';
import { openSecret } from '../events/webhooks.ts';
import type { Logger } from '../logging.ts';
import type { OrganisationDirectory } from '../organisations/directory.ts';
import { roleExistsForKind } from '../policy/policy.ts';
import { ROLES, type OrganisationKind, type Role } from '../policy/vocabulary.ts';
import { hashSessionId, SessionStore, type SessionTimeouts } from './sessions.ts';

export interface SignInOptions {
  db: Kysely<Tables>;
  directory: OrganisationDirectory;
  accessLog: AccessLog;
  clock: () => Date;
  logger: Logger;
  production: boolean;
  /** PUBLIC_URL: the console's origin and the base of the redirect URI. Without it, no sign-in. */
  publicUrl: string | undefined;
  /** Opens the registrations' sealed client secrets (WEBHOOK_SECRET_KEY). */
  secretKey: string;
  timeouts: SessionTimeouts;
}

export interface SignIn {
  router: Router;
  /** Before /graphql: a request without a bearer token but with a session cookie gets the session's actor. */
  authenticate: RequestHandler;
  sessions: SessionStore;
}

/** A sign-in must come back from the provider within this time. */
const ATTEMPT_MS = 10 * 60_000;
/** Discovered provider metadata is used this long before it is fetched again. */
const DISCOVERY_MS = 3600_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function readCookie(req: Request, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return undefined;
}

const Registration = z.object({
  organisation_id: z.string(),
  issuer: z.string(),
  client_id: z.string(),
  client_secret_sealed: z.string(),
  scopes: z.string(),
  role_claim: z.string(),
  role_map: z.record(z.string(), z.enum(ROLES)),
  organisation_claim: z.string().nullable(),
});
type Registration = z.infer<typeof Registration>;

class Refusal extends Error {}

export function createSignIn(options: SignInOptions): SignIn {
  const { db, directory, accessLog, clock, logger } = options;
  const sessions = new SessionStore(db, directory, options.timeouts, clock);
  const publicUrl = options.publicUrl ? new URL(options.publicUrl) : null;
  const consoleOrigin = publicUrl?.origin ?? null;
  // Secure everywhere but plain http on this machine in development (browsers drop Secure cookies there).
  const local = publicUrl !== null && publicUrl.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(publicUrl.hostname);
  const secure = options.production || !local;
  // __Host-: the browser keeps it to exactly this host, path /, Secure (no sub-domain can set it).
  const SESSION_COOKIE = secure ? '__Host-ketenhub-session' : 'ketenhub-session';
  const ATTEMPT_COOKIE = 'ketenhub-sign-in';
  const redirectUri = publicUrl ? new URL('/sign-in/callback', publicUrl).href : null;
  const cookieFlags = `HttpOnly${secure ? '; Secure' : ''}`;

  const discovered = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
  function providerOf(registration: Registration): Promise<oidc.Configuration> {
    const key = `${registration.organisation_id} ${registration.issuer} ${registration.client_id} ${registration.client_secret_sealed}`;
    const cached = discovered.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_MS) return cached.config;
    const insecure = !options.production && registration.issuer.startsWith('http://');
    const config = oidc.discovery(
      new URL(registration.issuer),
      registration.client_id,
      undefined,
      oidc.ClientSecretBasic(openSecret(registration.client_secret_sealed, options.secretKey)),
      { timeout: 10, ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}) },
    );
    config.catch(() => discovered.delete(key));
    discovered.set(key, { at: Date.now(), config });
    return config;
  }

  async function registrationOf(organisationId: string): Promise<Registration | null> {
    const row = await db
      .selectFrom('sign_in_registrations')
      .select(['organisation_id', 'issuer', 'client_id', 'client_secret_sealed', 'scopes', 'role_claim', 'role_map', 'organisation_claim'])
      .where('organisation_id', '=', organisationId)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return row ? Registration.parse(row) : null;
  }

  function logRecord(req: Request, entry: { action: 'CREATE' | 'UPDATE'; outcome: 'GRANTED' | 'REFUSED'; organisationId: string; subject: string; role: string; provider: string; detail?: string; operation: string }): LogRecordInput {
    const now = clock();
    const register = activity('beheer-toegang', now);
    return {
      occurredAt: now,
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      requestId: String((req as { id?: unknown }).id ?? randomUUID()),
      action: entry.action,
      outcome: entry.outcome,
      actorSubject: entry.subject,
      actorOrgId: entry.organisationId,
      actorRole: entry.role,
      onBehalfOf: null,
      purpose: `provider ${entry.provider}${entry.detail ? `; ${entry.detail}` : ''}`,
      activityId: register.id,
      activityVersion: register.version,
      pupilId: null,
      categories: [],
      fields: ['Session'],
      operationName: entry.operation,
      clientAddress: req.socket?.remoteAddress ?? null,
      emergency: false,
    };
  }

  /** The role the provider's claim maps to; exactly one, or the sign-in is refused. */
  function roleOf(registration: Registration, claims: Record<string, unknown>): Role {
    const value = claims[registration.role_claim];
    const values = (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).map(String);
    const roles = [...new Set(values.map((group) => registration.role_map[group]).filter((role): role is Role => role !== undefined))];
    if (roles.length === 0) throw new Refusal(`no group in claim "${registration.role_claim}" maps to a role`);
    if (roles.length > 1) throw new Refusal(`the groups in claim "${registration.role_claim}" map to several roles (${roles.join(', ')}): ask the provider's administrator for one`);
    return roles[0]!;
  }

  const router = express.Router();
  const setCookie = (res: Response, value: string) => res.append('Set-Cookie', value);
  const clearAttempt = (res: Response) => setCookie(res, `${ATTEMPT_COOKIE}=; Path=/sign-in; Max-Age=0; ${cookieFlags}; SameSite=Lax`);
  const toConsole = (res: Response, problem?: string) => res.redirect(303, problem ? `/console/?sign-in=${encodeURIComponent(problem)}` : '/console/');

  router.get('/organisations', async (_req, res, next) => {
    try {
      const rows = await db
        .selectFrom('sign_in_registrations')
        .innerJoin('organisations', 'organisations.id', 'sign_in_registrations.organisation_id')
        .select(['organisations.id', 'organisations.name'])
        .where('sign_in_registrations.disabled_at', 'is', null)
        .where('organisations.disabled_at', 'is', null)
        .orderBy('organisations.name')
        .execute();
      res.json({ organisations: rows, configured: publicUrl !== null });
    } catch (error) {
      next(error);
    }
  });

  router.get('/start', async (req, res, next) => {
    try {
      if (!publicUrl || !redirectUri) {
        res.status(503).type('text/plain').send('sign-in is not configured: set PUBLIC_URL\n');
        return;
      }
      const organisationId = z.string().min(1).max(100).safeParse(req.query.organisation);
      const registration = organisationId.success ? await registrationOf(organisationId.data) : null;
      if (!registration) {
        res.status(404).type('text/plain').send('this organisation has no sign-in registered\n');
        return;
      }
      const provider = await providerOf(registration);
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const verifier = oidc.randomPKCECodeVerifier();
      const now = clock();
      await db.deleteFrom('sign_in_attempts').where('created_at', '<', new Date(now.getTime() - 6 * ATTEMPT_MS)).execute();
      await db
        .insertInto('sign_in_attempts')
        .values({ state_hash: sha256(state), organisation_id: registration.organisation_id, nonce, code_verifier: verifier, created_at: now })
        .execute();
      const url = oidc.buildAuthorizationUrl(provider, {
        redirect_uri: redirectUri,
        scope: registration.scopes,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      // The state also in a cookie of this browser: a callback carrying a state this browser did not
      // start (login CSRF) is refused. Lax, because the provider's redirect back is a cross-site navigation.
      setCookie(res, `${ATTEMPT_COOKIE}=${state}; Path=/sign-in; Max-Age=${ATTEMPT_MS / 1000}; ${cookieFlags}; SameSite=Lax`);
      res.redirect(303, url.href);
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'sign-in could not start');
      next(error);
    }
  });

  router.get('/callback', async (req, res, next) => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const cookieState = readCookie(req, ATTEMPT_COOKIE);
    clearAttempt(res);
    let organisationId: string | null = null;
    let provider = 'unknown';
    let subject = 'unknown';
    try {
      // Single use: the attempt is marked used before anything else, so a replayed callback finds none.
      const now = clock();
      const attempt = state
        ? await db
            .updateTable('sign_in_attempts')
            .set({ used_at: now })
            .where('state_hash', '=', sha256(state))
            .where('used_at', 'is', null)
            .where('created_at', '>', new Date(now.getTime() - ATTEMPT_MS))
            .returning(['organisation_id', 'nonce', 'code_verifier'])
            .executeTakeFirst()
        : undefined;
      if (!attempt) {
        // Whose attempt it was is unknown; the organisation of this browser's own attempt, if any, gets the record.
        const own = cookieState
          ? await db.selectFrom('sign_in_attempts').select('organisation_id').where('state_hash', '=', sha256(cookieState)).executeTakeFirst()
          : undefined;
        organisationId = own?.organisation_id ?? null;
        throw new Refusal(state ? 'unknown, used or expired state' : 'no state');
      }
      organisationId = attempt.organisation_id;
      if (cookieState !== state) throw new Refusal('state does not match the one this browser started with');
      const registration = await registrationOf(attempt.organisation_id);
      if (!registration) throw new Refusal('sign-in registration disabled');
      provider = registration.issuer;
      if (typeof req.query.error === 'string') throw new Refusal(`provider answered ${req.query.error.slice(0, 100)}`);
      const config = await providerOf(registration);
      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(config, new URL(req.originalUrl, publicUrl!), {
          pkceCodeVerifier: attempt.code_verifier,
          expectedState: state,
          expectedNonce: attempt.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw new Refusal(`provider refused the code or its ID token did not validate: ${(error as Error).message.slice(0, 200)}`);
      }
      const claims = tokens.claims() as Record<string, unknown> | undefined;
      if (!claims || typeof claims.sub !== 'string') throw new Refusal('no ID token');
      subject = claims.sub.slice(0, 200);
      // The organisation is the registration's. A provider claim naming another one is refused:
      // the provider may not speak for an organisation that did not register it.
      if (registration.organisation_claim && claims[registration.organisation_claim] !== undefined && claims[registration.organisation_claim] !== registration.organisation_id)
        throw new Refusal(`claim "${registration.organisation_claim}" names another organisation (${String(claims[registration.organisation_claim]).slice(0, 100)})`);
      const role = roleOf(registration, claims);
      const organisation = await directory.get(registration.organisation_id);
      if (!organisation || organisation.disabled_at) throw new Refusal('organisation disabled');
      if (!roleExistsForKind(organisation.kind as OrganisationKind, role)) throw new Refusal(`an organisation of kind ${organisation.kind} has no role ${role}`);

      const session = await db.transaction().execute(async (trx) => {
        const created = await sessions.create(trx, { organisationId: organisation.id, subject, issuer: registration.issuer, role, idToken: tokens.id_token ?? null });
        await accessLog.append(trx, [
          logRecord(req, { action: 'CREATE', outcome: 'GRANTED', organisationId: organisation.id, subject, role, provider, operation: 'sign-in' }),
        ]);
        return created;
      });
      setCookie(res, `${SESSION_COOKIE}=${session.id}; Path=/; ${cookieFlags}; SameSite=Strict`);
      logger.info({ org: organisation.id, role }, 'signed in');
      toConsole(res);
    } catch (error) {
      if (!(error instanceof Refusal)) return next(error);
      logger.warn({ org: organisationId, reason: error.message }, 'sign-in refused');
      if (organisationId)
        await accessLog
            .append(db, [logRecord(req, { action: 'CREATE', outcome: 'REFUSED', organisationId, subject, role: 'NONE', provider, detail: `refused: ${error.message}`, operation: 'sign-in' })])
            .catch((failure: Error) => logger.error({ err: { message: failure.message } }, 'sign-in refusal not recorded'));
      toConsole(res, 'refused');
    }
  });

  router.post('/logout', async (req, res, next) => {
    try {
      if (!fromConsole(req)) {
        res.status(403).json({ error: 'sign-out only from the console itself' });
        return;
      }
      const id = readCookie(req, SESSION_COOKIE);
      setCookie(res, `${SESSION_COOKIE}=; Path=/; Max-Age=0; ${cookieFlags}; SameSite=Strict`);
      const row = id
        ? await db.selectFrom('console_sessions').selectAll().where('id_hash', '=', hashSessionId(id)).where('ended_at', 'is', null).executeTakeFirst()
        : undefined;
      if (!row) {
        res.json({ signedOut: true, providerLogout: null });
        return;
      }
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('console_sessions').set({ ended_at: clock(), end_reason: 'SIGNED_OUT', id_token: null }).where('id_hash', '=', row.id_hash).execute();
        await accessLog.append(trx, [
          logRecord(req, { action: 'UPDATE', outcome: 'GRANTED', organisationId: row.organisation_id, subject: row.subject, role: row.role, provider: row.issuer, operation: 'sign-out' }),
        ]);
      });
      // RP-initiated logout, where the provider offers it: the console sends the browser there.
      let providerLogout: string | null = null;
      const registration = await registrationOf(row.organisation_id);
      if (registration && registration.issuer === row.issuer) {
        const config = await providerOf(registration).catch(() => null);
        if (config?.serverMetadata().end_session_endpoint)
          providerLogout = oidc.buildEndSessionUrl(config, {
            ...(row.id_token ? { id_token_hint: row.id_token } : {}),
            post_logout_redirect_uri: new URL('/console/', publicUrl!).href,
          }).href;
      }
      res.json({ signedOut: true, providerLogout });
    } catch (error) {
      next(error);
    }
  });

  /**
   * A cookie travels with every request to the hub, whoever made the page that sends it; so a
   * session is accepted only from the console's own origin (Origin header, or Sec-Fetch-Site
   * same-origin where a browser sends no Origin) and with the CSRF header a form or a plain link
   * cannot set. SameSite=Strict already keeps the cookie off cross-site requests; these checks do
   * not rely on it.
   */
  function fromConsole(req: Request): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined) return consoleOrigin !== null && origin === consoleOrigin;
    return req.headers['sec-fetch-site'] === 'same-origin';
  }

  const refuse = (res: Response, status: 401 | 403, reason: string, message: string) =>
    res.status(status).json({ errors: [{ message, extensions: { code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', reason } }] });

  /** The session's check; a session that ends here (idle, expired, organisation disabled) is a sign-out record. */
  async function checkSession(req: Request, res: Response, id: string) {
    const checked = await sessions.check(id);
    if (!checked.ok) {
      setCookie(res, `${SESSION_COOKIE}=; Path=/; Max-Age=0; ${cookieFlags}; SameSite=Strict`);
      if (checked.ended)
        await accessLog
          .append(db, [
            logRecord(req, {
              action: 'UPDATE',
              outcome: 'GRANTED',
              organisationId: checked.ended.organisationId,
              subject: checked.ended.subject,
              role: checked.ended.role,
              provider: checked.ended.issuer,
              detail: `ended: ${checked.reason}`,
              operation: 'sign-out',
            }),
          ])
          .catch((failure: Error) => logger.error({ err: { message: failure.message } }, 'session end not recorded'));
    }
    return checked;
  }

  // Whether this browser has a live session (the console asks at load; no bearer token in the page).
  router.get('/session', async (req, res, next) => {
    try {
      const id = readCookie(req, SESSION_COOKIE);
      const checked = id ? await checkSession(req, res, id) : null;
      res.set('Cache-Control', 'no-store').json({ signedIn: checked?.ok === true });
    } catch (error) {
      next(error);
    }
  });

  const authenticate: RequestHandler = (req, res, next) => {
    if (req.headers.authorization || req.method === 'OPTIONS') return next();
    const id = readCookie(req, SESSION_COOKIE);
    if (!id) return next();
    if (!fromConsole(req)) return void refuse(res, 403, 'cross_origin', 'a console session is accepted only from the console itself');
    if (!req.headers['x-graphql-yoga-csrf']) return void refuse(res, 403, 'csrf', 'a request with a console session needs the X-GraphQL-Yoga-CSRF header');
    checkSession(req, res, id)
      .then((checked) => {
        if (!checked.ok) return void refuse(res, 401, checked.reason, 'the console session has ended: sign in again');
        (req as { verifiedActor?: Actor }).verifiedActor = checked.actor;
        next();
      })
      .catch(next);
  };

  return { router, authenticate, sessions };
}
