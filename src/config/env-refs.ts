/**
 * LiteLLM configs point at secrets with `os.environ/NAME`. They are resolved before validation so
 * the schema sees real values, and a missing variable is reported at the key that needs it.
 */
const PREFIX = 'os.environ/';

export interface EnvRefProblem {
  path: string;
  message: string;
}

export function resolveEnvRefs(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: EnvRefProblem[],
  path = '',
): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith(PREFIX)) return value;
    const name = value.slice(PREFIX.length);
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      problems.push({ path, message: `environment variable ${name} is not set` });
      return undefined;
    }
    return resolved;
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveEnvRefs(v, env, problems, `${path}[${i}]`));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = resolveEnvRefs(v, env, problems, path ? `${path}.${k}` : k);
    }
    return out;
  }
  return value;
}
