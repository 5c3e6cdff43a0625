import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { type GatehouseProcess, killAllGatehouses, spawnGatehouse } from '../support/process.js';

/** The rule and group from the issue: 93 s of backtracking in JavaScript's engine. */
const EVIL = '^(a+)+$';
const GROUP_41 = `${'a'.repeat(40)}!`;

interface Preview {
  role: string;
  matched: { rule: number | string; matched: string }[];
  teams: { team: string }[];
  left_out?: string[];
}

const MASTER_KEY = 'sk-pattern-test-master-key-0123456789';

/** Resolves with the loopback URL once the child logs that it listens (port 0: any free port). */
function listening(p: GatehouseProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(p.stdout());
      if (m?.[1]) {
        p.child.stdout?.off('data', look);
        resolve(m[1]);
      }
    };
    p.child.stdout?.on('data', look);
    void p.exited.then(() => reject(new Error(`gatehouse exited early:\n${p.stderr()}`)));
  });
}

// A separate process, so that a stalled Gatehouse cannot stall the test runner too: the test
// then fails on its timeout instead of hanging with the server.
describe('catastrophic backtracking in an admin pattern (a real gatehouse process)', () => {
  let dir: string;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-pattern-'));
    const config = join(dir, 'gatehouse.yaml');
    writeFileSync(
      config,
      `role_mapping:\n  rules:\n    - { group_regex: "${EVIL}", role: proxy_admin }\n`,
    );
    const env: NodeJS.ProcessEnv = {
      GATEHOUSE_MASTER_KEY: MASTER_KEY,
      DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`,
      GATEHOUSE_LOG_LEVEL: 'info',
    };
    for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
      const v = process.env[k];
      if (v !== undefined) env[k] = v;
    }
    base = await listening(spawnGatehouse(['start', '--port', '0', '--config', config], env, dir));
  });
  afterAll(async () => {
    await killAllGatehouses();
    rmSync(dir, { recursive: true, force: true });
  });

  const preview = (groups: string[]) =>
    fetch(`${base}/api/v1/role-mapping/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ groups }),
    });

  it('the preview with ^(a+)+$ and a 41-character group answers, and /health/liveliness answers meanwhile', async () => {
    const pending = preview([GROUP_41]);
    // With a backtracking engine this probe waited the preview's 93 s.
    const probe = await fetch(`${base}/health/liveliness`);
    expect(probe.status).toBe(200);
    expect(await probe.json()).toEqual({ status: 'ok' });
    const res = await pending;
    expect(res.status).toBe(200);
    const body = (await res.json()) as Preview;
    expect(body.role).toBe('internal_user_viewer');
    expect(body.matched).toEqual([]);
  });

  it('groups at the preview’s length cap answer as well, and a matching group still matches', async () => {
    const [long, hit] = await Promise.all([
      preview([`${'a'.repeat(499)}!`, `${'a'.repeat(300)}b`]),
      preview(['aaaa']),
    ]);
    expect(((await long.json()) as Preview).matched).toEqual([]);
    const body = (await hit.json()) as Preview;
    expect(body.role).toBe('proxy_admin');
    expect(body.matched).toMatchObject([{ rule: 0, matched: 'group aaaa' }]);
  });
});

describe.each(dialects())('admin patterns RE2 cannot run are refused (%s)', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await testApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('PUT /api/v1/role-mapping refuses a pattern RE2 cannot run with a 422 naming the rule', async () => {
    const rules = [
      { group: 'a', role: 'internal_user' },
      { group: 'b', role: 'internal_user' },
      { group_regex: '^ok-', role: 'internal_user' },
      { group_regex: '^(?!contractors-)', role: 'proxy_admin' },
    ];
    const err = expectError(
      await t.call({ method: 'PUT', url: '/api/v1/role-mapping', payload: { rules } }),
      422,
      'validation_failed',
    );
    expect(err.message).toBe(
      'Invalid body: rules[3].group_regex: is not a pattern RE2 accepts (invalid or unsupported Perl syntax: `(?!`); RE2 has no backreferences or lookaround',
    );
    expect(err.details).toEqual([
      {
        path: 'rules[3].group_regex',
        message:
          'is not a pattern RE2 accepts (invalid or unsupported Perl syntax: `(?!`); RE2 has no backreferences or lookaround',
      },
    ]);
    const backref = expectError(
      await t.call({
        method: 'PUT',
        url: '/api/v1/role-mapping',
        payload: { rules: [{ group_regex: '^(\\w+)-\\1$', role: 'proxy_admin' }] },
      }),
      422,
      'validation_failed',
    );
    expect(backref.message).toContain('rules[0].group_regex: is not a pattern RE2 accepts');
    // Nothing was stored: the mapping in force is still the default.
    const now = expectStatus<{ rules: unknown[]; source: string }>(
      await t.call({ method: 'GET', url: '/api/v1/role-mapping' }),
      200,
    );
    expect(now).toMatchObject({ rules: [], source: 'default' });
  });

  it('the preview leaves out claim values over the sign-in cap and says so', async () => {
    expectStatus(
      await t.call({
        method: 'PUT',
        url: '/api/v1/role-mapping',
        payload: { rules: [{ claim: 'bio', contains: 'admin', role: 'proxy_admin' }] },
      }),
      200,
    );
    const body = expectStatus<Preview>(
      await t.call({
        method: 'POST',
        url: '/api/v1/role-mapping/preview',
        payload: { claims: { bio: `admin ${'x'.repeat(5000)}` } },
      }),
      200,
    );
    expect(body.role).toBe('internal_user_viewer');
    expect(body.left_out).toEqual(['claim bio: 1 value longer than 4096 characters']);
  });
});
