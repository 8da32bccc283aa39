// The console (src/console) as the hub serves it: the built files at /console, with a
// content security policy of their own, and in development the demo sign-in's token endpoint.
//
// The console is a static page that talks only to /graphql, as any client does; the hub gives it no
// other way in. Building it (`npm run console:build`) writes CONSOLE_DIR (default dist/console).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { z } from 'zod';
import { signDevToken } from '../auth/dev-token.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logging.ts';
import { ROLES_BY_KIND } from '../policy/policy.ts';
import { ORGANISATION_KINDS, ROLES, type OrganisationKind } from '../policy/vocabulary.ts';

export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

/**
 * Only its own files, its own API, no framing. Styles come from files (no inline styles), so the
 * policy needs no 'unsafe-inline'. Downloads (CSV, PDF) are blob: URLs made by the page itself.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleOptions {
  /** The built console (vite's outDir). */
  directory: string;
  /**
   * The demo sign-in: tokens of the demo issuer for any demo organisation and role. Only when the
   * hub trusts the demo issuer and does not run in production (the demo key is public).
   */
  devSignIn: boolean;
  database: Database;
  clock: () => Date;
  logger: Logger;
}

const DevTokenRequest = z
  .object({
    organisationId: z.string().min(1).max(100),
    role: z.enum(ROLES),
  })
  .strict();

/** Token lifetime of the demo sign-in: a working day. */
const DEV_TOKEN_SECONDS = 8 * 3600;

export function consoleRouter(options: ConsoleOptions): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  // The demo sign-in: which organisations and roles there are, and a token for one of them.
  router.get('/dev-sign-in', async (_req, res) => {
    if (!options.devSignIn) {
      res.status(404).json({ error: 'The demo sign-in is off: sign in with a token from your organisation.' });
      return;
    }
    const organisations = await options.database.db
      .selectFrom('organisations')
      .select(['id', 'name', 'kind'])
      .orderBy('kind')
      .orderBy('name')
      .execute();
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      organisations: organisations.map((org) => ({ ...org, roles: ROLES_BY_KIND[org.kind as OrganisationKind] })),
      kinds: ORGANISATION_KINDS,
    });
  });
  router.post('/dev-token', express.json({ limit: '2kb' }), async (req, res) => {
    if (!options.devSignIn) {
      res.status(404).json({ error: 'The demo sign-in is off: sign in with a token from your organisation.' });
      return;
    }
    const parsed = DevTokenRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'Send {"organisationId": "...", "role": "PROFESSIONAL" | "COORDINATOR" | "PRIVACY_OFFICER"}.' });
      return;
    }
    const organisation = await options.database.db
      .selectFrom('organisations')
      .select(['id', 'kind'])
      .where('id', '=', parsed.data.organisationId)
      .executeTakeFirst();
    if (!organisation || !ROLES_BY_KIND[organisation.kind as OrganisationKind].includes(parsed.data.role)) {
      res.status(400).json({ error: 'There is no such organisation, or it has no such role.' });
      return;
    }
    // Issued on the hub's clock, which a test or a demo may have set to another day.
    const issuedAt = Math.floor(options.clock().getTime() / 1000);
    options.logger.info({ org: organisation.id, role: parsed.data.role }, 'demo sign-in token issued');
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      token: signDevToken({ organisationId: organisation.id, role: parsed.data.role, issuedAt, lifetimeSeconds: DEV_TOKEN_SECONDS, purpose: 'console' }),
      expiresAt: new Date((issuedAt + DEV_TOKEN_SECONDS) * 1000).toISOString(),
    });
  });

  const index = join(options.directory, 'index.html');
  router.use(
    express.static(options.directory, {
      index: false,
      fallthrough: true,
      setHeaders(res, path) {
        // Vite names built assets by their content hash: they never change under the same name.
        res.setHeader('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  // Every other path under /console is the page itself (it routes in the browser).
  router.get(/.*/, (req, res) => {
    if (req.path.startsWith('/assets/')) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    if (!existsSync(index)) {
      // An operator's slip, not a fault of the hub: one warning line (instead of the request line,
      // which for a 503 would be an error with a stack trace) and a plain page saying what to do.
      options.logger.warn({ path: `/console${req.path}`, directory: options.directory }, 'console not built: answered 503');
      res.locals.requestLogged = true;
      res
        .status(503)
        .type('text/plain')
        .send('The console has not been built: run `npm run build` (or `npm run console:build`; `npm install` builds it too), or set CONSOLE_DIR to a built console.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
