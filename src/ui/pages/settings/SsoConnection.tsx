import { useId, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.js';
import { useAction, useGet } from '../../api/hooks.js';
import type { AdminConnection, ConnectionCheck, ConnectionTest } from '../../api/types.js';
import { ConfirmButton, CopyButton } from '../../components/Buttons.js';
import { ErrorNote, Forbidden, QueryView } from '../../components/States.js';
import {
  bodyOf,
  type Draft,
  draftOf,
  endpointsOf,
  expectedEndpoints,
  newOidcDraft,
  newSamlDraft,
} from '../../lib/sso-form.js';
import { useSession } from '../../session.js';
import { CONNECTIONS, SOURCE_LABELS } from './SsoConnections.js';
import { SsoForm } from './SsoForm.js';

const pathOf = (id: string) => `${CONNECTIONS}/${encodeURIComponent(id)}`;

function Endpoint({ label, value }: { label: string; value: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="endpoint">
        <input id={id} readOnly value={value} onFocus={(e) => e.target.select()} />
        <CopyButton value={value} label="Copy" />
      </div>
    </div>
  );
}

/** The values to copy into the IdP, straight from the API's answer. */
export function Endpoints({ c }: { c: AdminConnection }) {
  const list = endpointsOf(c);
  return (
    <section className="panel stack" aria-labelledby="endpoints-h">
      <h2 id="endpoints-h">Register these at your IdP</h2>
      {list.map((e) => (
        <Endpoint key={e.key} label={e.label} value={e.value} />
      ))}
    </section>
  );
}

const STATUS_BADGE: Record<ConnectionCheck['status'], string> = {
  ok: 'badge ok',
  warning: 'badge warn',
  error: 'badge bad',
};

const TEST_SAYS: Record<AdminConnection['type'], string> = {
  oidc: "Fetches the IdP's discovery document and keys now and checks the settings against them.",
  saml: "Reads the IdP's metadata now (fetched from its URL, or as pasted) and checks its certificates, the URLs registered at the IdP and the SP key.",
};

function TestConnection({ id, type }: { id: string; type: AdminConnection['type'] }) {
  const test = useAction(() => api.post<ConnectionTest>(`${pathOf(id)}/test`), []);
  return (
    <section className="panel stack" aria-labelledby="test-h">
      <h2 id="test-h">Test connection</h2>
      <p className="muted">{TEST_SAYS[type]}</p>
      <div className="actions">
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
          Test connection
        </button>
        {test.isPending ? (
          <span role="status" className="muted">
            Testing…
          </span>
        ) : null}
      </div>
      <ErrorNote error={test.error} />
      {test.data ? (
        <div aria-live="polite">
          <p>
            Result: <span className={STATUS_BADGE[test.data.status]}>{test.data.status}</span>
          </p>
          <ul className="checks" aria-label="Checks">
            {test.data.checks.map((c) => (
              <li key={c.check} className="check-row">
                <span className={STATUS_BADGE[c.status]}>{c.status}</span>
                <code>{c.check}</code>
                <span>{c.message}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

function Detail({ c }: { c: AdminConnection }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const writes = can('sso_connections:write') && !c.read_only;
  const save = useAction(
    (d: Draft) => api.patch<AdminConnection>(pathOf(c.id), bodyOf(d, true)),
    [CONNECTIONS],
  );
  const remove = useAction(() => api.del(pathOf(c.id)), [CONNECTIONS]);
  return (
    <>
      <div className="page-head">
        <h1>{c.display_name ?? c.id}</h1>
        <span className="actions">
          {writes && !editing ? (
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          ) : null}
          {writes ? (
            <ConfirmButton
              label="Delete"
              confirmLabel={`Delete ${c.id}`}
              busy={remove.isPending}
              onConfirm={() =>
                remove.mutate(undefined, { onSuccess: () => void navigate('/settings/sso') })
              }
            />
          ) : null}
        </span>
      </div>
      <p>
        <Link to="/settings/sso">All connections</Link> · {c.type.toUpperCase()} ·{' '}
        {SOURCE_LABELS[c.source] ?? c.source}
      </p>
      {c.read_only ? (
        <div className="notice" role="note">
          This connection comes from the{' '}
          {c.source === 'environment' ? 'environment variables' : 'config file'} and is read-only
          here. Change it there and restart Gatehouse.
        </div>
      ) : null}
      <ErrorNote error={remove.error} />
      {editing ? (
        <SsoForm
          initial={draftOf(c)}
          editing
          busy={save.isPending}
          error={save.error}
          onSubmit={(d) => save.mutate(d, { onSuccess: () => setEditing(false) })}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      <Endpoints c={c} />
      {can('sso_connections:write') ? <TestConnection id={c.id} type={c.type} /> : null}
      <section className="panel" aria-labelledby="settings-h">
        <h2 id="settings-h">Settings</h2>
        <pre>{JSON.stringify(settingsOnly(c), null, 2)}</pre>
      </section>
    </>
  );
}

const SHOWN_ELSEWHERE = new Set(['source', 'read_only', 'created_at', 'updated_at']);

/** The connection as it would be written in the config file (secrets show as "set"). */
function settingsOnly(c: AdminConnection): Record<string, unknown> {
  const endpoints = new Set(endpointsOf(c).map((e) => e.key));
  return Object.fromEntries(
    Object.entries(c).filter(([k]) => !SHOWN_ELSEWHERE.has(k) && !endpoints.has(k)),
  );
}

export function SsoConnectionPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const one = useGet<AdminConnection>(can('sso_connections:read') ? pathOf(id) : null);
  if (!can('sso_connections:read')) return <Forbidden what="SSO settings" />;
  return <section>{<QueryView query={one}>{(c) => <Detail c={c} />}</QueryView>}</section>;
}

/** The URLs the new connection will have, to set up the IdP's app before saving. */
function Expected({ d }: { d: Draft }) {
  const list = expectedEndpoints(d, window.location.origin);
  return (
    <section className="stack" aria-labelledby="expected-h">
      <h3 id="expected-h">URLs for your IdP</h3>
      {list.length === 0 ? (
        <p className="muted">Type the connection id to see them.</p>
      ) : (
        <>
          <p className="muted">
            For Gatehouse at this page's address; the connection's page shows the final values once
            it is saved.
          </p>
          {list.map((e) => (
            <Endpoint key={e.key} label={e.label} value={e.value} />
          ))}
        </>
      )}
    </section>
  );
}

export function NewSsoConnectionPage() {
  const { type } = useParams();
  const { can } = useSession();
  const navigate = useNavigate();
  const create = useAction(
    (d: Draft) => api.post<AdminConnection>(CONNECTIONS, bodyOf(d, false)),
    [CONNECTIONS],
  );
  if (!can('sso_connections:write')) return <Forbidden what="adding SSO connections" />;
  const initial = type === 'saml' ? newSamlDraft() : newOidcDraft();
  return (
    <section>
      <h1>Add {initial.type.toUpperCase()} connection</h1>
      <p>
        <Link to="/settings/sso">All connections</Link>
      </p>
      <p className="muted">
        Create the app at your IdP with the URLs shown under the form, then fill in what the IdP
        gives you (issuer, client id and secret, or its metadata).
      </p>
      <SsoForm
        key={initial.type}
        initial={initial}
        editing={false}
        busy={create.isPending}
        error={create.error}
        onSubmit={(d) =>
          create.mutate(d, {
            onSuccess: (c) => void navigate(`/settings/sso/${encodeURIComponent(c.id)}`),
          })
        }
        onCancel={() => void navigate('/settings/sso')}
        aside={(d) => <Expected d={d} />}
      />
    </section>
  );
}
