import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAllGatehouses, spawnGatehouse, stopProcess } from '../support/process.js';

const MASTER_KEY = 'sk-cli-test-master-key-0123456789';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
});
const killAll = killAllGatehouses;
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh SQLite file that does not exist yet. */
const freshDb = () => `file:${join(dir, `db-${n++}`, 'gatehouse.db')}`;

function writeFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Only what the child needs: nothing from this process's Gatehouse/LiteLLM environment leaks in. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GATEHOUSE_LOG_LEVEL: 'warn' };
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process has exited and its output is complete. */
  exited: Promise<number | null>;
}

function spawnCli(args: string[], env: Record<string, string>): Proc {
  // cwd: no ./gatehouse.yaml, no ./data there
  const p = spawnGatehouse(args, childEnv(env), dir);
  return {
    child: p.child,
    stdout: p.stdout,
    stderr: p.stderr,
    exited: p.exited.then((e) => e.code),
  };
}

const kill = stopProcess;

/** Runs a command that exits by itself, within a time limit. */
async function run(args: string[], env: Record<string, string> = {}) {
  const p = spawnCli(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 25_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

interface Server extends Proc {
  url: string;
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `gatehouse start` on a free port and waits until it answers its liveliness probe. */
async function startServer(env: Record<string, string>): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = spawnCli(['start', '--port', String(port)], env);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    let exitCode: number | null | undefined;
    void p.exited.then((c) => {
      exitCode = c;
    });
    while (exitCode === undefined && Date.now() < deadline) {
      const ok = await fetch(`${url}/health/liveliness`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        return {
          ...p,
          url,
          stop: async () => {
            p.child.kill('SIGTERM');
            return p.exited;
          },
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await kill(p.child, 'SIGKILL');
    // Another process may have taken the port between our probe and the child's listen.
    if (attempt < 3 && p.stderr().includes('EADDRINUSE')) continue;
    return expect.fail(
      `gatehouse did not become live on ${url} (exit ${exitCode}):\n${p.stdout()}\n${p.stderr()}`,
    );
  }
}

async function getJson(url: string, key: string) {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const BANNER = 'Gatehouse bootstrap admin (shown once)';
const KEY_LINE = /^API key: {2}(\S+)$/m;

/** The banner comes after listen succeeded, so it may lag the first liveliness answer a little. */
async function waitForBanner(p: Proc): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!p.stdout().includes('=====\n', p.stdout().indexOf('API key:')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  expect(p.stdout()).toMatch(KEY_LINE);
}

/** Holds a port on loopback so that gatehouse cannot bind it. */
function occupyPort(): Promise<{ port: number; server: NetServer }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve({ port: addr.port, server });
      else reject(new Error('no port'));
    });
  });
}

