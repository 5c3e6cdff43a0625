import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, fromObject, type Loaded, type LoadOptions } from '../../src/config/load.js';

/** Shared by the config test files: temp YAML files, loading from objects, problem lists. */
export const ROLE_LIST =
  'must be one of proxy_admin, org_admin, proxy_admin_viewer, internal_user, internal_user_viewer';

let dir: string | undefined;
let fileNo = 0;

/** The temporary folder this test file's YAML files live in. */
export function yamlDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'gh-config-'));
  return dir;
}

export function writeYaml(text: string): string {
  const path = join(yamlDir(), `config-${fileNo++}.yaml`);
  writeFileSync(path, text);
  return path;
}

export function removeYamlFiles(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** Loads an object as if it were a config file; `env` is the whole environment. */
export function load(
  raw: Record<string, unknown>,
  env: LoadOptions['env'] = {},
  cli?: LoadOptions['cli'],
): Loaded {
  return fromObject(raw, '(test)', undefined, { env, ...(cli ? { cli } : {}) }, '/srv/gh');
}

/** Runs `fn`, which must throw a ConfigError, and returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  return expect.fail('expected a ConfigError, but the configuration was accepted');
}

export function problems(fn: () => unknown): { path: string; message: string }[] {
  return [...configError(fn).problems];
}
