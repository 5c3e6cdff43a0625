import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type EnvRefProblem, resolveEnvRefs } from './env-refs.js';
import { connectionsFromLiteLlmEnv } from './litellm-sso-env.js';
import {
  authSchema,
  type FileConfig,
  fileSchema,
  KNOWN_KEYS,
  type ModelEntry,
  routerConfig,
  scimSchema,
} from './schema.js';
import type { GatehouseConfig } from './types.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly { path: string; message: string }[],
  ) {
    super(
      `Invalid configuration in ${source}:\n${problems
        .map((p) => `  - ${p.path || '(root)'}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Path to a YAML file; when absent, `./gatehouse.yaml` is used if it exists. */
  file?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Values from the command line; they win over the environment and the file. */
  cli?: { port?: number | undefined };
  cwd?: string;
}

export interface Loaded {
  config: GatehouseConfig;
  warnings: string[];
  /** What was taken from LiteLLM's environment and what Gatehouse does differently (log at info). */
  notes: string[];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_FILE = 'gatehouse.yaml';

/** With no model_list, the built-in fake provider lets a new user call a model with no account. */
export const BUILTIN_MODELS: ModelEntry[] = [
  { model_name: 'fake-gpt', litellm_params: { model: 'fake/echo' } },
];

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function zodProblems(error: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((i) => {
    const path = formatPath(i.path);
    return { path: prefix && path ? `${prefix}.${path}` : prefix || path, message: i.message };
  });
}

function unknownKeyWarnings(raw: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  for (const [where, known] of Object.entries(KNOWN_KEYS)) {
    let node: unknown = raw;
    for (const part of where ? where.split('.') : []) {
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    }
    if (!node || typeof node !== 'object' || Array.isArray(node)) continue;
    for (const key of Object.keys(node)) {
      if (!known.includes(key)) {
        const at = where ? `${where}.${key}` : key;
        warnings.push(`${at}: not used by Gatehouse; ignored`);
      }
    }
  }
  return warnings;
}

export function parseYaml(text: string, source: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message })),
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(source, [{ path: '', message: 'the file must be a YAML mapping' }]);
  }
  return value as Record<string, unknown>;
}

function parsePort(text: string, what: string, problems: { path: string; message: string }[]) {
  // Digits only: Number() alone would take " " (as 0), "0x1f90" and "1e3".
  const n = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || n > 65535) {
    problems.push({ path: what, message: `"${text}" is not a port number (0-65535)` });
    return undefined;
  }
  return n;
}

/** Reads, resolves and validates the whole configuration once; throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions): Loaded {
  const cwd = opts.cwd ?? process.cwd();
  let file: string | undefined;
  if (opts.file) {
    file = resolve(cwd, opts.file);
    if (!existsSync(file)) {
      throw new ConfigError(file, [{ path: '', message: 'file not found' }]);
    }
  } else if (existsSync(resolve(cwd, DEFAULT_FILE))) {
    file = resolve(cwd, DEFAULT_FILE);
  }
  const source = file ?? '(no config file)';
  const raw = file ? parseYaml(readFileSync(file, 'utf8'), source) : {};
  return fromObject(raw, source, file, opts, cwd);
}

/**
 * A section written with nothing under it (`general_settings:` followed only by comments) is
 * YAML null; LiteLLM configs are full of them, so they count as absent rather than invalid.
 */
