// Who is signed in. The token lives in sessionStorage (gone when the tab closes) and nowhere else;
// signing out drops it and unmounts every page, and with them everything the hub answered.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
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
  return useCallback((category: string) => viewer.readableCategories.includes(category as never), [viewer]);
}

export function useSessionState() {
  const [token, setToken] = useState<string | null>(storedToken);
  const [expired, setExpired] = useState(false);
  const signIn = useCallback((next: string) => {
    storeToken(next);
    setExpired(false);
    setToken(next);
  }, []);
  const signOut = useCallback(() => {
    storeToken(null);
    setToken(null);
  }, []);
  const onUnauthenticated = useCallback(() => {
    storeToken(null);
    setExpired(true);
    setToken(null);
  }, []);
  return useMemo(() => ({ token, expired, signIn, signOut, onUnauthenticated }), [token, expired, signIn, signOut, onUnauthenticated]);
}
