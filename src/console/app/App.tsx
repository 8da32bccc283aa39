// The console's shell: sign-in gate, header (who, language, sign out), the menu for the role, and
// the page for the address. Which pages a role gets is decided here from the viewer the hub
// returned; what each page shows is decided by the hub alone.
import { useMemo, type ComponentType } from 'react';
import { ApiContext, useQuery } from '../api/client.ts';
import { ViewerDocument } from '../gql/graphql.ts';
import { LANGUAGES, useI18n, type TextKey } from '../i18n/index.tsx';
import { CasePage } from '../pages/outreach/CasePage.tsx';
import { CasesPage } from '../pages/outreach/CasesPage.tsx';
import { AccessLogPage } from '../pages/privacy/AccessLogPage.tsx';
import { EmergencyReviewsPage } from '../pages/privacy/EmergencyReviewsPage.tsx';
import { VerificationPage } from '../pages/privacy/VerificationPage.tsx';
import { PupilPage } from '../pages/pupils/PupilPage.tsx';
import { PupilSearchPage } from '../pages/pupils/PupilSearchPage.tsx';
import { NewReferralPage } from '../pages/referrals/NewReferralPage.tsx';
import { OverduePage } from '../pages/referrals/OverduePage.tsx';
import { ReferralPage } from '../pages/referrals/ReferralPage.tsx';
import { ReferralsPage } from '../pages/referrals/ReferralsPage.tsx';
import { ErrorNotice } from '../ui/ErrorNotice.tsx';
import { Loading, Page } from '../ui/Page.tsx';
import { Link, matchPath, useRoute } from './router.tsx';
import { SessionProvider, useSessionState, type Viewer } from './session.tsx';
import { SignIn } from './SignIn.tsx';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

interface RouteEntry {
  pattern: string;
  page: ComponentType<PageProps>;
  /** Shown in the menu under this name (routes with parameters are not). */
  menu?: TextKey;
  /** Who gets the page: the hub refuses the rest anyway; this keeps the menu to what works. */
  allowed: (viewer: Viewer) => boolean;
}

const caseWorker = (viewer: Viewer) => viewer.role !== 'PRIVACY_OFFICER';
const privacyOfficer = (viewer: Viewer) => viewer.role === 'PRIVACY_OFFICER';
const outOfView = (viewer: Viewer) => caseWorker(viewer) && ['LEERLINGZAKEN', 'SCHOOL'].includes(viewer.organisation.kind);

// Order matters: the first matching pattern wins (`/referrals/new` before `/referrals/:id`).
export const ROUTES: readonly RouteEntry[] = [
  { pattern: '/referrals', page: ReferralsPage, menu: 'nav.referrals', allowed: caseWorker },
  { pattern: '/referrals/new', page: NewReferralPage, menu: 'nav.newReferral', allowed: caseWorker },
  { pattern: '/referrals/:id', page: ReferralPage, allowed: caseWorker },
  { pattern: '/overdue', page: OverduePage, menu: 'nav.overdue', allowed: (v) => v.role === 'COORDINATOR' },
  { pattern: '/pupils', page: PupilSearchPage, menu: 'nav.pupils', allowed: caseWorker },
  { pattern: '/pupils/:id', page: PupilPage, allowed: caseWorker },
  { pattern: '/out-of-view', page: CasesPage, menu: 'nav.outOfView', allowed: outOfView },
  { pattern: '/out-of-view/:id', page: CasePage, allowed: outOfView },
  { pattern: '/access-log', page: AccessLogPage, menu: 'nav.accessLog', allowed: privacyOfficer },
  { pattern: '/emergency-reviews', page: EmergencyReviewsPage, menu: 'nav.emergencyReviews', allowed: privacyOfficer },
  { pattern: '/verification', page: VerificationPage, menu: 'nav.verification', allowed: privacyOfficer },
];

export function App() {
  const session = useSessionState();
  if (!session.token) {
    return (
      <Shell>
        <SignIn onSignIn={session.signIn} expired={session.expired} />
      </Shell>
    );
  }
  // Keyed by the token: another person signing in starts from nothing.
  return <SignedIn key={session.token} token={session.token} signOut={session.signOut} onUnauthenticated={session.onUnauthenticated} />;
}

function SignedIn({ token, signOut, onUnauthenticated }: { token: string; signOut: () => void; onUnauthenticated: () => void }) {
  const access = useMemo(() => ({ token, onUnauthenticated }), [token, onUnauthenticated]);
  return (
    <ApiContext.Provider value={access}>
      <WithViewer signOut={signOut} />
    </ApiContext.Provider>
  );
}

function WithViewer({ signOut }: { signOut: () => void }) {
  const { t } = useI18n();
  const { data, error } = useQuery(ViewerDocument);
  const session = useMemo(() => (data ? { signOut, viewer: data.viewer } : null), [data, signOut]);
  if (error)
    return (
      <Shell signOut={signOut}>
        <Page title={t('error.title')}>
          <ErrorNotice error={error} />
        </Page>
      </Shell>
    );
  if (!session)
    return (
      <Shell>
        <Loading />
      </Shell>
    );
  return (
    <SessionProvider session={session}>
      <Shell viewer={session.viewer} signOut={signOut}>
        <Routed viewer={session.viewer} />
      </Shell>
    </SessionProvider>
  );
}

function Routed({ viewer }: { viewer: Viewer }) {
  const route = useRoute();
  const { t } = useI18n();
  const home = viewer.role === 'PRIVACY_OFFICER' ? '/access-log' : '/referrals';
  const path = route.path === '/' ? home : route.path;
  for (const entry of ROUTES) {
    const params = matchPath(entry.pattern, path);
    if (!params) continue;
    if (!entry.allowed(viewer)) break;
    const Component = entry.page;
    // Keyed by the address's path: another pupil or referral starts with a fresh page.
    return <Component key={path} params={params} query={route.query} />;
  }
  return (
    <Page title={t('app.notFound')}>
      <p>
        <Link to={home}>{t('app.back')}</Link>
      </p>
    </Page>
  );
}

function Shell({ viewer, signOut, children }: { viewer?: Viewer; signOut?: () => void; children: React.ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  const route = useRoute();
  const menu = viewer ? ROUTES.filter((entry) => entry.menu && entry.allowed(viewer)) : [];
  const home = viewer?.role === 'PRIVACY_OFFICER' ? '/access-log' : '/referrals';
  const current = route.path === '/' ? home : route.path;
  return (
    <>
      {/* The address's hash is the route: the link moves focus itself rather than navigating to "#main". */}
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('app.skipToContent')}
      </a>
      <header className="top">
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <div className="top-tools">
          {viewer ? (
            <p className="who">
              {t('app.signedInAs', { role: t.dynamic('role', viewer.role), organisation: viewer.organisation.name })}
            </p>
          ) : null}
          <label className="language">
            <span>{t('app.language')}</span>
            <select value={language} onChange={(event) => setLanguage(event.target.value as typeof language)}>
              {LANGUAGES.map((option) => (
                <option key={option} value={option} lang={option}>
                  {option === 'nl' ? 'Nederlands' : 'English'}
                </option>
              ))}
            </select>
          </label>
          {signOut ? (
            <button type="button" onClick={signOut}>
              {t('app.signOut')}
            </button>
          ) : null}
        </div>
      </header>
      {menu.length > 0 ? (
        <nav className="menu" aria-label={t('app.mainNav')}>
          <ul>
            {menu.map((entry) => (
              <li key={entry.pattern}>
                <Link to={entry.pattern} aria-current={current === entry.pattern ? 'page' : undefined}>
                  {t(entry.menu!)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
