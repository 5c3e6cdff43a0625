import { parseLimit, parseList, parseMoney } from '../lib/format.js';
import { TextField } from './Fields.js';

/** The budget and limit fields teams, keys and organizations share, as typed text. */
export interface BudgetDraft {
  maxBudget: string;
  duration: string;
  models: string;
  rpm: string;
  tpm: string;
}

export function budgetDraft(v?: {
  max_budget: number | null;
  budget_duration: string | null;
  models: string[];
  rpm_limit?: number | null;
  tpm_limit?: number | null;
}): BudgetDraft {
  return {
    maxBudget: v?.max_budget === null || v?.max_budget === undefined ? '' : String(v.max_budget),
    duration: v?.budget_duration ?? '',
    models: v?.models.join(', ') ?? '',
    rpm: v?.rpm_limit === null || v?.rpm_limit === undefined ? '' : String(v.rpm_limit),
    tpm: v?.tpm_limit === null || v?.tpm_limit === undefined ? '' : String(v.tpm_limit),
  };
}

/** The API body; throws (with the field in the message) on text that is not a number. */
export function budgetBody(d: BudgetDraft, withLimits = true): Record<string, unknown> {
  return {
    max_budget: parseMoney(d.maxBudget),
    budget_duration: d.duration.trim() || null,
    models: parseList(d.models),
    ...(withLimits ? { rpm_limit: parseLimit(d.rpm), tpm_limit: parseLimit(d.tpm) } : {}),
  };
}

export function BudgetFields({
  value,
  onChange,
  withLimits = true,
}: {
  value: BudgetDraft;
  onChange: (v: BudgetDraft) => void;
  withLimits?: boolean;
}) {
  const set = (k: keyof BudgetDraft) => (v: string) => onChange({ ...value, [k]: v });
  return (
    <>
      <TextField
        label="Max budget (USD)"
        type="number"
        value={value.maxBudget}
        onChange={set('maxBudget')}
        hint="Empty: no budget."
      />
      <TextField
        label="Budget period"
        value={value.duration}
        onChange={set('duration')}
        placeholder="30d"
        hint="30d, 1w, 1mo… Empty: never resets."
      />
      <TextField
        label="Models"
        value={value.models}
        onChange={set('models')}
        placeholder="gpt-4o, fake-gpt"
        hint="Comma-separated. Empty: all models."
      />
      {withLimits ? (
        <>
          <TextField
            label="Requests per minute"
            type="number"
            value={value.rpm}
            onChange={set('rpm')}
          />
          <TextField
            label="Tokens per minute"
            type="number"
            value={value.tpm}
            onChange={set('tpm')}
          />
        </>
      ) : null}
    </>
  );
}
