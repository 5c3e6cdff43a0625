import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, query } from '../api/client.js';
import { useAction, useGet, usePaged } from '../api/hooks.js';
import type { Member, Organization, Team } from '../api/types.js';
import { BudgetFields, budgetBody, budgetDraft } from '../components/BudgetFields.js';
import { ConfirmButton } from '../components/Buttons.js';
import { SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, QueryView } from '../components/States.js';
import { UserPicker } from '../components/UserPicker.js';
import { formatBudget, formatModels, formatMoney, formatSource } from '../lib/format.js';
import { useSession } from '../session.js';

const ORG_READS = ['/api/v1/organizations', '/api/v1/teams', '/api/v1/users'];

function EditOrganization({ org, onDone }: { org: Organization; onDone: () => void }) {
  const [name, setName] = useState(org.name);
  const [budget, setBudget] = useState(budgetDraft(org));
  const [error, setError] = useState<unknown>(null);
  const save = useAction(
    (body: Record<string, unknown>) =>
      api.patch<Organization>(`/api/v1/organizations/${encodeURIComponent(org.id)}`, body),
    ORG_READS,
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      save.mutate({ name, ...budgetBody(budget, false) }, { onSuccess: onDone });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="Edit organization">
      <h2>Edit organization</h2>
      <div className="grid2">
        <TextField label="Organization name" value={name} onChange={setName} required />
        <BudgetFields value={budget} onChange={setBudget} withLimits={false} />
      </div>
      <ErrorNote error={error ?? save.error} />
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          Save organization
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function OrgMembers({ org }: { org: Organization }) {
  const { canOn } = useSession();
  const base = `/api/v1/organizations/${encodeURIComponent(org.id)}/members`;
  const members = useGet<{ data: Member[] }>(base);
  const mayWrite = canOn('org_members:write', { organizationId: org.id });
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState('member');
  const add = useAction(
    (body: { user_id: string; role: string }) => api.post(base, body),
    ORG_READS,
  );
  const remove = useAction(
    (v: { user: string; source: string }) =>
      api.del(`${base}/${encodeURIComponent(v.user)}${query({ source: v.source })}`),
    ORG_READS,
  );
  return (
    <section className="panel" aria-labelledby="omembers-h">
      <h2 id="omembers-h">Members</h2>
      <ErrorNote error={add.error ?? remove.error} />
      <QueryView query={members} isEmpty={(d) => d.data.length === 0} empty="No members yet.">
        {(d) => (
          <ul className="plain">
            {d.data.map((m) => (
              <li key={m.user_id}>
                <Link to={`/users/${encodeURIComponent(m.user_id)}`}>{m.email ?? m.user_id}</Link>{' '}
                <span className="badge">{m.role}</span>{' '}
                {m.sources.map((s) => (
                  <span key={s.source} className="source-row">
                    <span className="muted">
                      {formatSource(s.source)} → {s.role}
                    </span>
                    {mayWrite ? (
                      <ConfirmButton
                        small
                        label="Remove"
                        confirmLabel={`Remove ${s.source} membership`}
                        onConfirm={() => remove.mutate({ user: m.user_id, source: s.source })}
                      />
                    ) : null}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {mayWrite ? (
        <form
          className="actions"
          aria-label="Add organization member"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate({ user_id: userId, role }, { onSuccess: () => setUserId('') });
          }}
        >
          <UserPicker label="Add person" value={userId} onChange={setUserId} />
          <SelectField
            label="Organization role"
            value={role}
            onChange={setRole}
            options={[
              { value: 'member', label: 'Member' },
              { value: 'org_admin', label: 'Organization admin' },
            ]}
          />
          <button type="submit" disabled={!userId || add.isPending}>
            Add member
          </button>
        </form>
      ) : null}
    </section>
  );
}

function OrgTeams({ orgId }: { orgId: string }) {
  const teams = usePaged<Team>('/api/v1/teams', { organization_id: orgId });
  const rows = teams.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="panel" aria-labelledby="oteams-h">
      <h2 id="oteams-h">Teams</h2>
      <ErrorNote error={teams.error} />
      {teams.isSuccess && rows.length === 0 ? <Empty>No teams in this organization.</Empty> : null}
      <ul className="plain">
        {rows.map((t) => (
          <li key={t.id}>
            <Link to={`/teams/${encodeURIComponent(t.id)}`}>{t.name}</Link>{' '}
            <span className="muted">{formatBudget(t.max_budget, t.budget_duration)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function OrganizationPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const org = useGet<Organization>(`/api/v1/organizations/${encodeURIComponent(id)}`);
  const remove = useAction(
    () => api.del(`/api/v1/organizations/${encodeURIComponent(id)}`),
    ORG_READS,
  );
  return (
    <QueryView query={org}>
      {(o) => (
        <section>
          <div className="page-head">
            <h1>{o.name}</h1>
            <Link to="/organizations">All organizations</Link>
          </div>
          {editing ? (
            <EditOrganization org={o} onDone={() => setEditing(false)} />
          ) : (
            <div className="card">
              <dl>
                <dt>Budget</dt>
                <dd>{formatBudget(o.max_budget, o.budget_duration)}</dd>
                <dt>Spend</dt>
                <dd>{formatMoney(o.spend)}</dd>
                <dt>Models</dt>
                <dd>{formatModels(o.models)}</dd>
              </dl>
              {can('organizations:update') ? (
                <button type="button" onClick={() => setEditing(true)}>
                  Edit organization
                </button>
              ) : null}
            </div>
          )}
          <OrgMembers org={o} />
          <OrgTeams orgId={o.id} />
          {can('organizations:delete') ? (
            <section className="panel" aria-labelledby="odel-h">
              <h2 id="odel-h">Delete</h2>
              <p className="muted">Deletes the organization and its memberships; its teams stay.</p>
              <ConfirmButton
                label="Delete organization"
                confirmLabel="Delete for good"
                onConfirm={() =>
                  remove.mutate(undefined, { onSuccess: () => void navigate('/organizations') })
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
