import { z } from 'zod';
import { connectionId, connectionSchema, httpUrl } from './connection-schema.js';
import { durationField, fixedDurationField } from './duration-field.js';
import { compilePattern } from './pattern.js';
import { GLOBAL_ROLES, ORG_ROLES, TEAM_ROLES } from './roles.js';

const role = z.enum(GLOBAL_ROLES, {
  error: () => `must be one of ${GLOBAL_ROLES.join(', ')}`,
});
// IdPs and LiteLLM configs write roles in any case.
const roleInsensitive = z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), role);
const lower = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), schema);
const duration = durationField;
const fixedDuration = fixedDurationField;
const money = z.number().nonnegative();
const limit = z.number().int().positive();
const models = z.array(z.string().min(1));
const seconds = z.number().positive();

export const modelEntrySchema = z.looseObject({
  model_name: z.string().min(1),
  litellm_params: z.looseObject({
    model: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/.+$/, 'must be "provider/model", e.g. "openai/gpt-4o"'),
    api_base: httpUrl.optional(),
    api_key: z.string().optional(),
    api_version: z.string().optional(),
    rpm: limit.optional(),
    tpm: limit.optional(),
    // LiteLLM's per-deployment router and pricing keys.
    weight: z.number().positive().optional(),
    timeout: seconds.optional(),
    stream_timeout: seconds.optional(),
    max_retries: z.number().int().min(0).max(10).optional(),
    input_cost_per_token: money.optional(),
    output_cost_per_token: money.optional(),
    organization: z.string().min(1).optional(),
    // The built-in fake provider: a fixed reply instead of the echo, and a delay in seconds.
    mock_response: z.string().optional(),
    mock_delay: seconds.optional(),
  }),
  model_info: z
    .looseObject({
      id: z.string().min(1).optional(),
      // The model whose price applies (an Azure deployment name says nothing about it).
      base_model: z.string().min(1).optional(),
      input_cost_per_token: money.optional(),
      output_cost_per_token: money.optional(),
    })
    .optional(),
});

/** `[{"gpt-3.5-turbo": ["gpt-4o"]}, …]` as LiteLLM writes fallbacks. */
const fallbacksSchema = z.array(z.record(z.string().min(1), z.array(z.string().min(1))));

/** LiteLLM's `routing_strategy` values that an in-memory, per-process router can honour. */
export const ROUTING_STRATEGIES = [
  'simple-shuffle',
  'least-busy',
  'latency-based-routing',
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

const routingStrategy = z.string().superRefine((s, ctx) => {
  if ((ROUTING_STRATEGIES as readonly string[]).includes(s)) return;
  const choices = ROUTING_STRATEGIES.join(', ');
  ctx.addIssue({
    code: 'custom',
    message: /^(usage-based-routing(-v2)?|cost-based-routing)$/.test(s)
      ? `"${s}" is not supported: it routes on usage counted across every gateway instance (LiteLLM keeps it in Redis), and Gatehouse routes in memory. Use ${choices} (simple-shuffle is weighted by rpm/tpm when set)`
      : `unknown routing strategy "${s}"; use ${choices}`,
  });
});

export const routerSettingsSchema = z.looseObject({
  routing_strategy: routingStrategy.optional(),
  num_retries: z.number().int().min(0).max(10).optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  allowed_fails: z.number().int().min(0).optional(),
  cooldown_time: z.number().nonnegative().optional(),
  retry_after: z.number().nonnegative().optional(),
  fallbacks: fallbacksSchema.optional(),
});

export const defaultTeamParamsSchema = z.looseObject({
  max_budget: money.optional(),
  budget_duration: duration.optional(),
  models: models.optional(),
  tpm_limit: limit.optional(),
  rpm_limit: limit.optional(),
});

export const defaultUserParamsSchema = z.looseObject({
  user_role: roleInsensitive.optional(),
  max_budget: money.optional(),
  budget_duration: duration.optional(),
  models: models.optional(),
});

/** An admin's pattern: RE2 syntax, refused here (with the reason) if RE2 cannot run it. */
const regex = z.string().superRefine((source, ctx) => {
  const c = compilePattern(source);
  if (!c.ok) ctx.addIssue({ code: 'custom', message: c.message });
});

export const roleRuleSchema = z
  .strictObject({
    group: z.string().min(1).optional(),
    group_regex: regex.optional(),
    claim: z.string().min(1).optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    contains: z.string().optional(),
    connection: connectionId.optional(),
    role: roleInsensitive.optional(),
    organization: z.string().min(1).optional(),
    org_role: lower(z.enum(ORG_ROLES)).optional(),
    team: z.string().min(1).optional(),
    // LiteLLM calls the team member role "user".
    team_role: z
      .preprocess(
        (v) => (typeof v === 'string' && v.toLowerCase() === 'user' ? 'member' : v),
        lower(z.enum(TEAM_ROLES)),
      )
      .optional(),
  })
  .superRefine((r, ctx) => {
    const matchers = [r.group, r.group_regex, r.claim].filter((m) => m !== undefined).length;
    if (matchers !== 1) {
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of group, group_regex, claim' });
    }
    if (r.claim !== undefined && (r.equals === undefined) === (r.contains === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a claim rule needs exactly one of equals, contains',
      });
    }
    if (r.claim === undefined && (r.equals !== undefined || r.contains !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'equals and contains apply only to a claim rule' });
    }
    if (r.role === undefined && r.organization === undefined && r.team === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'grants nothing: set role, organization or team',
      });
    }
    if (r.team_role !== undefined && r.team === undefined) {
      ctx.addIssue({ code: 'custom', message: 'team_role needs team' });
    }
    if (r.org_role !== undefined && r.organization === undefined) {
      ctx.addIssue({ code: 'custom', message: 'org_role needs organization' });
    }
  });

