import { SelectField, TextField } from '../../components/Fields.js';
import { emptyRule, move, type RuleDraft } from '../../lib/mapping.js';
import { GLOBAL_ROLES, type GlobalRole, ROLE_LABELS } from '../../lib/permissions.js';

function RuleFields({
  index,
  rule,
  onChange,
  problems,
}: {
  index: number;
  rule: RuleDraft;
  onChange: (r: RuleDraft) => void;
  problems: string[];
}) {
  const set =
    <K extends keyof RuleDraft>(k: K) =>
    (v: string) =>
      onChange({ ...rule, [k]: v as RuleDraft[K] });
  return (
    <div className="rule-fields">
      <SelectField
        label={`Rule ${index + 1}: match on`}
        value={rule.match}
        onChange={set('match')}
        options={[
          { value: 'group', label: 'Group (id or name)' },
          { value: 'group_regex', label: 'Group regex' },
          { value: 'claim', label: 'Claim' },
        ]}
      />
      <TextField
        label={
          rule.match === 'claim'
            ? 'Claim name'
            : rule.match === 'group_regex'
              ? 'Regular expression'
              : 'Group'
        }
        value={rule.value}
        onChange={set('value')}
        placeholder={
          rule.match === 'claim'
            ? 'litellm_roles'
            : rule.match === 'group_regex'
              ? '^eng-.*-leads$'
              : 'litellm-owners'
        }
      />
      {rule.match === 'claim' ? (
        <>
          <SelectField
            label="Claim test"
            value={rule.claimOp}
            onChange={set('claimOp')}
            options={[
              { value: 'equals', label: 'equals' },
              { value: 'contains', label: 'contains' },
            ]}
          />
          <TextField
            label="Claim value"
            value={rule.claimValue}
            onChange={set('claimValue')}
            placeholder="owner"
          />
        </>
      ) : null}
      <TextField
        label="Only for connection"
        value={rule.connection}
        onChange={set('connection')}
        placeholder="any"
      />
      <SelectField
        label="Grants role"
        value={rule.role}
        onChange={set('role')}
        options={[
          { value: '', label: 'No role' },
          ...GLOBAL_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
        ]}
      />
      <TextField
        label="Organization"
        value={rule.organization}
        onChange={set('organization')}
        placeholder="none"
      />
      {rule.organization.trim() ? (
        <SelectField
          label="Organization role"
          value={rule.orgRole}
          onChange={set('orgRole')}
          options={[
            { value: 'member', label: 'Member' },
            { value: 'org_admin', label: 'Organization admin' },
          ]}
        />
      ) : null}
      <TextField label="Team" value={rule.team} onChange={set('team')} placeholder="none" />
      {rule.team.trim() ? (
        <SelectField
          label="Team role"
          value={rule.teamRole}
          onChange={set('teamRole')}
          options={[
            { value: 'member', label: 'Member' },
            { value: 'admin', label: 'Admin' },
          ]}
        />
      ) : null}
      {problems.length > 0 ? (
        <ul className="field-errors" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function RuleEditor({
  rules,
  onChange,
  problems,
}: {
  rules: RuleDraft[];
  onChange: (rules: RuleDraft[]) => void;
  problems: Map<number, string[]>;
}) {
  const replace = (i: number, r: RuleDraft) => onChange(rules.map((x, j) => (j === i ? r : x)));
  return (
    <div className="stack">
      {rules.length === 0 ? (
        <p className="empty">No rules: everyone gets the default role (or an app role).</p>
      ) : null}
      <ol className="rules">
        {rules.map((r, i) => (
          // Rules have no id of their own; the position is their identity in the stored list.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={i} className="rule">
            <RuleFields
              index={i}
              rule={r}
              onChange={(x) => replace(i, x)}
              problems={problems.get(i) ?? []}
            />
            <div className="actions">
              <button
                type="button"
                className="secondary small"
                onClick={() => onChange(move(rules, i, -1))}
                disabled={i === 0}
                aria-label={`Move rule ${i + 1} up`}
              >
                Up
              </button>
              <button
                type="button"
                className="secondary small"
                onClick={() => onChange(move(rules, i, 1))}
                disabled={i === rules.length - 1}
                aria-label={`Move rule ${i + 1} down`}
              >
                Down
              </button>
              <button
                type="button"
                className="danger small"
                onClick={() => onChange(rules.filter((_, j) => j !== i))}
                aria-label={`Remove rule ${i + 1}`}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ol>
      <div>
        <button
          type="button"
          className="secondary"
          onClick={() => onChange([...rules, emptyRule()])}
        >
          Add rule
        </button>
      </div>
    </div>
  );
}

/** The role precedence: when several rules match, the role highest in this list wins. */
export function PrecedenceEditor({
  value,
  onChange,
}: {
  value: GlobalRole[];
  onChange: (v: GlobalRole[]) => void;
}) {
  return (
    <ol className="precedence">
      {value.map((r, i) => (
        <li key={r}>
          <span>
            {ROLE_LABELS[r]} <code>{r}</code>
          </span>
          <span className="actions">
            <button
              type="button"
              className="secondary small"
              onClick={() => onChange(move(value, i, -1))}
              disabled={i === 0}
              aria-label={`Move ${r} up`}
            >
              Up
            </button>
            <button
              type="button"
              className="secondary small"
              onClick={() => onChange(move(value, i, 1))}
              disabled={i === value.length - 1}
              aria-label={`Move ${r} down`}
            >
              Down
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}
