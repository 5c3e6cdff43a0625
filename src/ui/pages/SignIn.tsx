import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, query } from '../api/client.js';
import { ME } from '../api/hooks.js';
import type { LoginAnswer, SsoConnection } from '../api/types.js';
import { TextField } from '../components/Fields.js';
import { ErrorNote } from '../components/States.js';
import { ApiError } from '../lib/errors.js';
import { safeLoginUrl, safeNext, signInFailure } from '../lib/signin.js';

/** `GET /sso/connections`; a 404 means this Gatehouse has no SSO routes: the page shows none. */
function useConnections() {
  return useQuery({
    queryKey: ['/sso/connections'],
    queryFn: async () => {
      try {
        return (await api.get<{ connections: SsoConnection[] }>('/sso/connections')).connections;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return [];
        throw e;
      }
    },
    retry: false,
  });
}

function go(url: string) {
  const safe = safeLoginUrl(url, window.location.href);
  if (safe) window.location.assign(safe);
}

function WorkEmail() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.get<{ connection: string; login_url: string }>(
        `/sso/discover${query({ email })}`,
      );
      go(r.login_url);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 404
          ? new Error('No single sign-on is set up for that email domain. Ask your IT team.')
          : err,
      );
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="stack">
      <TextField
        label="Work email"
        type="email"
        value={email}
        onChange={setEmail}
        required
        autoComplete="email"
      />
      <button type="submit" disabled={busy}>
        Continue with your work email
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

function BreakGlass({ onSignedIn }: { onSignedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post<LoginAnswer>('/auth/login', { username, password });
      setPassword('');
      onSignedIn();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="stack"
      aria-label="Local administrator sign-in"
    >
      <TextField
        label="User name or email"
        value={username}
        onChange={setUsername}
        required
        autoComplete="username"
      />
      <TextField
        label="Password"
        type="password"
        value={password}
        onChange={setPassword}
        required
        autoComplete="current-password"
      />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function SignIn() {
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const connections = useConnections();
  const failure = signInFailure(search);
  const list = connections.data ?? [];
  const hasSso = list.length > 0;

  const signedIn = async () => {
    await qc.invalidateQueries({ queryKey: ME });
    void navigate(safeNext(search.get('next')), { replace: true });
  };

  return (
    <main className="standalone signin" id="main">
      <h1>Sign in to Gatehouse</h1>
      {failure ? (
        <div className="notice error" role="alert">
          <strong>Sign-in failed.</strong> {failure.message}
          <div className="muted">Reference: {failure.reference} (give this to your IT team)</div>
        </div>
      ) : null}
      {connections.isError ? (
        <ErrorNote error={connections.error} title="Single sign-on unavailable" />
      ) : null}
      {hasSso ? (
        <section aria-labelledby="sso-heading" className="stack">
          <h2 id="sso-heading">Single sign-on</h2>
          <ul className="sso-buttons">
            {list.map((c) => (
              <li key={c.id}>
                <button type="button" onClick={() => go(c.login_url)}>
                  Sign in with {c.display_name}
                </button>
              </li>
            ))}
          </ul>
          <WorkEmail />
        </section>
      ) : null}
      {connections.isPending ? null : (
        <details className="break-glass" open={!hasSso}>
          <summary>
            {hasSso ? 'Local administrator sign-in (break-glass)' : 'Local administrator sign-in'}
          </summary>
          <p className="muted">For emergency access when the identity provider is unavailable.</p>
          <BreakGlass onSignedIn={() => void signedIn()} />
        </details>
      )}
    </main>
  );
}
