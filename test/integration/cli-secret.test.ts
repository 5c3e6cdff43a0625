import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type GatehouseProcess,
  killAllGatehouses,
  spawnGatehouse,
} from '../support/process.js';

/**
 * `gatehouse start` and the secret that seals stored connection secrets: generated on first
 * start beside a SQLite database and said so, and a refusal to start when stored secrets exist
 * but their secret is gone.
 */
const MASTER_KEY = 'sk-cli-secret-master-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'gh-cli-secret-'));
afterAll(async () => {
  await killAllGatehouses();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GATEHOUSE_LOG_LEVEL: 'warn',
  GATEHOUSE_MASTER_KEY: MASTER_KEY,
  DATABASE_URL: `file:${join(dir, 'data', 'gatehouse.db')}`,
  ...extra,
});

async function live(p: GatehouseProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !p.isExited()) {
    const ok = await fetch(`${url}/health/liveliness`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function start(): Promise<{ p: GatehouseProcess; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = spawnGatehouse(['start', '--port', String(port)], env(), dir);
    const url = `http://127.0.0.1:${port}`;
    if (await live(p, url)) return { p, url };
    p.child.kill('SIGKILL');
    await p.exited;
    if (attempt < 3 && p.stderr().includes('EADDRINUSE')) continue;
    return expect.fail(`gatehouse did not start:\n${p.stdout()}\n${p.stderr()}`);
  }
}

describe('the secret for stored secrets, at start', () => {
  it('is generated beside the SQLite database on first start (0600, logged), and needed afterwards', async () => {
    const first = await start();
    const secretFile = join(dir, 'data', 'gatehouse.secret');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(first.p.stdout()).toContain(`generated one in ${secretFile} (mode 0600)`);
    const res = await fetch(`${first.url}/api/v1/sso/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'okta',
        type: 'oidc',
        issuer: 'https://acme.okta.com/oauth2/default',
        client_id: '0oa1',
        client_secret: 'stored-through-the-api',
      }),
    });
    expect(res.status).toBe(201);
    first.p.child.kill('SIGTERM');
    expect((await first.p.exited).code).toBe(0);

    unlinkSync(secretFile);
    // Without its secret file, a new one would be generated, and it opens nothing stored.
    const second = spawnGatehouse(['start', '--port', String(await freePort())], env(), dir);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr()).toContain(
      'gatehouse: not starting: Connection secrets in the database',
    );
    expect(second.stderr()).not.toContain('    at ');
    expect(second.stdout() + second.stderr()).not.toContain('stored-through-the-api');
    // The secret it generated for itself is not left behind to confuse the next start.
    expect(existsSync(secretFile)).toBe(false);
  });
});
