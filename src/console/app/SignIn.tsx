// Sign-in. Officers sign in through their organisation's identity provider (GET /sign-in/organisations
// lists the organisations registered for it; /sign-in/start goes to the provider). In development the hub offers the demo sign-in (GET /console/dev-sign-in lists the demo
// organisations and roles, POST /console/dev-token returns a token); everywhere a person can paste
// a bearer token from the organisation's identity provider (docs/officers.md: Signing in).
import { useEffect, useState, type FormEvent } from 'react';
import { execute, ApiError } from '../api/client.ts';
import { ViewerDocument } from '../gql/graphql.ts';
import { useT } from '../i18n/index.tsx';
import { ErrorNotice } from '../ui/ErrorNotice.tsx';
import { SelectField, TextArea } from '../ui/Field.tsx';
import { Page } from '../ui/Page.tsx';

interface DemoOrganisation {
  id: string;
  name: string;
  kind: string;
  roles: string[];
}

export function SignIn({ onSignIn, expired }: { onSignIn: (token: string) => void; expired: boolean }) {
  const t = useT();
  const [demo, setDemo] = useState<DemoOrganisation[] | null | 'off'>(null);
  const [organisationId, setOrganisationId] = useState('');
  const [role, setRole] = useState('PROFESSIONAL');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<{ id: string; name: string }[]>([]);
  const [provider, setProvider] = useState('');
  const refused = new URLSearchParams(window.location.search).get('sign-in') === 'refused';

  useEffect(() => {
    fetch('/sign-in/organisations', { headers: { Accept: 'application/json' } })
      .then(async (response) => (response.ok ? ((await response.json()) as { organisations: { id: string; name: string }[]; configured: boolean }) : null))
      .then((body) => {
        if (!body?.configured) return;
        setProviders(body.organisations);
        setProvider(body.organisations[0]?.id ?? '');
      })
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    fetch('/console/dev-sign-in', { headers: { Accept: 'application/json' } })
      .then(async (response) => {
        if (!response.ok) return setDemo('off');
        const body = (await response.json()) as { organisations: DemoOrganisation[] };
        setDemo(body.organisations);
        setOrganisationId(body.organisations[0]?.id ?? '');
      })
      .catch(() => setDemo('off'));
  }, []);

  const selected = Array.isArray(demo) ? demo.find((org) => org.id === organisationId) : undefined;
  useEffect(() => {
    if (selected && !selected.roles.includes(role)) setRole(selected.roles[0] ?? 'PROFESSIONAL');
  }, [selected, role]);

  // A token is accepted only when the hub accepts it: ask who it belongs to before going on.
  async function tryToken(candidate: string) {
    setBusy(true);
    setError(null);
    try {
      await execute(candidate, ViewerDocument);
      onSignIn(candidate);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }], 0));
    } finally {
      setBusy(false);
    }
  }

  async function signInDemo(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/console/dev-token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ organisationId, role }),
      });
      const body = (await response.json()) as { token?: string; error?: string };
      if (!response.ok || !body.token) throw new ApiError([{ message: body.error ?? String(response.status), extensions: { code: 'BAD_USER_INPUT' } }], response.status);
      await tryToken(body.token);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError([{ message: String(e), extensions: { code: 'NETWORK' } }], 0));
      setBusy(false);
    }
  }

  return (
    <Page title={t('signIn.title')}>
      <p>{t('signIn.intro')}</p>
      {expired ? (
        <p className="notice notice-warning" role="status">
          {t('signIn.expired')}
        </p>
      ) : null}
      {refused ? (
        <p className="notice notice-warning" role="alert">
          {t('signIn.refused')}
        </p>
      ) : null}
      <ErrorNotice error={error} />
      <div className="sign-in">
        {providers.length > 0 ? (
          <form
            className="card"
            aria-labelledby="oidc-title"
            onSubmit={(event) => {
              event.preventDefault();
              window.location.assign(`/sign-in/start?organisation=${encodeURIComponent(provider)}`);
            }}
          >
            <h2 id="oidc-title">{t('signIn.oidcTitle')}</h2>
            <p>{t('signIn.oidcIntro')}</p>
            <SelectField
              label={t('signIn.oidcOrganisation')}
              name="sign-in-organisation"
              value={provider}
              onChange={(event) => setProvider(event.target.value)}
              options={providers.map((org) => ({ value: org.id, label: org.name }))}
            />
            <button type="submit" className="primary" disabled={!provider}>
              {t('signIn.oidcSubmit')}
            </button>
          </form>
        ) : null}
        {Array.isArray(demo) ? (
          <form className="card" onSubmit={signInDemo} aria-labelledby="demo-title">
            <h2 id="demo-title">{t('signIn.demoTitle')}</h2>
            <p>{t('signIn.demoIntro')}</p>
            <SelectField
              label={t('signIn.organisation')}
              name="organisation"
              value={organisationId}
              onChange={(event) => setOrganisationId(event.target.value)}
              options={demo.map((org) => ({ value: org.id, label: `${org.name} (${t.dynamic('kind', org.kind)})` }))}
            />
            <SelectField
              label={t('signIn.role')}
              name="role"
              value={role}
              onChange={(event) => setRole(event.target.value)}
              options={(selected?.roles ?? []).map((r) => ({ value: r, label: t.dynamic('role', r) }))}
            />
            <button type="submit" className="primary" disabled={busy || !organisationId}>
              {t('signIn.submitDemo')}
            </button>
          </form>
        ) : demo === 'off' ? (
          <p className="card">{t('signIn.demoUnavailable')}</p>
        ) : null}
        <form
          className="card"
          aria-labelledby="token-title"
          onSubmit={(event) => {
            event.preventDefault();
            void tryToken(token.trim());
          }}
        >
          <h2 id="token-title">{t('signIn.tokenTitle')}</h2>
          <p>{t('signIn.tokenIntro')}</p>
          <TextArea label={t('signIn.token')} name="token" value={token} onChange={(event) => setToken(event.target.value)} required autoComplete="off" spellCheck={false} />
          <button type="submit" disabled={busy || token.trim() === ''}>
            {t('signIn.submitToken')}
          </button>
        </form>
      </div>
    </Page>
  );
}
