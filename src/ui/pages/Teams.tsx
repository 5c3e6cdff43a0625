import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client.js';
import { useAction, usePaged } from '../api/hooks.js';
import type { Organization, Team } from '../api/types.js';
import { BudgetFields, budgetBody, budgetDraft } from '../components/BudgetFields.js';
import { SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading } from '../components/States.js';
import { formatBudget, formatModels, formatMoney, formatSource } from '../lib/format.js';
import { useSession } from '../session.js';

function CreateTeam({ onDone }: { onDone: () => void }) {
  const { me, can } = useSession();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [orgId, setOrgId] = useState('');
  // Budget fields start empty: the server applies default_team_params to what is left out.
  const [budget, setBudget] = useState(budgetDraft());
  const [error, setError] = useState<unknown>(null);
  const orgs = usePaged<Organization>(
    '/api/v1/organizations',
    { limit: 500 },
    can('organizations:read'),
  );
  const orgList = orgs.data?.pages.flatMap((p) => p.data) ?? [];
  const create = useAction(
    (body: Record<string, unknown>) => api.post<Team>('/api/v1/teams', body),
    ['/api/v1/teams'],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let body: Record<string, unknown>;
    try {
      const b = budgetBody(budget);
      // Only fields the person filled in, so team defaults still apply to the rest.
      body = Object.fromEntries(
        Object.entries(b).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)),
      );
    } catch (err) {
      setError(err);
      return;
    }
    create.mutate(
      { name, ...(orgId ? { organization_id: orgId } : {}), ...body },
      { onSuccess: (t) => void navigate(`/teams/${encodeURIComponent(t.id)}`) },
    );
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="New team">
      <h2>New team</h2>
      <div className="grid2">
        <TextField label="Team name" value={name} onChange={setName} required />
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
        <BudgetFields value={budget} onChange={setBudget} />
      </div>
      <p className="muted">
        Fields left empty take the configured team defaults (default_team_params).
      </p>
      <ErrorNote error={error ?? create.error} />
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          Create team
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function TeamsPage() {
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const teams = usePaged<Team>('/api/v1/teams');
  if (!can('teams:read')) return <Forbidden what="teams" />;
  const rows = teams.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section>
      <div className="page-head">
        <h1>Teams</h1>
        {can('teams:create') && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New team
          </button>
        ) : null}
      </div>
      {creating ? <CreateTeam onDone={() => setCreating(false)} /> : null}
      {teams.isPending ? <Loading /> : null}
      <ErrorNote error={teams.error} />
      {teams.isSuccess && rows.length === 0 ? (
        <Empty>
          No teams yet. Teams appear here when you create one or when SSO group sync creates them.
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Source</th>
                <th scope="col">Budget</th>
                <th scope="col">Spend</th>
                <th scope="col">Models</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link to={`/teams/${encodeURIComponent(t.id)}`}>{t.name}</Link>
                  </td>
                  <td>{formatSource(t.source)}</td>
                  <td>{formatBudget(t.max_budget, t.budget_duration)}</td>
                  <td>{formatMoney(t.spend)}</td>
                  <td>{formatModels(t.models)}</td>
                  <td>
                    {t.blocked ? (
                      <span className="badge bad">Blocked</span>
                    ) : (
                      <span className="badge ok">Active</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {teams.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void teams.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
