import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, query } from '../api/client.js';
import { useAction, useGet, usePaged } from '../api/hooks.js';
import type { Key, Member, Team } from '../api/types.js';
import { BudgetFields, budgetBody, budgetDraft } from '../components/BudgetFields.js';
import { ConfirmButton } from '../components/Buttons.js';
import { CheckboxField, SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, QueryView } from '../components/States.js';
import { UserPicker } from '../components/UserPicker.js';
import {
  formatBudget,
  formatModels,
  formatMoney,
  formatSource,
  formatTime,
} from '../lib/format.js';
import { useSession } from '../session.js';

const TEAM_READS = ['/api/v1/teams', '/api/v1/me', '/api/v1/users', '/api/v1/keys'];

function EditTeam({ team, onDone }: { team: Team; onDone: () => void }) {
  const [name, setName] = useState(team.name);
  const [blocked, setBlocked] = useState(team.blocked);
  const [budget, setBudget] = useState(budgetDraft(team));
  const [error, setError] = useState<unknown>(null);
  const save = useAction(
    (body: Record<string, unknown>) =>
      api.patch<Team>(`/api/v1/teams/${encodeURIComponent(team.id)}`, body),
    TEAM_READS,
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      save.mutate({ name, blocked, ...budgetBody(budget) }, { onSuccess: onDone });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="Edit team">
      <h2>Edit team</h2>
      <div className="grid2">
        <TextField label="Team name" value={name} onChange={setName} required />
        <BudgetFields value={budget} onChange={setBudget} />
      </div>
      <CheckboxField
        label="Blocked (every key of the team stops working)"
        checked={blocked}
        onChange={setBlocked}
      />
      <ErrorNote error={error ?? save.error} />
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          Save team
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Members({ team }: { team: Team }) {
  const { canOn } = useSession();
  const base = `/api/v1/teams/${encodeURIComponent(team.id)}/members`;
  const members = useGet<{ data: Member[] }>(base);
  const mayWrite = canOn('team_members:write', {
    teamId: team.id,
    organizationId: team.organization_id,
  });
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState('member');
  const add = useAction(
    (body: { user_id: string; role: string }) => api.post(base, body),
    TEAM_READS,
  );
  const change = useAction(
    (v: { user: string; source: string; role: string }) =>
      api.patch(`${base}/${encodeURIComponent(v.user)}${query({ source: v.source })}`, {
        role: v.role,
      }),
    TEAM_READS,
  );
  const remove = useAction(
    (v: { user: string; source: string }) =>
      api.del(`${base}/${encodeURIComponent(v.user)}${query({ source: v.source })}`),
    TEAM_READS,
  );
  return (
    <section className="panel" aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <ErrorNote error={add.error ?? change.error ?? remove.error} />
      <QueryView query={members} isEmpty={(d) => d.data.length === 0} empty="No members yet.">
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Team role</th>
                  <th scope="col">Memberships (source → role)</th>
                </tr>
              </thead>
              <tbody>
                {d.data.map((m) => (
                  <tr key={m.user_id}>
                    <td>
                      <Link to={`/users/${encodeURIComponent(m.user_id)}`}>
                        {m.email ?? m.user_id}
                      </Link>
                    </td>
                    <td>
                      <span className="badge">{m.role}</span>
                    </td>
                    <td>
                      <ul className="plain">
                        {m.sources.map((s) => (
                          <li key={s.source} className="source-row">
                            <span>
                              {formatSource(s.source)} → {s.role}
                            </span>
                            {mayWrite ? (
                              <span className="actions">
                                <button
                                  type="button"
                                  className="secondary small"
                                  onClick={() =>
                                    change.mutate({
                                      user: m.user_id,
                                      source: s.source,
                                      role: s.role === 'admin' ? 'member' : 'admin',
                                    })
                                  }
                                  aria-label={`Make ${m.email ?? m.user_id} ${s.role === 'admin' ? 'member' : 'admin'} (${s.source})`}
                                >
                                  Make {s.role === 'admin' ? 'member' : 'admin'}
                                </button>
                                <ConfirmButton
                                  small
                                  label="Remove"
                                  confirmLabel={`Remove ${s.source} membership`}
                                  onConfirm={() =>
                                    remove.mutate({ user: m.user_id, source: s.source })
                                  }
                                />
                              </span>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
      {mayWrite ? (
        <form
          className="actions"
          aria-label="Add member"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate({ user_id: userId, role }, { onSuccess: () => setUserId('') });
          }}
        >
          <UserPicker label="Add person" value={userId} onChange={setUserId} />
          <SelectField
            label="Team role"
            value={role}
            onChange={setRole}
            options={[
              { value: 'member', label: 'Member' },
              { value: 'admin', label: 'Admin' },
            ]}
          />
          <button type="submit" disabled={!userId || add.isPending}>
            Add member
          </button>
        </form>
      ) : null}
      <p className="muted">
        Memberships from SSO or SCIM follow the identity provider: a removed one comes back at the
        next sync while the group still says so.
      </p>
    </section>
  );
}

function TeamKeys({ teamId }: { teamId: string }) {
  const keys = usePaged<Key>('/api/v1/keys', { team_id: teamId, limit: 100 });
  const rows = keys.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="panel" aria-labelledby="tkeys-h">
      <h2 id="tkeys-h">Keys</h2>
      <ErrorNote error={keys.error} />
      {keys.isSuccess && rows.length === 0 ? <Empty>No keys for this team.</Empty> : null}
      <ul className="plain">
        {rows.map((k) => (
          <li key={k.id}>
            <code>{k.key_preview}</code> {k.name ?? ''} —{' '}
            {formatBudget(k.max_budget, k.budget_duration)}{' '}
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

export function TeamPage() {
  const { id = '' } = useParams();
  const { can, canOn } = useSession();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const team = useGet<Team>(`/api/v1/teams/${encodeURIComponent(id)}`);
  const remove = useAction(() => api.del(`/api/v1/teams/${encodeURIComponent(id)}`), TEAM_READS);
  return (
    <QueryView query={team}>
      {(t) => (
        <section>
          <div className="page-head">
            <h1>{t.name}</h1>
            <Link to="/teams">All teams</Link>
          </div>
          {editing ? (
            <EditTeam team={t} onDone={() => setEditing(false)} />
          ) : (
            <div className="card">
              <h2>Budget and limits</h2>
              <dl>
                <dt>Source</dt>
                <dd>{formatSource(t.source)}</dd>
                <dt>Status</dt>
                <dd>
                  {t.blocked ? (
                    <span className="badge bad">Blocked</span>
                  ) : (
                    <span className="badge ok">Active</span>
                  )}
                </dd>
                <dt>Budget</dt>
                <dd>{formatBudget(t.max_budget, t.budget_duration)}</dd>
                <dt>Spend</dt>
                <dd>{formatMoney(t.spend)}</dd>
                <dt>Budget resets</dt>
                <dd>{formatTime(t.budget_reset_at)}</dd>
                <dt>Models</dt>
                <dd>{formatModels(t.models)}</dd>
                <dt>Requests per minute</dt>
                <dd>{t.rpm_limit ?? 'No limit'}</dd>
                <dt>Tokens per minute</dt>
                <dd>{t.tpm_limit ?? 'No limit'}</dd>
                <dt>Team id</dt>
                <dd>
                  <code>{t.id}</code>
                </dd>
                {t.external_id ? (
                  <>
                    <dt>IdP group id</dt>
                    <dd>
                      <code>{t.external_id}</code>
                    </dd>
                  </>
                ) : null}
              </dl>
              {canOn('teams:update', { organizationId: t.organization_id }) ? (
                <button type="button" onClick={() => setEditing(true)}>
                  Edit team
                </button>
              ) : null}
            </div>
          )}
          {can('team_members:read') ? <Members team={t} /> : null}
          {can('keys:read') ? <TeamKeys teamId={t.id} /> : null}
          {canOn('teams:delete', { organizationId: t.organization_id }) ? (
            <section className="panel" aria-labelledby="tdel-h">
              <h2 id="tdel-h">Delete</h2>
              <p className="muted">Deletes the team, its keys and its memberships.</p>
              <ConfirmButton
                label="Delete team"
                confirmLabel="Delete for good"
                onConfirm={() =>
                  remove.mutate(undefined, { onSuccess: () => void navigate('/teams') })
                }
              />
              <ErrorNote error={remove.error} />
            </section>
          ) : null}
        </section>
      )}
    </QueryView>
  );
}
