import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { assignableRoles } from '../../access/matrix.js';
import { api } from '../api/client.js';
import { useAction, useGet, usePaged } from '../api/hooks.js';
import type { Key, User, UserDetail } from '../api/types.js';
import { ConfirmButton } from '../components/Buttons.js';
import { SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, QueryView } from '../components/States.js';
import { explainRole } from '../lib/explain.js';
import { formatBudget, formatModels, formatSource, formatTime, personName } from '../lib/format.js';
import { type GlobalRole, ROLE_LABELS } from '../lib/permissions.js';
import { useSession } from '../session.js';

const USER_READS = ['/api/v1/users', '/api/v1/keys', '/api/v1/teams', '/api/v1/me'];

function RoleSection({ user }: { user: UserDetail }) {
  const { me, canOn } = useSession();
  const path = `/api/v1/users/${encodeURIComponent(user.id)}`;
  const patch = useAction(
    (body: Record<string, unknown>) => api.patch<User>(path, body),
    USER_READS,
  );
  const roles = assignableRoles(me.role);
  const [role, setRole] = useState<GlobalRole>(user.role);
  const mayEdit = canOn('users:update', { ownerId: user.id }) && roles.length > 0;
  const e = user.role_explanation;
  return (
    <section className="panel" aria-labelledby="role-h">
      <h2 id="role-h">Role</h2>
      <p>
        <strong>{ROLE_LABELS[user.role]}</strong> <code>{user.role}</code> — {explainRole(user)}
      </p>
      {e ? (
        <div>
          <h3>Last decision by role mapping</h3>
          <p className="muted">
            {formatTime(e.at)}: the IdP facts give <code>{e.role}</code> (
            {e.decided_by === 'default'
              ? 'no rule matched'
              : `decided by ${e.decided_by.replace('_', ' ')}`}
            )
            {e.groups_complete === false
              ? '; the group list was incomplete, so the role was kept'
              : ''}
            .
          </p>
          {e.matched.length > 0 ? (
            <ul>
              {e.matched.map((m) => (
                <li key={`${m.rule}:${m.matched}`}>
                  {m.rule === 'app_role' ? 'App role' : `Rule ${m.rule + 1}`}: {m.matched} →{' '}
                  {Object.entries(m.grants)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {mayEdit ? (
        <div className="actions">
          <SelectField
            label="Change role"
            value={role}
            onChange={(v) => setRole(v as GlobalRole)}
            options={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            hint="A role set here is pinned: sign-ins and group sync keep it."
          />
          <button
            type="button"
            onClick={() => patch.mutate({ role })}
            disabled={patch.isPending || role === user.role}
          >
            Set role
          </button>
          {user.role_source === 'manual' ? (
            <button
              type="button"
              className="secondary"
              onClick={() => patch.mutate({ role_pinned: false })}
            >
              Let the IdP decide
            </button>
          ) : (
            <button
              type="button"
              className="secondary"
              onClick={() => patch.mutate({ role_pinned: true })}
            >
              Pin this role
            </button>
          )}
        </div>
      ) : null}
      <ErrorNote error={patch.error} />
    </section>
  );
}

function StatusSection({ user }: { user: UserDetail }) {
  const { canOn, viewer } = useSession();
  const path = `/api/v1/users/${encodeURIComponent(user.id)}`;
  const patch = useAction((active: boolean) => api.patch<User>(path, { active }), USER_READS);
  const mayEdit = canOn('users:update', { ownerId: user.id }) && user.id !== viewer.userId;
  return (
    <section className="panel" aria-labelledby="status-h">
      <h2 id="status-h">Status</h2>
      <p>
        {user.active ? (
          <span className="badge ok">Active</span>
        ) : (
          <>
            <span className="badge bad">Deactivated</span> since {formatTime(user.deactivated_at)}
          </>
        )}
      </p>
      {mayEdit ? (
        user.active ? (
          <>
            <p className="muted">
              Deactivating blocks every key of this person and ends all their sessions at once.
            </p>
            <ConfirmButton
              label="Deactivate"
              confirmLabel="Deactivate now"
              onConfirm={() => patch.mutate(false)}
              busy={patch.isPending}
            />
          </>
        ) : (
          <>
            <p className="muted">
              Reactivating unblocks only the keys deactivation blocked; sessions do not come back.
            </p>
            <button type="button" onClick={() => patch.mutate(true)} disabled={patch.isPending}>
              Reactivate
            </button>
          </>
        )
      ) : null}
      <ErrorNote error={patch.error} />
    </section>
  );
}

function PasswordSection({ user }: { user: UserDetail }) {
  const [password, setPassword] = useState('');
  const [done, setDone] = useState('');
  const path = `/api/v1/users/${encodeURIComponent(user.id)}/password`;
  const put = useAction(
    (pw: string | null) => api.put<void>(path, { password: pw }),
    ['/api/v1/users'],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    put.mutate(password, {
      onSuccess: () => {
        setPassword('');
        setDone('Password set; the person’s sessions were ended.');
      },
    });
  };
  return (
    <section className="panel" aria-labelledby="pw-h">
      <h2 id="pw-h">Local password (break-glass)</h2>
      <p>{user.has_password ? 'This person has a local password.' : 'No local password.'}</p>
      <form onSubmit={submit} className="actions">
        <TextField
          label="New password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          hint="12 to 256 characters."
        />
        <button type="submit" disabled={put.isPending || password.length === 0}>
          Set password
        </button>
        {user.has_password ? (
          <ConfirmButton
            label="Remove password"
            confirmLabel="Remove local password"
            onConfirm={() => put.mutate(null, { onSuccess: () => setDone('Password removed.') })}
          />
        ) : null}
      </form>
      <p role="status" className="muted">
        {done}
      </p>
      <ErrorNote error={put.error} />
    </section>
  );
}

function UserKeys({ userId }: { userId: string }) {
  const keys = usePaged<Key>('/api/v1/keys', { user_id: userId, limit: 100 });
  const rows = keys.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="panel" aria-labelledby="ukeys-h">
      <h2 id="ukeys-h">Keys</h2>
      <ErrorNote error={keys.error} />
      {keys.isSuccess && rows.length === 0 ? <Empty>No keys.</Empty> : null}
      <ul className="plain">
        {rows.map((k) => (
          <li key={k.id}>
            <code>{k.key_preview}</code> {k.name ?? ''}{' '}
            {k.blocked ? (
              <span className="badge bad">Blocked</span>
            ) : (
              <span className="badge ok">Active</span>
            )}
          </li>
        ))}
      </ul>
      <Link to="/keys">Manage keys</Link>
    </section>
  );
}

export function UserPage() {
  const { id = '' } = useParams();
  const { can, canOn } = useSession();
  const navigate = useNavigate();
  const user = useGet<UserDetail>(`/api/v1/users/${encodeURIComponent(id)}`);
  const remove = useAction(() => api.del(`/api/v1/users/${encodeURIComponent(id)}`), USER_READS);
  return (
    <QueryView query={user}>
      {(u) => (
        <section>
          <div className="page-head">
            <h1>{personName(u)}</h1>
            <Link to="/users">All users</Link>
          </div>
          <div className="cards">
            <div className="card">
              <h2>Profile</h2>
              <dl>
                <dt>Email</dt>
                <dd>{u.email ?? '—'}</dd>
                <dt>User name</dt>
                <dd>{u.user_name ?? '—'}</dd>
                <dt>Source</dt>
                <dd>{formatSource(u.source)}</dd>
                <dt>External id</dt>
                <dd>{u.external_id ?? '—'}</dd>
                <dt>Budget</dt>
                <dd>{formatBudget(u.max_budget, u.budget_duration)}</dd>
                <dt>Models</dt>
                <dd>{formatModels(u.models)}</dd>
                <dt>Created</dt>
                <dd>{formatTime(u.created_at)}</dd>
              </dl>
            </div>
            <div className="card">
              <h2>Teams</h2>
              {u.teams.length === 0 ? (
                <Empty>In no team.</Empty>
              ) : (
                <ul className="plain">
                  {u.teams.map((t) => (
                    <li key={`${t.team_id}:${t.source}`}>
                      <Link to={`/teams/${encodeURIComponent(t.team_id)}`}>{t.name}</Link>{' '}
                      <span className="badge">{t.role}</span>{' '}
                      <span className="muted">{formatSource(t.source)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
          <RoleSection key={u.role} user={u} />
          <StatusSection user={u} />
          {can('keys:read') ? <UserKeys userId={u.id} /> : null}
          {can('users:set_password') ? <PasswordSection user={u} /> : null}
          {canOn('users:delete', { ownerId: u.id }) ? (
            <section className="panel" aria-labelledby="del-h">
              <h2 id="del-h">Delete</h2>
              <p className="muted">Deletes the person, their keys, sessions and memberships.</p>
              <ConfirmButton
                label="Delete user"
                confirmLabel="Delete for good"
                onConfirm={() =>
                  remove.mutate(undefined, { onSuccess: () => void navigate('/users') })
                }
                busy={remove.isPending}
              />
              <ErrorNote error={remove.error} />
            </section>
          ) : null}
        </section>
      )}
    </QueryView>
  );
}
