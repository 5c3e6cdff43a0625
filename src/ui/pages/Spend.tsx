import { useMemo, useState } from 'react';
import { scopesFor } from '../../access/matrix.js';
import { query } from '../api/client.js';
import { useGet, usePaged } from '../api/hooks.js';
import type { Key, SpendTotals, Team, User } from '../api/types.js';
import { BarChart } from '../components/BarChart.js';
import { SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading, QueryView } from '../components/States.js';
import { formatTime, personName } from '../lib/format.js';
import {
  dailyBars,
  dayToIso,
  formatCost,
  formatMetric,
  METRICS,
  type Metric,
} from '../lib/spend.js';
import { useSession } from '../session.js';

interface SpendLog {
  id: string;
  request_id: string;
  created_at: string;
  key_id: string | null;
  user_id: string | null;
  team_id: string | null;
  model: string;
  total_tokens: number;
  cost: number;
  status: string;
  http_status: number;
}

interface Filters {
  key_id: string;
  team_id: string;
  user_id: string;
  model: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { key_id: '', team_id: '', user_id: '', model: '', from: '', to: '' };

function Logs({
  params,
  keyName,
  teamName,
}: {
  params: Record<string, string | undefined>;
  keyName: (id: string | null) => string;
  teamName: (id: string | null) => string;
}) {
  const logs = usePaged<SpendLog>('/api/v1/spend/logs', { ...params, limit: 25 });
  const rows = logs.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="panel" aria-labelledby="logs-h">
      <h2 id="logs-h">Requests</h2>
      {logs.isPending ? <Loading /> : null}
      <ErrorNote error={logs.error} />
      {logs.isSuccess && rows.length === 0 ? <Empty>No request matches.</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Model</th>
                <th scope="col">Key</th>
                <th scope="col">Team</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>{formatTime(r.created_at)}</td>
                  <td>{r.model}</td>
                  <td>{keyName(r.key_id)}</td>
                  <td>{teamName(r.team_id)}</td>
                  <td>{r.total_tokens}</td>
                  <td>{formatCost(r.cost)}</td>
                  <td>
                    <span className={r.status === 'success' ? 'badge ok' : 'badge bad'}>
                      {r.status} {r.http_status}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {logs.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void logs.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

/** Spend: totals, a chart by day and a table by model, for the keys, teams or people chosen. */
export function SpendPage() {
  const { can, me } = useSession();
  const [f, setF] = useState<Filters>(NO_FILTERS);
  const [metric, setMetric] = useState<Metric>('cost');
  const reads = can('spend:read');
  const listsUsers = scopesFor(me.role, 'users:read').some((s) => s !== 'own');
  const keys = usePaged<Key>('/api/v1/keys', { limit: 500 }, reads && can('keys:read'));
  const teams = usePaged<Team>('/api/v1/teams', { limit: 500 }, reads && can('teams:read'));
  const users = usePaged<User>('/api/v1/users', { limit: 500 }, reads && listsUsers);
  const range = useMemo(
    () => ({ start: dayToIso(f.from), end: dayToIso(f.to, 1) }),
    [f.from, f.to],
  );
  const params = {
    key_id: f.key_id || undefined,
    team_id: f.team_id || undefined,
    user_id: f.user_id || undefined,
    model: f.model.trim() || undefined,
    // The "to" day is included: the API's end is exclusive.
    ...range,
  };
  const totals = useGet<SpendTotals>(reads ? `/api/v1/spend${query(params)}` : null);
  const keyList = keys.data?.pages.flatMap((p) => p.data) ?? [];
  const teamList = teams.data?.pages.flatMap((p) => p.data) ?? [];
  const userList = users.data?.pages.flatMap((p) => p.data) ?? [];
  const keyNames = new Map(keyList.map((k) => [k.id, k.name ?? k.key_preview]));
  const teamNames = new Map(teamList.map((t) => [t.id, t.name]));
  const bars = useMemo(
    () => dailyBars(totals.data?.by_day ?? [], metric, range),
    [totals.data, metric, range],
  );
  const format = useMemo(() => (v: number) => formatMetric(metric, v), [metric]);
  if (!reads) return <Forbidden what="spend" />;
  const set = (patch: Partial<Filters>) => setF((cur) => ({ ...cur, ...patch }));
  const metricLabel = METRICS.find((m) => m.value === metric)?.label ?? metric;
  return (
    <section>
      <h1>Spend</h1>
      <fieldset className="filters">
        <legend>Filters</legend>
        <SelectField
          label="Key"
          value={f.key_id}
          onChange={(key_id) => set({ key_id })}
          options={[
            { value: '', label: 'All keys' },
            ...keyList.map((k) => ({ value: k.id, label: k.name ?? k.key_preview })),
          ]}
        />
        <SelectField
          label="Team"
          value={f.team_id}
          onChange={(team_id) => set({ team_id })}
          options={[
            { value: '', label: 'All teams' },
            ...teamList.map((t) => ({ value: t.id, label: t.name })),
          ]}
        />
        {listsUsers ? (
          <SelectField
            label="Person"
            value={f.user_id}
            onChange={(user_id) => set({ user_id })}
            options={[
              { value: '', label: 'Everyone' },
              ...userList.map((u) => ({ value: u.id, label: personName(u) })),
            ]}
          />
        ) : null}
        <TextField
          label="Model"
          value={f.model}
          onChange={(model) => set({ model })}
          placeholder="gpt-4o"
        />
        <TextField
          label="From (UTC day)"
          type="date"
          value={f.from}
          onChange={(from) => set({ from })}
        />
        <TextField label="To (UTC day)" type="date" value={f.to} onChange={(to) => set({ to })} />
        <SelectField
          label="Chart shows"
          value={metric}
          onChange={(v) => setMetric(v as Metric)}
          options={METRICS}
        />
        <button type="button" className="secondary" onClick={() => setF(NO_FILTERS)}>
          Clear filters
        </button>
      </fieldset>
      <QueryView
        query={totals}
        isEmpty={(t) => t.requests === 0}
        empty="No spend for these filters yet. Requests made with a key show up here."
      >
        {(t) => (
          <>
            <div className="cards">
              <div className="card">
                <h2>Cost</h2>
                <p className="big">{formatCost(t.cost)}</p>
              </div>
              <div className="card">
                <h2>Requests</h2>
                <p className="big">{formatMetric('requests', t.requests)}</p>
              </div>
              <div className="card">
                <h2>Tokens</h2>
                <p className="big">{formatMetric('total_tokens', t.total_tokens)}</p>
                <p className="muted">
                  {formatMetric('total_tokens', t.prompt_tokens)} in,{' '}
                  {formatMetric('total_tokens', t.completion_tokens)} out
                </p>
              </div>
            </div>
            <section className="panel" aria-labelledby="by-day-h">
              <h2 id="by-day-h">{metricLabel} by day (UTC)</h2>
              <BarChart title={metricLabel} bars={bars} format={format} />
            </section>
            <section className="panel" aria-labelledby="by-model-h">
              <h2 id="by-model-h">By model</h2>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col">Requests</th>
                      <th scope="col">Tokens</th>
                      <th scope="col">Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {t.by_model.map((m) => (
                      <tr key={m.model}>
                        <td>
                          <button
                            type="button"
                            className="plain"
                            onClick={() => set({ model: m.model })}
                            aria-label={`Only ${m.model}`}
                          >
                            {m.model}
                          </button>
                        </td>
                        <td>{m.requests}</td>
                        <td>{formatMetric('total_tokens', m.total_tokens)}</td>
                        <td>{formatCost(m.cost)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          </>
        )}
      </QueryView>
      <Logs
        params={params}
        keyName={(id) => (id ? (keyNames.get(id) ?? id.slice(0, 8)) : '—')}
        teamName={(id) => (id ? (teamNames.get(id) ?? id.slice(0, 8)) : '—')}
      />
    </section>
  );
}
