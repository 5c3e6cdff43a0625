import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useMe } from './api/hooks.js';
import { Layout } from './components/Layout.js';
import { ErrorNote, Loading } from './components/States.js';
import { ApiError } from './lib/errors.js';
import { AuditPage } from './pages/Audit.js';
import { Dashboard } from './pages/Dashboard.js';
import { KeysPage } from './pages/Keys.js';
import { OrganizationPage } from './pages/OrganizationDetail.js';
import { OrganizationsPage } from './pages/Organizations.js';
import { SignIn } from './pages/SignIn.js';
import { ProvisioningPage } from './pages/settings/Provisioning.js';
import { RoleMappingPage } from './pages/settings/RoleMapping.js';
import { NewSsoConnectionPage, SsoConnectionPage } from './pages/settings/SsoConnection.js';
import { SsoConnectionsPage } from './pages/settings/SsoConnections.js';
import { TeamPage } from './pages/TeamDetail.js';
import { TeamsPage } from './pages/Teams.js';
import { UserPage } from './pages/UserDetail.js';
import { UsersPage } from './pages/Users.js';
import { SessionProvider } from './session.js';

// The chart library is loaded only by the Spend page: the other pages do not pay for it.
const SpendPage = lazy(() => import('./pages/Spend.js').then((m) => ({ default: m.SpendPage })));

/** Everything but the sign-in page needs a session: without one, go sign in and come back. */
function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading what="Checking your session…" />;
  if (me.isError) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      const next = `${location.pathname}${location.search}`;
      return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
    }
    return (
      <main className="standalone">
        <ErrorNote error={me.error} title="Gatehouse did not answer" />
      </main>
    );
  }
  return (
    <SessionProvider me={me.data}>
      <Layout />
    </SessionProvider>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no page at this address. Pick one from the menu.</p>
    </section>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route element={<RequireSession />}>
        <Route index element={<Dashboard />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="users/:id" element={<UserPage />} />
        <Route path="teams" element={<TeamsPage />} />
        <Route path="teams/:id" element={<TeamPage />} />
        <Route path="organizations" element={<OrganizationsPage />} />
        <Route path="organizations/:id" element={<OrganizationPage />} />
        <Route path="keys" element={<KeysPage />} />
        <Route
          path="spend"
          element={
            <Suspense fallback={<Loading what="Loading the spend page…" />}>
              <SpendPage />
            </Suspense>
          }
        />
        <Route path="audit" element={<AuditPage />} />
        <Route path="settings/roles" element={<RoleMappingPage />} />
        <Route path="settings/sso" element={<SsoConnectionsPage />} />
        <Route path="settings/sso/new/:type" element={<NewSsoConnectionPage />} />
        <Route path="settings/sso/:id" element={<SsoConnectionPage />} />
        <Route path="settings/provisioning" element={<ProvisioningPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