// Commands that exit by themselves run concurrently; each one is bounded by run()'s time limit.
describe.concurrent('gatehouse check-config', () => {
  it('prints OK and exits 0 for a valid file', async () => {
    const file = writeFile(
      'good.yaml',
      [
        'model_list:',
        '  - model_name: gpt-4o',
        '    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY }',
        'litellm_settings:',
        '  default_team_params: { max_budget: 100, budget_duration: 30d, models: [gpt-4o] }',
        '',
      ].join('\n'),
    );
    const r = await run(['check-config', file], { OPENAI_API_KEY: 'sk-upstream' });
    expect(r).toEqual({ code: 0, stdout: `${file}: OK\n`, stderr: '' });
  });

  it('accepts the file through --config too, and prints warnings on stderr', async () => {
    const file = writeFile(
      'warn.yaml',
      'environment_variables: {}\ngeneral_settings:\n  master_key: sk-1234\n',
    );
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file}: OK\n`);
    expect(r.stderr).toBe(
      [
        'warning: environment_variables: not used by Gatehouse; ignored',
        'warning: master key is the well-known example value "sk-1234"; change it',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 for an invalid file and names every key path on stderr', async () => {
    const file = writeFile(
      'bad.yaml',
      [
        'litellm_settings:',
        '  default_team_params: { max_budget: 100, budget_duration: monthly }',
        'role_mapping:',
        '  rules:',
        '    - { group: admins, role: superuser }',
        '',
      ].join('\n'),
    );
    const r = await run(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        `Invalid configuration in ${file}:`,
        '  - litellm_settings.default_team_params.budget_duration: must be a duration like 30s, 15m, 24h, 30d, 1w or 1mo',
        '  - role_mapping.rules[0].role: must be one of proxy_admin, org_admin, proxy_admin_viewer, internal_user, internal_user_viewer',
        '',
      ].join('\n'),
    );
  });

  it('reports a missing environment variable and a YAML syntax error', async () => {
    const env = writeFile('env.yaml', 'general_settings:\n  master_key: os.environ/NOT_SET_HERE\n');
    const r1 = await run(['check-config', env]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(
      '  - general_settings.master_key: environment variable NOT_SET_HERE is not set\n',
    );
    const broken = writeFile('broken.yaml', 'sso:\n  connections: [\n');
    const r2 = await run(['check-config', broken]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^Invalid configuration in .*broken\.yaml:\n {2}- line \d+: /);
  });

  it('exits 1 for a missing file or no file at all', async () => {
    const missing = join(dir, 'missing.yaml');
    const r1 = await run(['check-config', missing]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toBe(`Invalid configuration in ${missing}:\n  - (root): file not found\n`);
    const r2 = await run(['check-config']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe(
      'check-config: no FILE given and no ./gatehouse.yaml here: gatehouse check-config FILE\n',
    );
  });
});

describe.concurrent('gatehouse command line', () => {
  it('exits 1 with the usage for an unknown command', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^unknown command "frobnicate"\n\nUsage: gatehouse <command>/);
    expect(r.stderr).toContain('check-config [FILE]');
  });

  it('exits 1 with the usage for an unknown option', async () => {
    const r = await run(['migrate', '--frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Unknown option '--frobnicate'");
    expect(r.stderr).toContain('Usage: gatehouse <command>');
  });

  it('prints the usage for --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: gatehouse <command> \[options\]\n/);
    expect(r.stdout).toContain('--port N');
  });

  it.each(['abc', '1e3', '0x10', '', '70000'])('rejects --port %j', async (port) => {
    const db = freshDb();
    const r = await run(['migrate', '--port', port], { DATABASE_URL: db });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`--port: "${port}" is not a port number\n`);
    expect(existsSync(db.slice('file:'.length))).toBe(false);
  });

  it('rejects an invalid PORT before touching the database', async () => {
    const db = freshDb();
    const r = await run(['migrate'], { DATABASE_URL: db, PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('  - env PORT: "eighty" is not a port number (0-65535)\n');
    expect(existsSync(db.slice('file:'.length))).toBe(false);
  });
});

// Not concurrent: it spawns twice in a row, and the machine may be busy.
describe('gatehouse check-config without FILE', () => {
  it('checks ./gatehouse.yaml when no file is named, as --help says', async () => {
    const cwd = join(dir, 'with-default');
    mkdirSync(cwd);
    writeFileSync(
      join(cwd, 'gatehouse.yaml'),
      'litellm_settings:\n  default_team_params: { budget_duration: monthly }\n',
    );
    const p = spawnGatehouse(['check-config'], childEnv({}), cwd);
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.stderr()).toContain(`Invalid configuration in ${join(cwd, 'gatehouse.yaml')}:`);
    expect(p.stderr()).toContain('default_team_params.budget_duration: must be a duration');
    writeFileSync(
      join(cwd, 'gatehouse.yaml'),
      'general_settings:\n  master_key: sk-cwd-key-0123\n',
    );
    const ok = spawnGatehouse(['check-config'], childEnv({}), cwd);
    expect((await ok.exited).code).toBe(0);
    expect(ok.stdout()).toBe('gatehouse.yaml: OK\n');
  });
});

describe('gatehouse migrate', () => {
  it('applies the migrations to a fresh SQLite file, then reports it up to date', async () => {
    const db = freshDb();
    const first = await run(['migrate'], { DATABASE_URL: db });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applied: 001_core(, \d{3}_[a-z0-9_]+)*\n$/);
    expect(existsSync(db.slice('file:'.length))).toBe(true);
    const second = await run(['migrate'], { DATABASE_URL: db });
    expect(second).toEqual({ code: 0, stdout: 'database is up to date\n', stderr: '' });
  });
});

describe('gatehouse start', () => {
  afterEach(killAll);

  it('prints a bootstrap admin key once; it works, and a restart does not mint another', async () => {
    const db = freshDb();
    const first = await startServer({ DATABASE_URL: db });
    const me = (key: string) => getJson(`${first.url}/api/v1/me`, key);
    await waitForBanner(first);
    const printed = [...first.stdout().matchAll(new RegExp(KEY_LINE, 'gm'))].map((m) => m[1]);
    expect(printed).toHaveLength(1);
    const key = printed[0] ?? '';
    expect(first.stdout().split(BANNER)).toHaveLength(2);
    const res = await me(key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ principal: 'api_key', role: 'proxy_admin' });
    expect((await me(`${key}x`)).status).toBe(401);
    // The break-glass password printed with it signs the admin in.
    const password = /^Password: (\S+)/m.exec(first.stdout())?.[1] ?? '';
    expect(password).not.toBe('');
    const login = (pw: string) =>
      fetch(`${first.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: pw }),
        signal: AbortSignal.timeout(5000),
      });
    expect((await login(password)).status).toBe(200);
    expect((await login(`${password}x`)).status).toBe(401);
    expect(await first.stop()).toBe(0);
    expect(first.stdout().split(key)).toHaveLength(2); // the key went to stdout exactly once
    expect(first.stderr()).not.toContain(key);

    const second = await startServer({ DATABASE_URL: db });
    const again = await getJson(`${second.url}/api/v1/me`, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ principal: 'api_key', role: 'proxy_admin' });
    expect(await second.stop()).toBe(0);
    expect(second.stdout()).not.toContain(BANNER);
    expect(second.stdout()).not.toMatch(KEY_LINE);
  });

  it('a first start that cannot bind its port (busy) prints no credentials, and the next start does', async () => {
    const db = freshDb();
    const busy = await occupyPort();
    try {
      const failed = await run(['start', '--port', String(busy.port)], { DATABASE_URL: db });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`cannot listen on port ${busy.port}: it is in use`);
      expect(failed.stdout).not.toContain(BANNER);
      expect(failed.stdout).not.toMatch(KEY_LINE);
    } finally {
      await new Promise((r) => busy.server.close(r));
    }
    // The failed start left the bootstrap undone: the next start prints credentials that work.
    const next = await startServer({ DATABASE_URL: db });
    await waitForBanner(next);
    const key = KEY_LINE.exec(next.stdout())?.[1] ?? '';
    const me = await getJson(`${next.url}/api/v1/me`, key);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: 'api_key', role: 'proxy_admin' });
    expect(await next.stop()).toBe(0);
  });

  it('prints no bootstrap key when GATEHOUSE_MASTER_KEY is set', async () => {
    const db = freshDb();
    const server = await startServer({ DATABASE_URL: db, GATEHOUSE_MASTER_KEY: MASTER_KEY });
    const me = await getJson(`${server.url}/api/v1/me`, MASTER_KEY);
    expect(me).toEqual({
      status: 200,
      body: {
        principal: 'master_key',
        key_id: null,
        key_purpose: null,
        session_id: null,
        role: 'proxy_admin',
        user: null,
        teams: [],
      },
    });
    const users = await getJson(`${server.url}/api/v1/users`, MASTER_KEY);
    expect(users.status).toBe(200);
    expect(users.body.data).toEqual([]); // no bootstrap admin was created either
    expect(await server.stop()).toBe(0);
    expect(server.stdout()).not.toContain(BANNER);
    expect(server.stdout()).not.toMatch(KEY_LINE);
  });
});
