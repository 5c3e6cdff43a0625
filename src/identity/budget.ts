import { addDuration, parseDuration } from '../config/duration.js';

export interface BudgetInput {
  max_budget?: number | null | undefined;
  budget_duration?: string | null | undefined;
  models?: string[] | undefined;
  rpm_limit?: number | null | undefined;
  tpm_limit?: number | null | undefined;
}

export interface BudgetDefaults {
  max_budget?: number | undefined;
  budget_duration?: string | undefined;
  models?: string[] | undefined;
  rpm_limit?: number | undefined;
  tpm_limit?: number | undefined;
}

export interface BudgetColumns {
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  models: string;
  rpm_limit: number | null;
  tpm_limit: number | null;
}

/**
 * Fills every field the caller did not give from the defaults. "Not given" means absent
 * (undefined); an explicit null or [] is the caller's choice and is kept. This is the one
 * place defaults are applied, so every creation path (API, UI, SSO, SCIM) behaves the same.
 */
export function withDefaults(
  input: BudgetInput,
  defaults: BudgetDefaults,
  now: Date,
): BudgetColumns {
  const duration =
    input.budget_duration !== undefined ? input.budget_duration : defaults.budget_duration;
  return {
    max_budget: (input.max_budget !== undefined ? input.max_budget : defaults.max_budget) ?? null,
    budget_duration: duration ?? null,
    budget_reset_at: resetAt(duration ?? null, now),
    models: JSON.stringify(input.models ?? defaults.models ?? []),
    rpm_limit: (input.rpm_limit !== undefined ? input.rpm_limit : defaults.rpm_limit) ?? null,
    tpm_limit: (input.tpm_limit !== undefined ? input.tpm_limit : defaults.tpm_limit) ?? null,
  };
}

export function resetAt(duration: string | null, now: Date): string | null {
  if (!duration) return null;
  const d = parseDuration(duration);
  return d ? addDuration(now, d).toISOString() : null;
}

/** Columns for a partial update: only fields present in the patch change. */
export function budgetPatch(patch: BudgetInput, now: Date): Partial<BudgetColumns> {
  const out: Partial<BudgetColumns> = {};
  if (patch.max_budget !== undefined) out.max_budget = patch.max_budget;
  if (patch.budget_duration !== undefined) {
    out.budget_duration = patch.budget_duration;
    out.budget_reset_at = resetAt(patch.budget_duration, now);
  }
  if (patch.models !== undefined) out.models = JSON.stringify(patch.models);
  if (patch.rpm_limit !== undefined) out.rpm_limit = patch.rpm_limit;
  if (patch.tpm_limit !== undefined) out.tpm_limit = patch.tpm_limit;
  return out;
}
