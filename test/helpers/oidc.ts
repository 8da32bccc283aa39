// A real OpenID provider for the sign-in tests: panva's certified oidc-provider on 127.0.0.1, with
// two organisations' clients and a few people. Its login page is a plain form (name only: the
// provider's own password check is not what these tests are about); consent is given by the
// provider itself (as an organisation's provider does for its own first-party application).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { expect } from 'vitest';
import type supertest from 'supertest';
import { addRegistration } from '../../src/signin/registrations.ts';
import { DEV_WEBHOOK_SECRET_KEY } from '../../src/events/webhooks.ts';
import type { TestHub } from './hub.ts';

/** The hub's PUBLIC_URL in tests: its redirect URI is <PUBLIC_URL>/sign-in/callback. */
export const HUB_URL = 'http://127.0.0.1:4999';

export interface TestPerson {
  groups: string[];
  org: string;
  name: string;
}

/** anna and bram work at two organisations; mallory's provider account says she is of another one. */
export const PEOPLE: Record<string, TestPerson> = {
  anna: { groups: ['leerplicht-team'], org: 'lz-den-haag', name: 'Anna de Vries' },
  bram: { groups: ['leerplicht-team'], org: 'lz-rijswijk', name: 'Bram Jansen' },
  pia: { groups: ['privacy'], org: 'lz-den-haag', name: 'Pia Bakker' },
  mallory: { groups: ['leerplicht-team'], org: 'lz-rijswijk', name: 'Mallory' },
};

export const CLIENTS = {
  'lz-den-haag': { client_id: 'ketenhub-den-haag', client_secret: 'den-haag-client-secret-for-tests' },
  'lz-rijswijk': { client_id: 'ketenhub-rijswijk', client_secret: 'rijswijk-client-secret-for-tests' },
} as const;

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

const html = (body: string) => `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Test-IdP</title></head><body>${body}</body></html>`;

export async function startProvider(hubUrl = HUB_URL): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: Object.values(CLIENTS).map((client) => ({
      ...client,
      redirect_uris: [`${hubUrl}/sign-in/callback`],
      post_logout_redirect_uris: [`${hubUrl}/console/`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    async findAccount(_ctx: unknown, id: string) {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...person }) };
    },
    claims: { openid: ['sub'], profile: ['name', 'groups', 'org'] },
    // The groups in the ID token itself (the hub reads no userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: ['test-provider-cookie-key'] },
    ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: { body: string }, form: string) {
          ctx.body = html(`<h1>Afmelden bij de Test-IdP?</h1>${form}<button id="op-logout" type="submit" form="op.logoutForm" value="yes" name="logout">Afmelden</button>`);
        },
        async postLogoutSuccessSource(ctx: { body: string }) {
          ctx.body = html('<h1>Afgemeld bij de Test-IdP</h1>');
        },
      },
    },
    async loadExistingGrant(ctx: { oidc: { provider: { Grant: new (init: Record<string, unknown>) => { addOIDCScope(scope: string): void; save(): Promise<string> } }; client: { clientId: string }; session: { accountId: string } } }) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(path);
    if (!interaction) return callback(req, res);
    void (async () => {
      try {
        await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
            html(`<h1>Test-IdP</h1><form method="post" action="/interaction/${interaction[1]}/login"><label>Gebruikersnaam <input name="login" autofocus></label><button type="submit">Inloggen</button></form>`),
          );
          return;
        }
        let body = '';
        for await (const chunk of req) body += chunk;
        const login = new URLSearchParams(body).get('login') ?? '';
        if (!PEOPLE[login]) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown user');
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      }
    })();
  });
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Registers sign-in for both organisations at the test provider (what `npm run admin -- sign-in add` does). */
export async function registerSignIn(t: TestHub, issuer: string): Promise<void> {
  for (const [organisation, client] of Object.entries(CLIENTS))
    await t.asOwner((db) =>
      addRegistration(
        db,
        t.hub.services.accessLog,
        {
          organisation,
          issuer,
          clientId: client.client_id,
          clientSecret: client.client_secret,
          roleClaim: 'groups',
          roleMap: { 'leerplicht-team': 'PROFESSIONAL', privacy: 'PRIVACY_OFFICER' },
          organisationClaim: 'org',
        },
        { actorSubject: 'cli:test', production: false, secretKey: DEV_WEBHOOK_SECRET_KEY },
      ),
    );
}

/** A cookie jar for the provider's own cookies (the hub's are supertest's agent's). */
class Jar {
  #cookies = new Map<string, string>();
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  }
  get header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Through the provider as `person` would in a browser: from the hub's redirect to the provider,
 * the login form, back to the hub's callback URL (returned, not followed: the caller decides).
 */
export async function throughProvider(authorizationUrl: string, person: string): Promise<URL> {
  const jar = new Jar();
  let url = new URL(authorizationUrl);
  let init: RequestInit = { method: 'GET' };
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header } });
    jar.take(response);
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location')!, url);
      if (next.href.startsWith(`${HUB_URL}/sign-in/callback`)) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const text = await response.text();
    if (response.status === 200 && /^\/interaction\/[\w-]+$/.test(url.pathname)) {
      url = new URL(`${url.pathname}/login`, url);
      init = { method: 'POST', body: new URLSearchParams({ login: person }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      continue;
    }
    throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${text.slice(0, 300)}`);
  }
  throw new Error('too many redirects at the provider');
}

/** Starts a sign-in at the hub (with the agent's cookies) and returns the provider's URL. */
export async function startSignIn(agent: supertest.Agent, organisation: string): Promise<string> {
  const start = await agent.get(`/sign-in/start?organisation=${organisation}`);
  expect(start.status, start.text).toBe(303);
  return start.headers.location as string;
}
