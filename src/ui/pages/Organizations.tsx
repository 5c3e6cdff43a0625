import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client.js';
import { useAction, usePaged } from '../api/hooks.js';
import type { Organization } from '../api/types.js';
import { BudgetFields, budgetBody, budgetDraft } from '../components/BudgetFields.js';
import { TextField } from '../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading } from '../components/States.js';
import { formatBudget, formatModels, formatMoney, formatTime } from '../lib/format.js';
import { useSession } from '../session.js';

function CreateOrganization({ onDone }: { onDone: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [budget, setBudget] = useState(budgetDraft());
  const [error, setError] = useState<unknown>(null);
  const create = useAction(
    (body: Record<string, unknown>) => api.post<Organization>('/api/v1/organizations', body),
    ['/api/v1/organizations'],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      create.mutate(
        { name, ...budgetBody(budget, false) },
        { onSuccess: (o) => void navigate(`/organizations/${encodeURIComponent(o.id)}`) },
      );
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="New organization">
      <h2>New organization</h2>
      <div className="grid2">
        <TextField label="Organization name" value={name} onChange={setName} required />
        <BudgetFields value={budget} onChange={setBudget} withLimits={false} />
      </div>
      <ErrorNote error={error ?? create.error} />
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          Create organization
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function OrganizationsPage() {
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const orgs = usePaged<Organization>('/api/v1/organizations', {}, can('organizations:read'));
  if (!can('organizations:read')) return <Forbidden what="organizations" />;
  const rows = orgs.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section>
      <div className="page-head">
        <h1>Organizations</h1>
        {can('organizations:create') && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New organization
          </button>
        ) : null}
      </div>
      {creating ? <CreateOrganization onDone={() => setCreating(false)} /> : null}
      {orgs.isPending ? <Loading /> : null}
      <ErrorNote error={orgs.error} />
      {orgs.isSuccess && rows.length === 0 ? <Empty>No organizations.</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Budget</th>
                <th scope="col">Spend</th>
                <th scope="col">Models</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link to={`/organizations/${encodeURIComponent(o.id)}`}>{o.name}</Link>
                  </td>
                  <td>{formatBudget(o.max_budget, o.budget_duration)}</td>
                  <td>{formatMoney(o.spend)}</td>
                  <td>{formatModels(o.models)}</td>
                  <td>{formatTime(o.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {orgs.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void orgs.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
