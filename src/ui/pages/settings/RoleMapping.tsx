import { useState } from 'react';
import { api } from '../../api/client.js';
import { useAction, useGet } from '../../api/hooks.js';
import type { RoleMapping, RoleMappingState } from '../../api/types.js';
import { CheckboxField, SelectField } from '../../components/Fields.js';
import { ErrorNote, Forbidden, QueryView } from '../../components/States.js';
import { ApiError } from '../../lib/errors.js';
import {
  completePrecedence,
  draftToMapping,
  type MappingDraft,
  mappingToDraft,
  problemsByRule,
} from '../../lib/mapping.js';
import { GLOBAL_ROLES, type GlobalRole, ROLE_LABELS } from '../../lib/permissions.js';
import { useSession } from '../../session.js';
import { MappingTable } from './MappingTable.js';
import { Preview } from './Preview.js';
import { PrecedenceEditor, RuleEditor } from './RuleEditor.js';

const PATH = '/api/v1/role-mapping';

function Editor({ state, onSaved }: { state: RoleMappingState; onSaved: () => void }) {
  const { can } = useSession();
  const editable = !state.read_only && can('role_mapping:write');
  const [draft, setDraft] = useState<MappingDraft>(() => mappingToDraft(state));
  const [dirty, setDirty] = useState(false);
  const save = useAction((m: RoleMapping) => api.put<RoleMappingState>(PATH, m), [PATH]);
  const update = (d: MappingDraft) => {
    setDraft(d);
    setDirty(true);
  };
  const problems = problemsByRule(save.error instanceof ApiError ? save.error.details : []);

  return (
    <>
      {state.read_only ? (
        <div className="notice" role="note">
          This mapping is set in the config file (<code>role_mapping</code>) and is read-only here.
          Change the file and restart Gatehouse to change it.
        </div>
      ) : null}
      {editable ? (
        <section className="panel" aria-labelledby="rules-h">
          <h2 id="rules-h">Rules</h2>
          <p className="muted">
            A rule matches a group (by id or name), a group regex or a claim, and grants a role, an
            organization or a team. Every rule is evaluated.
          </p>
          <RuleEditor
            rules={draft.rules}
            onChange={(rules) => update({ ...draft, rules })}
            problems={problems.rules}
          />
          <h2>Precedence and defaults</h2>
          <div className="grid2">
            <div>
              <CheckboxField
                label="Custom role precedence"
                checked={draft.precedence !== null}
                onChange={(on) =>
                  update({ ...draft, precedence: on ? completePrecedence([]) : null })
                }
              />
              {draft.precedence ? (
                <PrecedenceEditor
                  value={draft.precedence}
                  onChange={(precedence) => update({ ...draft, precedence })}
                />
              ) : (
                <p className="muted">Built-in order: most privileged first.</p>
              )}
            </div>
            <div>
              <SelectField
                label="Default role"
                value={draft.defaultRole}
                onChange={(v) => update({ ...draft, defaultRole: v as GlobalRole })}
                options={GLOBAL_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
                hint="For people no rule gives a role."
              />
              <CheckboxField
                label="Entra app roles: role names in the roles claim map directly"
                checked={draft.appRoles}
                onChange={(appRoles) => update({ ...draft, appRoles })}
              />
            </div>
          </div>
          {problems.other.length > 0 || (save.error && problems.rules.size === 0) ? (
            <ErrorNote error={save.error} />
          ) : null}
          {problems.rules.size > 0 ? (
            <p className="notice error" role="alert">
              Some rules are not valid; see the messages under them.
            </p>
          ) : null}
          <div className="actions">
            <button
              type="button"
              disabled={!dirty || save.isPending}
              onClick={() =>
                save.mutate(draftToMapping(draft), {
                  onSuccess: () => {
                    setDirty(false);
                    onSaved();
                  },
                })
              }
            >
              Save mapping
            </button>
            {dirty ? (
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setDraft(mappingToDraft(state));
                  setDirty(false);
                }}
              >
                Discard changes
              </button>
            ) : null}
          </div>
        </section>
      ) : null}
      {can('role_mapping:preview') ? <Preview unsaved={dirty} /> : null}
      <MappingTable mapping={state} />
    </>
  );
}

export function RoleMappingPage() {
  const { can } = useSession();
  const [saved, setSaved] = useState(false);
  const mapping = useGet<RoleMappingState>(can('role_mapping:read') ? PATH : null);
  if (!can('role_mapping:read')) return <Forbidden what="role mapping" />;
  return (
    <section>
      <h1>Roles / Access control</h1>
      <p className="muted">
        How identity-provider groups, claims and app roles become Gatehouse roles, teams and
        organizations at every sign-in.
      </p>
      <p role="status" className="saved">
        {saved ? 'Mapping saved. It applies from the next sign-in.' : ''}
      </p>
      <QueryView query={mapping}>
        {(state) => (
          <Editor key={JSON.stringify(state)} state={state} onSaved={() => setSaved(true)} />
        )}
      </QueryView>
    </section>
  );
}
