import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { scopesFor } from '../../access/matrix.js';
import { api } from '../api/client.js';
import { useAction, usePaged } from '../api/hooks.js';
import type { CreatedKey, Key, Team, User } from '../api/types.js';
import { BudgetFields, budgetBody, budgetDraft } from '../components/BudgetFields.js';
import { ConfirmButton, CopyButton } from '../components/Buttons.js';
import { CheckboxField, SelectField, TextField } from '../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading } from '../components/States.js';
import { UserPicker } from '../components/UserPicker.js';
import { formatBudget, formatModels, formatTime, localToIso, personName } from '../lib/format.js';
import { useSession } from '../session.js';

const KEY_READS = ['/api/v1/keys'];

type Purpose = Key['purpose'];

export const PURPOSE_LABELS: Record<Purpose, string> = {
  inference: 'Inference (models only)',
  read_only: 'Read-only (models and reading the API)',
  management: 'Management (models and the whole API, as its owner)',
};

const BLOCK_REASONS: Record<string, string> = {
  blocked_by_admin: 'by an admin',
  blocked_by_owner: 'by its owner',
  user_deactivated: 'owner deactivated',
};

/** The secret, once: it lives only in this component's state and is gone when dismissed. */
function NewKey({ created, onDismiss }: { created: CreatedKey; onDismiss: () => void }) {
  return (
    <section className="panel highlight" aria-labelledby="newkey-h">
      <h2 id="newkey-h">Your new key</h2>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Gatehouse keeps only a hash of it.
      </p>
      <div className="actions">
        <label htmlFor="new-key-secret" className="sr-only">
          New key
        </label>
        <input
          id="new-key-secret"
          className="secret"
          readOnly
          value={created.key}
          onFocus={(e) => e.target.select()}
        />
        <CopyButton value={created.key} label="Copy key" />
      </div>
      <p className="muted">
        Use it as <code>Authorization: Bearer …</code> with any OpenAI client, base URL{' '}
        <code>{`${window.location.origin}/v1`}</code>.
      </p>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </section>
  );
}