function dropEmptySections(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === null) continue;
    if (
      (k === 'litellm_settings' || k === 'general_settings') &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v)
    ) {
      out[k] = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** `true`/`false`, a hop count, or a comma-separated list of proxy addresses or CIDRs. */
function parseTrustProxy(
  text: string | undefined,
  problems: { path: string; message: string }[],
): boolean | number | string[] {
  const v = text?.trim();
  if (!v || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const list = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.every((x) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(x))) return list;
  problems.push({
    path: 'env GATEHOUSE_TRUST_PROXY',
    message: 'must be true, false, a hop count, or a comma-separated list of addresses/CIDRs',
  });
  return false;
}

export function fromObject(
  raw: Record<string, unknown>,
  source: string,
  file: string | undefined,
  opts: LoadOptions,
  cwd = process.cwd(),
): Loaded {
  const env = opts.env;
  const problems: EnvRefProblem[] = [];
  const resolved = dropEmptySections(resolveEnvRefs(raw, env, problems) as Record<string, unknown>);
  const parsed = fileSchema.safeParse(resolved);
  if (!parsed.success) {
    // A missing variable is already reported at its key; the schema would repeat it as "received undefined".
    const unresolved = new Set(problems.map((p) => p.path));
    problems.push(...zodProblems(parsed.error).filter((p) => !unresolved.has(p.path)));
  }
  const envProblems: { path: string; message: string }[] = [];
  const port =
    opts.cli?.port ?? (env.PORT ? parsePort(env.PORT, 'env PORT', envProblems) : undefined) ?? 4000;
  const trustProxy = parseTrustProxy(env.GATEHOUSE_TRUST_PROXY, envProblems);
  const publicUrl = env.GATEHOUSE_PUBLIC_URL || undefined;
  const level = env.GATEHOUSE_LOG_LEVEL || env.LOG_LEVEL;
  if (level && !LOG_LEVELS.includes(level)) {
    envProblems.push({
      path: env.GATEHOUSE_LOG_LEVEL ? 'env GATEHOUSE_LOG_LEVEL' : 'env LOG_LEVEL',
      message: `must be one of ${LOG_LEVELS.join(', ')}`,
    });
  }
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    envProblems.push({ path: 'env GATEHOUSE_PUBLIC_URL', message: 'must be an http(s) URL' });
  }
  problems.push(...envProblems);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(source, problems);

  const f: FileConfig = parsed.data;
  if (f.group_sync?.scope === 'assigned_to_app') {
    for (const [i, c] of (f.sso?.connections ?? []).entries()) {
      if (c.microsoft_graph && !c.microsoft_graph.service_principal_id) {
        problems.push({
          path: `sso.connections[${i}].microsoft_graph.service_principal_id`,
          message: 'required when group_sync.scope is assigned_to_app',
        });
      }
    }
    if (problems.length > 0) throw new ConfigError(source, problems);
  }
  // LiteLLM's SSO variables become connections; one with the id of a file connection yields to it.
  const litellm = connectionsFromLiteLlmEnv(env);
  const fileConnections = f.sso?.connections ?? [];
  const envConnections = litellm.connections.filter(
    (c) => !fileConnections.some((fc) => fc.id === c.id),
  );
  const shadowed = litellm.connections.filter((c) => !envConnections.includes(c));
  const litellmWarnings = [
    ...litellm.problems,
    ...shadowed.map(
      (c) =>
        `sso.connections has a connection "${c.id}": the one LiteLLM's environment variables describe is not created`,
    ),
  ];
  const databaseUrl =
    env.DATABASE_URL ||
    f.general_settings?.database_url ||
    `file:${resolve(cwd, 'data/gatehouse.db')}`;
  const masterKey =
    env.GATEHOUSE_MASTER_KEY || env.LITELLM_MASTER_KEY || f.general_settings?.master_key;
  const config: GatehouseConfig = {
    file,
    port,
    publicUrl: (publicUrl ?? litellm.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    publicUrlConfigured: publicUrl !== undefined || litellm.publicUrl !== null,
    databaseUrl,
    redisUrl: env.REDIS_URL || undefined,
    secret: env.GATEHOUSE_SECRET || undefined,
    logLevel: env.GATEHOUSE_LOG_LEVEL || env.LOG_LEVEL || 'info',
    trustProxy,
    masterKey: masterKey || undefined,
    models: f.model_list ?? BUILTIN_MODELS,
    router: routerConfig(f),
    defaultTeamParams: f.litellm_settings?.default_team_params ?? {},
    defaultUserParams: f.litellm_settings?.default_internal_user_params ?? {},
    sso: {
      connections: [...fileConnections, ...envConnections],
      fromEnvironment: envConnections.map((c) => c.id),
      litellmRoutes: litellm.litellmRoutes,
    },
    roleMapping: f.role_mapping,
    groupSync: f.group_sync,
    auth: f.auth ?? authSchema.parse({}),
    scim: f.scim ?? scimSchema.parse({}),
  };
  const warnings = [...unknownKeyWarnings(raw), ...litellmWarnings];
  if (masterKey === 'sk-1234') {
    warnings.push('master key is the well-known example value "sk-1234"; change it');
  }
  return { config, warnings, notes: litellm.log };
}
