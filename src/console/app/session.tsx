// Who is signed in. The token lives in sessionStorage (gone when the tab closes) and nowhere else;
// signing out drops it and unmounts every page, and with them everything the hub answered.
// Signed in through the organisation's provider, the page holds no token at all: the hub's session
// cookie (HttpOnly) goes with each request, and signing out ends the session at the hub (and at the
// provider, where it offers that).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { SESSION_COOKIE_ACCESS } from '../api/client.ts';
import type { ViewerQuery } from '../gql/graphql.ts';

export type Viewer = ViewerQuery['viewer'];

export interface Session {
  viewer: Viewer;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);
const TOKEN_KEY = 'ketenhub.token';

export function storedToken(): string | null {
  return window.sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
  else window.sessionStorage.removeItem(TOKEN_KEY);
}

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Convenience for pages: may the viewer read this category at all (before any link)? */
export function useReads(): (category: string) => boolean {
  const { viewer } = useSession();
  return useCallback((category: string) => viewer.readableCategories.some((readable) => readable === category), [viewer]);
}

export function useSessionState() {
  const [token, setToken] = useState<string | null>(storedToken);
  const [expired, setExpired] = useState(false);
  // Back from the provider (or reloaded): does this browser have a session at the hub?
  useEffect(() => {
    if (storedToken()) return;
    let current = true;
    fetch('/sign-in/session', { headers: { Accept: 'application/json' } })
      .then(async (response) => (response.ok ? ((await response.json()) as { signedIn?: boolean }) : null))
      .then((body) => {
        if (current && body?.signedIn) {
          storeToken(SESSION_COOKIE_ACCESS);
          setToken(SESSION_COOKIE_ACCESS);
        }
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);
  const signIn = useCallback((next: string) => {
    storeToken(next);
    setExpired(false);
    setToken(next);
  }, []);
  const signOut = useCallback(() => {
    const session = storedToken() === SESSION_COOKIE_ACCESS;
    storeToken(null);
    setToken(null);
    if (!session) return;
    fetch('/sign-in/logout', { method: 'POST', headers: { Accept: 'application/json', 'X-GraphQL-Yoga-CSRF': 'console' } })
      .then(async (response) => (response.ok ? ((await response.json()) as { providerLogout?: string | null }) : null))
      .then((body) => {
        // RP-initiated logout: the provider ends its own session too, then sends the browser back.
        if (body?.providerLogout) window.location.assign(body.providerLogout);
      })
      .catch(() => undefined);
  }, []);
  const onUnauthenticated = useCallback(() => {
    storeToken(null);
    setExpired(true);
    setToken(null);
  }, []);
  return useMemo(() => ({ token, expired, signIn, signOut, onUnauthenticated }), [token, expired, signIn, signOut, onUnauthenticated]);
}
