import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { assignableRoles } from '../../access/matrix.js';
import { api } from '../api/client.js';
import { useAction, usePaged } from '../api/hooks.js';
import type { Organization, Team, User } from '../api/types.js';
import { SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading } from '../components/States.js';
import { explainRole } from '../lib/explain.js';
import { formatSource, formatTime, personName } from '../lib/format.js';
import { GLOBAL_ROLES, type GlobalRole, ROLE_LABELS } from '../lib/permissions.js';
import { useSession } from '../session.js';

function CreateUser({ onDone }: { onDone: () => void }) {
  const { me, can } = useSession();
  const roles = assignableRoles(me.role);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<GlobalRole | ''>('');
  const [orgId, setOrgId] = useState('');
  const [teamId, setTeamId] = useState('');
  const [password, setPassword] = useState('');
  const orgs = usePaged<Organization>(
    '/api/v1/organizations',
    { limit: 500 },
    can('organizations:read'),
  );
  const teams = usePaged<Team>('/api/v1/teams', { limit: 500 });
  const create = useAction(
    (body: Record<string, unknown>) => api.post<User>('/api/v1/users', body),
    ['/api/v1/users', '/api/v1/teams', '/api/v1/organizations'],
  );
  const orgList = orgs.data?.pages.flatMap((p) => p.data) ?? [];
  const teamList = teams.data?.pages.flatMap((p) => p.data) ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      {
        email,
        ...(displayName ? { display_name: displayName } : {}),
        ...(role ? { role } : {}),
        ...(orgId ? { organization_id: orgId } : {}),
        ...(teamId ? { teams: [{ team_id: teamId, role: 'member' }] } : {}),
        ...(password ? { password } : {}),
      },
      { onSuccess: onDone },
    );
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="New user">
      <h2>New user</h2>
      <div className="grid2">
        <TextField label="Email" type="email" value={email} onChange={setEmail} required />
        <TextField label="Display name" value={displayName} onChange={setDisplayName} />
        <SelectField
          label="Role"
          value={role}
          onChange={(v) => setRole(v as GlobalRole | '')}
          options={[
            { value: '', label: 'Default role' },
            ...roles.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
          ]}
          hint="A role chosen here is pinned: role mapping will not change it."
        />
        {orgList.length > 0 ? (
          <SelectField
            label="Organization"
            value={orgId}
            onChange={setOrgId}
            options={[
              { value: '', label: me.role === 'org_admin' ? 'Choose one' : 'None' },
              ...orgList.map((o) => ({ value: o.id, label: o.name })),
            ]}
          />
        ) : null}
        {teamList.length > 0 ? (
          <SelectField
            label="Team"
            value={teamId}
            onChange={setTeamId}
            options={[
              { value: '', label: 'None' },
              ...teamList.map((t) => ({ value: t.id, label: t.name })),
            ]}
          />
        ) : null}
        {can('users:set_password') ? (
          <TextField
            label="Local password"
            type="password"
            value={password}
            onChange={setPassword}
            autoComplete="new-password"
            hint="Optional, 12+ characters: a break-glass sign-in that works without the IdP."
          />
        ) : null}
      </div>
      <ErrorNote error={create.error} />
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          Create user
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function UsersPage() {
  const { can } = useSession();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('');
  const [active, setActive] = useState('');
  const [creating, setCreating] = useState(false);
  const users = usePaged<User>('/api/v1/users', { email: email.trim() || undefined, role, active });
  if (!can('users:read')) return <Forbidden what="users" />;
  const rows = users.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section>
      <div className="page-head">
        <h1>Users</h1>
        {can('users:create') && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New user
          </button>
        ) : null}
      </div>
      {creating ? <CreateUser onDone={() => setCreating(false)} /> : null}
      <fieldset className="filters">
        <legend>Filter</legend>
        <TextField label="Email (exact)" type="search" value={email} onChange={setEmail} />
        <SelectField
          label="Role"
          value={role}
          onChange={setRole}
          options={[
            { value: '', label: 'Any role' },
            ...GLOBAL_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
          ]}
        />
        <SelectField
          label="Status"
          value={active}
          onChange={setActive}
          options={[
            { value: '', label: 'Any status' },
            { value: 'true', label: 'Active' },
            { value: 'false', label: 'Deactivated' },
          ]}
        />
      </fieldset>
      {users.isPending ? <Loading /> : null}
      <ErrorNote error={users.error} />
      {users.isSuccess && rows.length === 0 ? <Empty>No users match.</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">How the role was decided</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.id}>
                  <td>
                    <Link to={`/users/${encodeURIComponent(u.id)}`}>{personName(u)}</Link>
                  </td>
                  <td>{u.email ?? '—'}</td>
                  <td>
                    <code>{u.role}</code>
                  </td>
                  <td>{explainRole(u)}</td>
                  <td>
                    {u.active ? (
                      <span className="badge ok">Active</span>
                    ) : (
                      <span className="badge bad">Deactivated</span>
                    )}
                  </td>
                  <td>{formatSource(u.source)}</td>
                  <td>{formatTime(u.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {users.hasNextPage ? (
        <button
          type="button"
          className="secondary"
          onClick={() => void users.fetchNextPage()}
          disabled={users.isFetchingNextPage}
        >
          Load more
        </button>
      ) : null}
    </section>
  );
}
