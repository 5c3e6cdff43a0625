import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.js';
import { useAction, useGet, usePaged } from '../../api/hooks.js';
import type { CreatedScimToken, ScimActivity, ScimToken } from '../../api/types.js';
import { ConfirmButton, CopyButton } from '../../components/Buttons.js';
import { CheckboxField, TextField } from '../../components/Fields.js';
import { Empty, ErrorNote, Forbidden, Loading, QueryView } from '../../components/States.js';
import { formatTime } from '../../lib/format.js';
import { useSession } from '../../session.js';

const TOKENS = '/api/v1/scim/tokens';
const ACTIVITY = '/api/v1/scim/activity';

/** The secret, once: only in this component's state, gone when dismissed. */
function NewToken({ created, onDismiss }: { created: CreatedScimToken; onDismiss: () => void }) {
  return (
    <section className="panel highlight" aria-labelledby="newtoken-h">
      <h2 id="newtoken-h">Token “{created.name}”</h2>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Paste it into the IdP's SCIM
        settings (Okta: API Token; Entra: Secret Token).
      </p>
      <div className="actions">
        <label htmlFor="new-scim-token" className="sr-only">
          New SCIM token
        </label>
        <input
          id="new-scim-token"
          className="secret"
          readOnly
          value={created.token}
          onFocus={(e) => e.target.select()}
        />
        <CopyButton value={created.token} label="Copy token" />
      </div>
      <button type="button" onClick={onDismiss}>
        I have copied it
      </button>
    </section>
  );
}

function CreateToken({ onCreated }: { onCreated: (t: CreatedScimToken) => void }) {
  const [name, setName] = useState('');
  const create = useAction(
    (n: string) => api.post<CreatedScimToken>(TOKENS, { name: n }),
    [TOKENS],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name.trim(), {
      onSuccess: (t) => {
        setName('');
        onCreated(t);
      },
    });
  };
  return (
    <form className="actions" onSubmit={submit} aria-label="Create a SCIM token">
      <TextField label="Token name" value={name} onChange={setName} required placeholder="Okta" />
      <button type="submit" disabled={create.isPending || !name.trim()}>
        Create token
      </button>
      <ErrorNote error={create.error} />
    </form>
  );
}

function TokenRow({ t, writes }: { t: ScimToken; writes: boolean }) {
  const revoke = useAction(() => api.del(`${TOKENS}/${encodeURIComponent(t.id)}`), [TOKENS]);
  return (
    <tr>
      <td>{t.name}</td>
      <td>
        <code>{t.token_preview}</code>
      </td>
      <td>{formatTime(t.created_at)}</td>
      <td>{t.last_used_at ? formatTime(t.last_used_at) : <span className="muted">Never</span>}</td>
      <td>
        {t.revoked_at ? (
          <span className="badge bad">Revoked {formatTime(t.revoked_at)}</span>
        ) : (
          <span className="badge ok">Active</span>
        )}
      </td>
      <td>
        {writes && !t.revoked_at ? (
          <ConfirmButton
            small
            label="Revoke"
            confirmLabel={`Revoke ${t.name}`}
            busy={revoke.isPending}
            onConfirm={() => revoke.mutate()}
          />
        ) : null}
        <ErrorNote error={revoke.error} />
      </td>
    </tr>
  );
}

function Activity({ tokens }: { tokens: Map<string, string> }) {
  const [failures, setFailures] = useState(false);
  const log = usePaged<ScimActivity>(ACTIVITY, { limit: 50, failures: failures || undefined });
  const rows = log.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="panel" aria-labelledby="activity-h">
      <h2 id="activity-h">Recent SCIM activity</h2>
      <CheckboxField label="Only failures" checked={failures} onChange={setFailures} />
      {log.isPending ? <Loading /> : null}
      <ErrorNote error={log.error} />
      {log.isSuccess && rows.length === 0 ? (
        <Empty>{failures ? 'No failed SCIM request.' : 'No SCIM request yet.'}</Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Token</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id}>
                  <td>{formatTime(a.at)}</td>
                  <td>{a.token_id ? (tokens.get(a.token_id) ?? a.token_id) : '—'}</td>
                  <td>
                    <code>
                      {a.method} {a.path}
                    </code>
                    {a.ignored ? <span className="badge">ignored</span> : null}
                  </td>
                  <td>
                    <span className={a.status >= 400 ? 'badge bad' : 'badge ok'}>{a.status}</span>
                  </td>
                  <td>
                    {a.error ? (
                      <>
                        <code>{a.error.code}</code> {a.error.detail}
                      </>
                    ) : (
                      '—'
                    )}
                    {a.request_id ? <div className="muted">Reference {a.request_id}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {log.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void log.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

/** Settings → Provisioning (SCIM): what Okta or Entra needs, and what they did. */
export function ProvisioningPage() {
  const { can } = useSession();
  const [created, setCreated] = useState<CreatedScimToken | null>(null);
  const reads = can('scim_tokens:read');
  const tokens = useGet<{ data: ScimToken[] }>(reads ? TOKENS : null);
  if (!reads) return <Forbidden what="provisioning settings" />;
  const writes = can('scim_tokens:write');
  const baseUrl = `${window.location.origin}/scim/v2`;
  const names = new Map((tokens.data?.data ?? []).map((t) => [t.id, t.name]));
  return (
    <section>
      <h1>Provisioning / SCIM</h1>
      <section className="panel stack" aria-labelledby="base-h">
        <h2 id="base-h">SCIM base URL</h2>
        <div className="endpoint">
          <label htmlFor="scim-base" className="sr-only">
            SCIM base URL
          </label>
          <input id="scim-base" readOnly value={baseUrl} onFocus={(e) => e.target.select()} />
          <CopyButton value={baseUrl} label="Copy" />
        </div>
        <p className="muted">
          Okta: “SCIM connector base URL”, authentication “HTTP Header”. Entra: “Tenant URL”. Behind
          a proxy, use the address the IdP reaches Gatehouse at.
        </p>
      </section>
      {created ? <NewToken created={created} onDismiss={() => setCreated(null)} /> : null}
      <section className="panel stack" aria-labelledby="tokens-h">
        <h2 id="tokens-h">Tokens</h2>
        {writes ? <CreateToken onCreated={setCreated} /> : null}
        <QueryView
          query={tokens}
          isEmpty={(d) => d.data.length === 0}
          empty="No SCIM token yet: create one for each IdP that provisions people."
        >
          {(d) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Token</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.data.map((t) => (
                    <TokenRow key={t.id} t={t} writes={writes} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </section>
      <Activity tokens={names} />
    </section>
  );
}
