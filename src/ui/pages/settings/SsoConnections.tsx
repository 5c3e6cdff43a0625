import { Link } from 'react-router';
import { useGet } from '../../api/hooks.js';
import type { AdminConnection } from '../../api/types.js';
import { Forbidden, QueryView } from '../../components/States.js';
import { useSession } from '../../session.js';

export const CONNECTIONS = '/api/v1/sso/connections';

export const SOURCE_LABELS: Record<AdminConnection['source'], string> = {
  config: 'Config file',
  environment: 'Environment variables',
  database: 'Made here',
};

/** Settings → SSO: every connection, where it comes from, and the way to add one. */
export function SsoConnectionsPage() {
  const { can } = useSession();
  const list = useGet<{ data: AdminConnection[] }>(
    can('sso_connections:read') ? CONNECTIONS : null,
  );
  if (!can('sso_connections:read')) return <Forbidden what="SSO settings" />;
  const writes = can('sso_connections:write');
  return (
    <section>
      <div className="page-head">
        <h1>Authentication / SSO</h1>
        {writes ? (
          <span className="actions">
            <Link className="button" to="/settings/sso/new/oidc">
              Add OIDC connection
            </Link>
            <Link className="button" to="/settings/sso/new/saml">
              Add SAML connection
            </Link>
          </span>
        ) : null}
      </div>
      <p className="muted">
        People sign in through these connections. Register the URLs each connection shows at your
        IdP (Okta, Entra ID), then run “Test connection”.
      </p>
      <QueryView
        query={list}
        isEmpty={(d) => d.data.length === 0}
        empty="No SSO connection yet: only the break-glass login works."
      >
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">Type</th>
                  <th scope="col">Email domains</th>
                  <th scope="col">Source</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {d.data.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/settings/sso/${encodeURIComponent(c.id)}`}>
                        {c.display_name ?? c.id}
                      </Link>{' '}
                      <code className="muted">{c.id}</code>
                    </td>
                    <td>{c.type.toUpperCase()}</td>
                    <td>{c.email_domains.length > 0 ? c.email_domains.join(', ') : '—'}</td>
                    <td>
                      {SOURCE_LABELS[c.source] ?? c.source}
                      {c.read_only ? <span className="badge">read-only</span> : null}
                    </td>
                    <td>
                      {c.enabled === false ? (
                        <span className="badge bad">Disabled</span>
                      ) : (
                        <span className="badge ok">Enabled</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}