function CreateKey({
  onCreated,
  onCancel,
}: {
  onCreated: (k: CreatedKey) => void;
  onCancel: () => void;
}) {
  const { me } = useSession();
  const delegates = scopesFor(me.role, 'keys:create').some((s) => s !== 'own');
  const [name, setName] = useState('');
  const [owner, setOwner] = useState<'me' | 'none' | 'user'>(me.user ? 'me' : 'none');
  const [ownerId, setOwnerId] = useState('');
  const [teamId, setTeamId] = useState('');
  const [expires, setExpires] = useState('');
  const [budget, setBudget] = useState(budgetDraft());
  const [purpose, setPurpose] = useState<Purpose | ''>('');
  // Only a proxy admin may give a key made for someone else (or nobody) more than inference.
  const ownKey = owner === 'me' || (owner === 'user' && ownerId === me.user?.id);
  const purposes: Purpose[] =
    ownKey || me.role === 'proxy_admin' ? ['inference', 'read_only', 'management'] : ['inference'];
  const defaultPurpose: Purpose = ownKey ? 'management' : 'inference';
  const chosenPurpose = purpose && purposes.includes(purpose) ? purpose : defaultPurpose;
  const [error, setError] = useState<unknown>(null);
  const teams = usePaged<Team>('/api/v1/teams', { limit: 500 });
  const teamList = teams.data?.pages.flatMap((p) => p.data) ?? [];
  const create = useAction(
    (body: Record<string, unknown>) => api.post<CreatedKey>('/api/v1/keys', body),
    KEY_READS,
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let body: Record<string, unknown>;
    try {
      const b = budgetBody(budget);
      body = {
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(owner === 'none' ? { user_id: null } : owner === 'user' ? { user_id: ownerId } : {}),
        ...(teamId ? { team_id: teamId } : {}),
        purpose: chosenPurpose,
        ...(expires ? { expires_at: localToIso(expires) } : {}),
        // Left-out models become what the person's teams allow (self-service rule).
        ...(Array.isArray(b.models) && b.models.length > 0 ? { models: b.models } : {}),
        ...Object.fromEntries(Object.entries(b).filter(([k, v]) => k !== 'models' && v !== null)),
      };
    } catch (err) {
      setError(err);
      return;
    }
    create.mutate(body, { onSuccess: onCreated });
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="New key">
      <h2>New key</h2>
      <div className="grid2">
        <TextField label="Key name" value={name} onChange={setName} placeholder="laptop" />
        {delegates ? (
          <SelectField
            label="Owner"
            value={owner}
            onChange={(v) => setOwner(v as 'me' | 'none' | 'user')}
            options={[
              ...(me.user ? [{ value: 'me', label: 'Me' }] : []),
              { value: 'user', label: 'Someone else' },
              { value: 'none', label: 'No owner (service key)' },
            ]}
            hint="A key acts with its owner's role."
          />
        ) : null}
        {delegates && owner === 'user' ? (
          <UserPicker label="Key owner" value={ownerId} onChange={setOwnerId} />
        ) : null}
        <SelectField
          label="Team"
          value={teamId}
          onChange={setTeamId}
          options={[
            { value: '', label: 'No team' },
            ...teamList.map((t) => ({ value: t.id, label: t.name })),
          ]}
        />
        <SelectField
          label="Purpose"
          value={chosenPurpose}
          onChange={(v) => setPurpose(v as Purpose)}
          options={purposes.map((p) => ({ value: p, label: PURPOSE_LABELS[p] }))}
          hint="What the key may do besides calling models. Set once; it cannot change later."
        />
        <TextField
          label="Expires"
          type="datetime-local"
          value={expires}
          onChange={setExpires}
          hint="Empty: never."
        />
        <BudgetFields value={budget} onChange={setBudget} />
      </div>
      <ErrorNote error={error ?? create.error} />
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function KeyRow({
  k,
  owners,
  teams,
}: {
  k: Key;
  owners: Map<string, User>;
  teams: Map<string, Team>;
}) {
  const { scopeOn, viewer } = useSession();
  const ref = { ownerId: k.user_id, teamId: k.team_id };
  const updateScope = scopeOn('keys:update', ref);
  const mayDelete = scopeOn('keys:delete', ref) !== null;
  const patch = useAction(
    (blocked: boolean) => api.patch<Key>(`/api/v1/keys/${encodeURIComponent(k.id)}`, { blocked }),
    KEY_READS,
  );
  const remove = useAction(() => api.del(`/api/v1/keys/${encodeURIComponent(k.id)}`), KEY_READS);
  const owner = k.user_id ? owners.get(k.user_id) : undefined;
  const team = k.team_id ? teams.get(k.team_id) : undefined;
  const label = k.name ?? k.key_preview;
  return (
    <tr>
      <td>{k.name ?? <span className="muted">unnamed</span>}</td>
      <td>
        <code>{k.key_preview}</code>
      </td>
      <td>
        {k.user_id === null ? (
          <span className="muted">No owner</span>
        ) : k.user_id === viewer.userId ? (
          'You'
        ) : owner ? (
          <Link to={`/users/${encodeURIComponent(k.user_id)}`}>{personName(owner)}</Link>
        ) : (
          <code>{k.user_id}</code>
        )}
      </td>
      <td>{k.team_id ? (team?.name ?? <code>{k.team_id}</code>) : '—'}</td>
      <td>{k.purpose}</td>
      <td>
        {/* An empty key list defers to the team's (the narrowest non-empty list applies). */}
        {k.models.length === 0 && team
          ? `As team: ${formatModels(team.models)}`
          : formatModels(k.models)}
      </td>
      <td>{formatBudget(k.max_budget, k.budget_duration)}</td>
      <td>
        {k.blocked ? (
          <span className="badge bad">
            Blocked
            {k.blocked_reason ? ` (${BLOCK_REASONS[k.blocked_reason] ?? k.blocked_reason})` : ''}
          </span>
        ) : (
          <span className="badge ok">Active</span>
        )}
      </td>
      <td>{formatTime(k.expires_at)}</td>
      <td>
        <span className="actions">
          {updateScope && !k.blocked ? (
            <button
              type="button"
              className="secondary small"
              onClick={() => patch.mutate(true)}
              aria-label={`Block ${label}`}
            >
              Block
            </button>
          ) : null}
          {/* An owner may block their own key but only an admin whose scope covers it may lift a block. */}
          {updateScope && updateScope !== 'own' && k.blocked ? (
            <button
              type="button"
              className="secondary small"
              onClick={() => patch.mutate(false)}
              aria-label={`Unblock ${label}`}
            >
              Unblock
            </button>
          ) : null}
          {mayDelete ? (
            <ConfirmButton
              small
              label="Delete"
              confirmLabel={`Delete ${label}`}
              onConfirm={() => remove.mutate()}
            />
          ) : null}
        </span>
        <ErrorNote error={patch.error ?? remove.error} />
      </td>
    </tr>
  );
}

export function KeysPage() {
  const { can, me, viewer } = useSession();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [onlyMine, setOnlyMine] = useState(false);
  const seesOthers = scopesFor(me.role, 'keys:read').some((s) => s !== 'own');
  const keys = usePaged<Key>(
    '/api/v1/keys',
    { user_id: onlyMine ? viewer.userId : undefined },
    can('keys:read'),
  );
  const users = usePaged<User>(
    '/api/v1/users',
    { limit: 500 },
    scopesFor(me.role, 'users:read').some((s) => s !== 'own'),
  );
  const teams = usePaged<Team>('/api/v1/teams', { limit: 500 }, can('keys:read'));
  if (!can('keys:read')) return <Forbidden what="keys" />;
  const owners = new Map((users.data?.pages.flatMap((p) => p.data) ?? []).map((u) => [u.id, u]));
  const teamMap = new Map((teams.data?.pages.flatMap((p) => p.data) ?? []).map((t) => [t.id, t]));
  const rows = keys.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section>
      <div className="page-head">
        <h1>{seesOthers ? 'Keys' : 'Your keys'}</h1>
        {can('keys:create') && !creating && !created ? (
          <button type="button" onClick={() => setCreating(true)}>
            Create key
          </button>
        ) : null}
      </div>
      {created ? <NewKey created={created} onDismiss={() => setCreated(null)} /> : null}
      {creating ? (
        <CreateKey
          onCreated={(k) => {
            setCreating(false);
            setCreated(k);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {!can('keys:create') ? (
        <p className="notice" role="note">
          Your role can see keys but not create them. Ask an administrator for a key or a different
          role.
        </p>
      ) : null}
      {seesOthers && viewer.userId ? (
        <CheckboxField label="Only my keys" checked={onlyMine} onChange={setOnlyMine} />
      ) : null}
      {keys.isPending ? <Loading /> : null}
      <ErrorNote error={keys.error} />
      {keys.isSuccess && rows.length === 0 ? <Empty>No keys yet.</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Owner</th>
                <th scope="col">Team</th>
                <th scope="col">Purpose</th>
                <th scope="col">Models</th>
                <th scope="col">Budget</th>
                <th scope="col">Status</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((k) => (
                <KeyRow key={k.id} k={k} owners={owners} teams={teamMap} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {keys.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void keys.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
