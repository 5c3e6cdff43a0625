import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/process.js';

/**
 * `npm start` as a user (or a container runtime) runs it: npm runs the script through `sh -c`,
 * and a signal sent to npm alone must still stop the server. npm forwards SIGTERM to its direct
 * child only, so a shell that forks the server instead of becoming it leaves the server running
 * with nobody to stop it.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MASTER_KEY = 'sk-npm-start-test-master-key-0123456789';

let dir: string;
const started: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-npm-start-'));
});
afterAll(() => {
  // Whatever this test started and is still alive (the server, if the signal did not reach it).
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Every process below `pid`, read from /proc (the shell and the server npm started). */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const live = (url: string) =>
  fetch(`${url}/health/liveliness`, { signal: AbortSignal.timeout(1000) })
    .then((r) => r.status === 200)
    .catch(() => false);

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} sent to npm alone stops the server it started`, async () => {
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        DATABASE_URL: `file:${join(dir, `${signal}.db`)}`,
        GATEHOUSE_MASTER_KEY: MASTER_KEY,
        GATEHOUSE_LOG_LEVEL: 'warn',
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
      };
      // prestart builds dist/ first, exactly as a user's `npm start` does.
      const npm = spawn('npm', ['start', '--', '--port', String(port)], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (npm.pid) started.push(npm.pid);
      let output = '';
      npm.stdout?.setEncoding('utf8').on('data', (d: string) => {
        output += d;
      });
      npm.stderr?.setEncoding('utf8').on('data', (d: string) => {
        output += d;
      });
      const exited = exitOf(npm);
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 100_000;
      while (!gone && !(await live(url)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await live(url), `npm start did not come up:\n${output}`).toBe(true);
      const below = descendants(npm.pid ?? 0);
      started.push(...below);
      expect(below.length).toBeGreaterThan(0);

      npm.kill(signal); // npm alone, as `docker stop` or `kill <pid>` would
      const limit = new Promise<'still running'>((r) =>
        setTimeout(() => r('still running'), 30_000).unref(),
      );
      const result = await Promise.race([exited, limit]);
      expect(result, `npm did not exit after ${signal}:\n${output}`).toEqual({
        code: 0,
        signal: null,
      });
      // The server is gone too: nothing answers on its port, no process below npm survives.
      expect(await live(url)).toBe(false);
      const survivors = below.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(survivors).toEqual([]);
    }, 150_000);
  }
});