export const roleMappingSchema = z.strictObject({
  // Checked on the list itself, so a problem in `rules` does not hide it.
  precedence: z
    .array(roleInsensitive)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const [i, r] of list.entries()) {
        if (seen.has(r)) {
          ctx.addIssue({ code: 'custom', path: [i], message: `${r} is listed twice` });
        }
        seen.add(r);
      }
    })
    .optional(),
  default_role: roleInsensitive.default('internal_user_viewer'),
  rules: z.array(roleRuleSchema).default([]),
  app_roles: z.boolean().default(true),
});

export const groupSyncSchema = z.strictObject({
  create_teams: z.boolean().default(true),
  remove_memberships: z.boolean().default(true),
  scope: z.enum(['all', 'assigned_to_app']).default('all'),
  include: z.array(regex).optional(),
  background_interval: fixedDuration.optional(),
});

export const ssoSchema = z.strictObject({
  connections: z
    .array(connectionSchema)
    .superRefine(
      (list, ctx) => {
        // Also runs when another connection is invalid (so entries may be unparsed input),
        // so that every problem is reported at once.
        const seen = new Set<string>();
        for (const [i, c] of (list as readonly unknown[]).entries()) {
          const id = c !== null && typeof c === 'object' ? (c as { id?: unknown }).id : undefined;
          if (typeof id !== 'string') continue;
          if (seen.has(id)) {
            ctx.addIssue({
              code: 'custom',
              path: [i, 'id'],
              message: `duplicate connection id "${id}"`,
            });
          }
          seen.add(id);
        }
      },
      { when: (payload) => Array.isArray(payload.value) },
    )
    .default([]),
});

export const authSchema = z.strictObject({
  session_idle_timeout: fixedDuration.default('8h'),
  session_absolute_timeout: fixedDuration.default('24h'),
  local_login: z
    .strictObject({
      enabled: z.boolean().default(true),
      allowed_roles: z.array(roleInsensitive).min(1).default(['proxy_admin']),
      max_failures: z.number().int().min(1).max(100).default(5),
      lockout: fixedDuration.default('15m'),
    })
    .prefault({}),
});

// --- SCIM service provider (issue 10) ---------------------------------------------------------
export const scimSchema = z.strictObject({
  /** Per SCIM token, in each instance: a sustained rate and a burst. Entra asks for ≥ 25/s. */
  rate_limit: z
    .strictObject({
      requests_per_second: z.number().positive().max(100_000).default(100),
      burst: z.number().int().min(1).max(1_000_000).default(500),
    })
    .prefault({}),
  /** The request log behind GET /api/v1/scim/activity: by age and by count, whichever is hit first. */
  activity: z
    .strictObject({
      retention: fixedDuration.default('30d'),
      max_entries: z.number().int().min(100).max(10_000_000).default(100_000),
    })
    .prefault({}),
});
// --- end SCIM service provider ----------------------------------------------------------------

