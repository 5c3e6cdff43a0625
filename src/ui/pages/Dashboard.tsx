import { Link } from 'react-router';
import { api } from '../api/client.js';
import { useAction, useGet } from '../api/hooks.js';
import type { Session } from '../api/types.js';
import { ConfirmButton } from '../components/Buttons.js';
import { Empty, ErrorNote, QueryView } from '../components/States.js';
import { formatBudget, formatModels, formatSource, formatTime, personName } from '../lib/format.js';
import { ROLE_LABELS } from '../lib/permissions.js';
import { useSession } from '../session.js';

function Sessions() {
  const sessions = useGet<{ data: Session[] }>('/api/v1/me/sessions');
  const revoke = useAction(
    (id: string) => api.del(`/api/v1/me/sessions/${encodeURIComponent(id)}`),
    ['/api/v1/me/sessions'],
  );
  return (
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Your sessions</h2>
      <ErrorNote error={revoke.error} />
      <QueryView
        query={sessions}
        isEmpty={(d) => d.data.length === 0}
        empty="No signed-in sessions."
      >
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Signed in</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Address</th>
                  <th scope="col">Browser</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.data.map((s) => (
                  <tr key={s.id}>
                    <td>{formatTime(s.created_at)}</td>
                    <td>{formatTime(s.last_seen_at)}</td>
                    <td>{formatTime(s.expires_at)}</td>
                    <td>{s.ip ?? '—'}</td>
                    <td className="truncate">{s.user_agent ?? '—'}</td>
                    <td>
                      {s.current ? (
                        <span className="badge">This browser</span>
                      ) : (
                        <ConfirmButton
                          label="Sign out"
                          confirmLabel="Sign this session out"
                          onConfirm={() => revoke.mutate(s.id)}
                          busy={revoke.isPending}
                        />
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

export function Dashboard() {
  const { me, can } = useSession();
  const user = me.user;
  return (
    <section>
      <h1>Dashboard</h1>
      <div className="cards">
        <div className="card">
          <h2>You</h2>
          <dl>
            <dt>Signed in as</dt>
            <dd>
              {user
                ? personName(user)
                : me.principal === 'master_key'
                  ? 'the master key'
                  : 'an API key'}
            </dd>
            {user?.email ? (
              <>
                <dt>Email</dt>
                <dd>{user.email}</dd>
              </>
            ) : null}
            <dt>Role</dt>
            <dd>
              {me.role ? ROLE_LABELS[me.role] : 'No role'} {me.role ? <code>{me.role}</code> : null}
            </dd>
            {user ? (
              <>
                <dt>Role decided by</dt>
                <dd>
                  {user.role_source === 'idp'
                    ? 'your identity provider (role mapping)'
                    : user.role_source === 'manual'
                      ? 'an administrator (pinned)'
                      : 'the default role'}
                </dd>
                <dt>Your budget</dt>
                <dd>{formatBudget(user.max_budget, user.budget_duration)}</dd>
                <dt>Your models</dt>
                <dd>{formatModels(user.models)}</dd>
              </>
            ) : null}
          </dl>
        </div>
        <div className="card">
          <h2>Your teams</h2>
          {me.teams.length === 0 ? (
            <Empty>You are not in any team.</Empty>
          ) : (
            <ul className="plain">
              {me.teams.map((t) => (
                <li key={`${t.team_id}:${t.source}`}>
                  <Link to={`/teams/${encodeURIComponent(t.team_id)}`}>{t.name}</Link>{' '}
                  <span className="badge">{t.role}</span>{' '}
                  <span className="muted">{formatSource(t.source)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="card">
          <h2>Get started</h2>
          <ul className="plain">
            {can('keys:create') ? (
              <li>
                <Link to="/keys">Create an API key</Link> to call models through Gatehouse.
              </li>
            ) : (
              <li>
                <Link to="/keys">See your API keys</Link>. Your role cannot create keys; ask an
                administrator.
              </li>
            )}
            {can('role_mapping:read') ? (
              <li>
                <Link to="/settings/roles">Check role mapping</Link>: who gets which role from the
                IdP.
              </li>
            ) : null}
            {can('audit:read') ? (
              <li>
                <Link to="/audit">Read the audit log</Link>.
              </li>
            ) : null}
          </ul>
        </div>
      </div>
      {me.principal === 'session' ? <Sessions /> : null}
    </section>
  );
}
