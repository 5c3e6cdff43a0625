import { z } from 'zod';
import { durationField } from '../config/duration-field.js';
import { GLOBAL_ROLES, ORG_ROLES, TEAM_ROLES } from '../config/roles.js';

/** Field schemas shared by the management API bodies, so every route validates alike. */
export const globalRole = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(GLOBAL_ROLES, { error: () => `must be one of ${GLOBAL_ROLES.join(', ')}` }),
);
export const teamRole = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v.trim().toLowerCase() === 'user'
        ? 'member'
        : v.trim().toLowerCase()
      : v,
  z.enum(TEAM_ROLES, { error: () => `must be one of ${TEAM_ROLES.join(', ')}` }),
);
export const orgRole = z.enum(ORG_ROLES, { error: () => `must be one of ${ORG_ROLES.join(', ')}` });
export const duration = durationField;
export const money = z.number().nonnegative().finite();
export const limit = z.number().int().positive();
export const models = z.array(z.string().min(1).max(200)).max(1000);
export const name = z.string().trim().min(1).max(200);
export const id = z.string().min(1).max(200);
export const source = z
  .string()
  .regex(/^(manual|sso:[\w.-]+|scim:[\w.-]+)$/, 'must be manual, sso:<id> or scim:<id>');
export const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const budgetFields = {
  max_budget: money.nullable().optional(),
  budget_duration: duration.nullable().optional(),
  models: models.optional(),
  rpm_limit: limit.nullable().optional(),
  tpm_limit: limit.nullable().optional(),
};
