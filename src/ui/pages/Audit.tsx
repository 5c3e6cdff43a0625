import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, query } from '../api/client.js';
import { usePaged } from '../api/hooks.js';
import type { AuditEvent, Page, User } from '../api/types.js';
import { SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading } from '../components/States.js';
import { AUDIT_ACTIONS, AUTO_PAGES, inRange, olderCanMatch, TARGET_TYPES } from '../lib/audit.js';
import { formatTime, localToIso, personName } from '../lib/format.js';
import { useSession } from '../session.js';

interface Filters {
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  from: string;
  to: string;
}

const NONE: Filters = {
  actor_id: '',
  action: '',
  target_type: '',
  target_id: '',
  from: '',
  to: '',
};

function Snapshot({ label, value }: { label: string; value: unknown }) {
  if (value === null || value === undefined) return null;
  return (
    <details>
      <summary>{label}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function AuditPage() {
  const { can } = useSession();
  const [draft, setDraft] = useState<Filters>(NONE);
  const [applied, setApplied] = useState<Filters>(NONE);
  const [rangeError, setRangeError] = useState<unknown>(null);
  const [range, setRange] = useState({ from: null as string | null, to: null as string | null });
  const { from: _f, to: _t, ...server } = applied;
  const events = useInfiniteQuery({
    queryKey: ['/api/v1/audit', server],
    queryFn: ({ pageParam }) =>
      api.get<Page<AuditEvent>>(
        `/api/v1/audit${query({ ...server, limit: 100, cursor: pageParam })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled: can('audit:read'),
  });
  // Names for the ids in events; the ids stay visible, since filters take ids.
  const users = usePaged<User>('/api/v1/users', { limit: 500 }, can('audit:read'));
  const names = new Map(
    (users.data?.pages.flatMap((p) => p.data) ?? []).map((u) => [u.id, personName(u)]),
  );
  const all = events.data?.pages.flatMap((p) => p.data) ?? [];
  const shown = all.filter((e) => inRange(e.at, range));
  const oldest = all[all.length - 1]?.at;
  const moreMayMatch = events.hasNextPage && olderCanMatch(oldest, range);
  const pages = events.data?.pages.length ?? 0;

  // With a time range, keep reading older pages (a bounded number) until the range is covered.
  useEffect(() => {
    const ranged = range.from !== null || range.to !== null;
    if (ranged && moreMayMatch && !events.isFetching && pages > 0 && pages % AUTO_PAGES !== 0) {
      void events.fetchNextPage();
    }
  }, [range, moreMayMatch, events.isFetching, pages, events.fetchNextPage]);

  if (!can('audit:read')) return <Forbidden what="the audit log" />;

  const set = (k: keyof Filters) => (v: string) => setDraft({ ...draft, [k]: v });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setRangeError(null);
    try {
      setRange({ from: localToIso(draft.from), to: localToIso(draft.to) });
      setApplied(draft);
    } catch (err) {
      setRangeError(err);
    }
  };
  return (
    <section>
      <h1>Audit log</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter audit events">
        <TextField label="Actor id" value={draft.actor_id} onChange={set('actor_id')} />
        <SelectField
          label="Action"
          value={draft.action}
          onChange={set('action')}
          options={[
            { value: '', label: 'Any action' },
            ...AUDIT_ACTIONS.map((a) => ({ value: a, label: a })),
          ]}
        />
        <SelectField
          label="Target type"
          value={draft.target_type}
          onChange={set('target_type')}
          options={[
            { value: '', label: 'Any target' },
            ...TARGET_TYPES.map((t) => ({ value: t, label: t })),
          ]}
        />
        <TextField label="Target id" value={draft.target_id} onChange={set('target_id')} />
        <TextField label="From" type="datetime-local" value={draft.from} onChange={set('from')} />
        <TextField label="To" type="datetime-local" value={draft.to} onChange={set('to')} />
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(NONE);
              setApplied(NONE);
              setRange({ from: null, to: null });
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorNote error={rangeError} />
      {events.isPending ? <Loading /> : null}
      <ErrorNote error={events.error} />
      {events.isSuccess && shown.length === 0 && !moreMayMatch ? (
        <Empty>No events match.</Empty>
      ) : null}
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="audit">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Address</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.at)}</td>
                  <td>
                    {e.actor.type}
                    {e.actor.id ? (
                      <>
                        {' '}
                        {names.get(e.actor.id) ?? null} <code className="id">{e.actor.id}</code>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.target.type ?? '—'} {e.target.id ? (names.get(e.target.id) ?? null) : null}
                    {e.target.id ? <code className="id">{e.target.id}</code> : null}
                  </td>
                  <td>{e.ip ?? '—'}</td>
                  <td>
                    <Snapshot label="Before" value={e.before} />
                    <Snapshot label="After" value={e.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {moreMayMatch ? (
        <button
          type="button"
          className="secondary"
          onClick={() => void events.fetchNextPage()}
          disabled={events.isFetching}
        >
          {events.isFetching ? 'Loading…' : 'Load older events'}
        </button>
      ) : null}
    </section>
  );
}