export const fileSchema = z.looseObject({
  model_list: z.array(modelEntrySchema).optional(),
  litellm_settings: z
    .looseObject({
      default_team_params: defaultTeamParamsSchema.optional(),
      default_internal_user_params: defaultUserParamsSchema.optional(),
      num_retries: z.number().int().min(0).max(10).optional(),
      request_timeout: seconds.optional(),
      fallbacks: fallbacksSchema.optional(),
    })
    .optional(),
  router_settings: routerSettingsSchema.optional(),
  general_settings: z
    .looseObject({
      master_key: z.string().min(1).optional(),
      database_url: z.string().min(1).optional(),
    })
    .optional(),
  sso: ssoSchema.optional(),
  role_mapping: roleMappingSchema.optional(),
  group_sync: groupSyncSchema.optional(),
  auth: authSchema.optional(),
  scim: scimSchema.optional(),
});

export type FileConfig = z.infer<typeof fileSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type DefaultTeamParams = z.infer<typeof defaultTeamParamsSchema>;
export type DefaultUserParams = z.infer<typeof defaultUserParamsSchema>;
export type ConnectionConfig = z.infer<typeof connectionSchema>;
export type RoleMappingConfig = z.infer<typeof roleMappingSchema>;
export type RoleRuleConfig = z.infer<typeof roleRuleSchema>;
export type GroupSyncConfig = z.infer<typeof groupSyncSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type RouterSettings = z.infer<typeof routerSettingsSchema>;

/** Routing as the gateway uses it: `router_settings` wins over `litellm_settings`, then defaults. */
export interface RouterConfig {
  strategy: RoutingStrategy;
  numRetries: number;
  timeoutMs: number;
  streamTimeoutMs: number;
  allowedFails: number;
  cooldownMs: number;
  retryAfterMs: number;
  fallbacks: Record<string, string[]>;
}

export function routerConfig(f: FileConfig): RouterConfig {
  const r = f.router_settings ?? {};
  const l = f.litellm_settings ?? {};
  const timeout = r.timeout ?? l.request_timeout ?? 600;
  const fallbacks: Record<string, string[]> = {};
  for (const entry of [...(l.fallbacks ?? []), ...(r.fallbacks ?? [])]) {
    for (const [from, to] of Object.entries(entry)) fallbacks[from] = to;
  }
  return {
    strategy: (r.routing_strategy as RoutingStrategy | undefined) ?? 'simple-shuffle',
    numRetries: r.num_retries ?? l.num_retries ?? 2,
    timeoutMs: timeout * 1000,
    streamTimeoutMs: (r.stream_timeout ?? timeout) * 1000,
    allowedFails: r.allowed_fails ?? 3,
    cooldownMs: (r.cooldown_time ?? 5) * 1000,
    retryAfterMs: (r.retry_after ?? 0) * 1000,
    fallbacks,
  };
}
export type ScimConfig = z.infer<typeof scimSchema>;

/** Keys Gatehouse knows at each level; anything else is reported as a warning, not an error. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': [
    'model_list',
    'litellm_settings',
    'general_settings',
    'sso',
    'role_mapping',
    'group_sync',
    'auth',
    'router_settings',
    'scim',
  ],
  litellm_settings: [
    'default_team_params',
    'default_internal_user_params',
    'num_retries',
    'request_timeout',
    'fallbacks',
  ],
  router_settings: [
    'routing_strategy',
    'num_retries',
    'timeout',
    'stream_timeout',
    'allowed_fails',
    'cooldown_time',
    'retry_after',
    'fallbacks',
  ],
  general_settings: ['master_key', 'database_url'],
  'litellm_settings.default_team_params': [
    'max_budget',
    'budget_duration',
    'models',
    'tpm_limit',
    'rpm_limit',
  ],
  'litellm_settings.default_internal_user_params': [
    'user_role',
    'max_budget',
    'budget_duration',
    'models',
  ],
};
