import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.js';
import type { PreviewRequest, PreviewResult, UserDetail } from '../../api/types.js';
import { TextField } from '../../components/Fields.js';
import { ErrorNote } from '../../components/States.js';
import { UserPicker } from '../../components/UserPicker.js';
import { parseList } from '../../lib/format.js';
import { factsFromUser } from '../../lib/mapping.js';
import { ROLE_LABELS } from '../../lib/permissions.js';
import { useSession } from '../../session.js';

function parseClaims(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error('Claims must be a JSON object.');
  return v as Record<string, unknown>;
}

/** "Who would this person be?" against the saved mapping, without signing anyone in. */
export function Preview({ unsaved }: { unsaved: boolean }) {
  const { can } = useSession();
  const [connection, setConnection] = useState('');
  const [groups, setGroups] = useState('');
  const [roles, setRoles] = useState('');
  const [claims, setClaims] = useState('');
  const [picked, setPicked] = useState('');
  const [inputError, setInputError] = useState<unknown>(null);
  const run = useMutation({
    mutationFn: (body: PreviewRequest) =>
      api.post<PreviewResult>('/api/v1/role-mapping/preview', body),
  });
  const pick = useMutation({
    mutationFn: (id: string) => api.get<UserDetail>(`/api/v1/users/${encodeURIComponent(id)}`),
    onSuccess: (u) => {
      const f = factsFromUser(u);
      setConnection(f.connection ?? '');
      setGroups(f.groups.join('\n'));
      setRoles(f.roles.join('\n'));
      setClaims(Object.keys(f.claims).length > 0 ? JSON.stringify(f.claims, null, 2) : '');
      run.mutate(f);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setInputError(null);
    try {
      run.mutate({
        ...(connection.trim() ? { connection: connection.trim() } : {}),
        groups: parseList(groups),
        roles: parseList(roles),
        claims: parseClaims(claims),
      });
    } catch (err) {
      setInputError(err);
    }
  };
  const r = run.data;
  return (
    <section className="panel" aria-labelledby="preview-h">
      <h2 id="preview-h">Preview: who would this person be?</h2>
      <p className="muted">
        Evaluates the <strong>saved</strong> mapping; nothing is changed and no one is signed in.
        {unsaved ? ' You have unsaved changes: save them to preview them.' : ''}
      </p>
      {can('users:read') ? (
        <div className="actions">
          <UserPicker label="Pick a user" value={picked} onChange={setPicked} />
          <button
            type="button"
            className="secondary"
            disabled={!picked || pick.isPending}
            onClick={() => pick.mutate(picked)}
          >
            Use their facts
          </button>
        </div>
      ) : null}
      <ErrorNote error={pick.error} />
      <form onSubmit={submit} className="grid2" aria-label="Preview facts">
        <TextField
          label="Connection"
          value={connection}
          onChange={setConnection}
          placeholder="okta"
        />
        <TextField
          label="Groups (one per line)"
          multiline
          value={groups}
          onChange={setGroups}
          placeholder={'litellm-admins\nlitellm-developers'}
        />
        <TextField
          label="App roles (roles claim, one per line)"
          multiline
          value={roles}
          onChange={setRoles}
        />
        <TextField
          label="Claims (JSON object)"
          multiline
          value={claims}
          onChange={setClaims}
          placeholder={'{"litellm_roles": ["owner"]}'}
        />
        <div className="actions">
          <button type="submit" disabled={run.isPending}>
            Run preview
          </button>
        </div>
      </form>
      <ErrorNote error={inputError ?? run.error} />
      {r ? (
        <div className="preview-result" aria-live="polite">
          <h3>
            Result: <span data-testid="preview-role">{r.role}</span> ({ROLE_LABELS[r.role]})
          </h3>
          <p className="muted">
            {r.decided_by === 'default'
              ? 'No rule or app role matched: the default role applies.'
              : `Decided by ${r.decided_by.replace('_', ' ')}.`}
          </p>
          <h4>Matched rules</h4>
          {r.matched.length === 0 ? (
            <p className="empty">None.</p>
          ) : (
            <ul>
              {r.matched.map((m) => (
                <li key={`${m.rule}:${m.matched}`}>
                  {m.rule === 'app_role' ? 'App role' : `Rule ${m.rule + 1}`}: {m.matched} →{' '}
                  {Object.entries(m.grants)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')}
                </li>
              ))}
            </ul>
          )}
          <h4>Teams</h4>
          {r.teams.length === 0 ? (
            <p className="empty">None.</p>
          ) : (
            <ul>
              {r.teams.map((t) => (
                <li key={`${t.via}:${t.team}`}>
                  {t.team} ({t.role}, {t.via === 'group' ? 'from group sync' : 'from a rule'})
                </li>
              ))}
            </ul>
          )}
          {r.organizations.length > 0 ? (
            <>
              <h4>Organizations</h4>
              <ul>
                {r.organizations.map((o) => (
                  <li key={o.organization}>
                    {o.organization} ({o.role})
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
