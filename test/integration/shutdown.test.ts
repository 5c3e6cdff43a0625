import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { dialects } from '../support/db.js';
import {
  freePort,
  type GatehouseProcess,
  killAllGatehouses,
  spawnGatehouse,
  stopProcess,
} from '../support/process.js';

/**
 * SIGTERM on a real server under write load: every write the server acknowledged (201) must be
 * in the database afterwards, and the server must stop taking new work once it is shutting down.
 */
const MASTER_KEY = 'sk-shutdown-test-master-key-0123456789';
const WORKERS = 8;
/** Acknowledged writes to collect before the signal, so the test means something. */
const BEFORE_SIGNAL = 40;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-shutdown-'));
});
afterEach(killAllGatehouses);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Target {
  url: string;
  dispose(): Promise<void>;
}

/** A database of its own: a SQLite file, or a fresh PostgreSQL database (a URL cannot name a schema). */
async function freshDatabase(dialect: string): Promise<Target> {
  if (dialect === 'sqlite') {
    return {
      url: `file:${join(dir, `${randomBytes(4).toString('hex')}.db`)}`,
      dispose: async () => {},
    };
  }
  const admin = process.env.TEST_DATABASE_URL ?? '';
  const name = `gh_shutdown_${randomBytes(6).toString('hex')}`;
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await query(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dispose: () => query(`drop database if exists ${name} with (force)`),
  };
}

interface Server extends GatehouseProcess {
  base: string;
}

async function startServer(databaseUrl: string): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = spawnGatehouse(
      ['start', '--port', String(port)],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? dir,
        DATABASE_URL: databaseUrl,
        GATEHOUSE_MASTER_KEY: MASTER_KEY,
        GATEHOUSE_LOG_LEVEL: 'info', // the shutdown log lines are asserted
      },
      dir,
    );
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while (!p.isExited() && Date.now() < deadline) {
      const ok = await fetch(`${base}/health/readiness`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        return { ...p, base };
      }
      await sleep(100);
    }
    await stopProcess(p.child, 'SIGKILL');
    await p.exited;
    if (attempt < 3 && p.stderr().includes('EADDRINUSE')) continue;
    return expect.fail(`gatehouse did not become ready on ${base}:\n${p.stdout()}\n${p.stderr()}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A GET on a brand-new connection: its status, or the connection error's code. */
function probe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/**
 * A create request whose headers are sent but whose body is held back: it is in flight at the
 * server (routed, waiting for its body) until `finish()`. Identified in the log by its request id.
 */
function heldCreate(base: string, name: string, requestId: string) {
  const body = JSON.stringify({ name });
  let finish = () => {};
  const result = new Promise<{ status: number | string; text: string }>((resolve) => {
    const req = request(
      new URL('/api/v1/teams', base),
      {
        method: 'POST',
        agent: false,
        timeout: 20_000,
        headers: {
          authorization: `Bearer ${MASTER_KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-request-id': requestId,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ status: e.code ?? e.message, text }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ status: e.code ?? e.message, text: '' }),
    );
    req.write(body.slice(0, 3));
    finish = () => req.end(body.slice(3));
  });
  return { result, finish: () => finish() };
}

async function waitFor(what: string, ok: () => boolean, until: number): Promise<void> {
  while (!ok()) {
    if (Date.now() > until) expect.fail(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/**
 * The JSON log lines. Pino writes asynchronously and the server ends with process.exit(), which
 * writes what is still buffered synchronously while an earlier chunk may still be in flight: the
 * last lines can arrive out of order (or that chunk cut short), so order is not asserted and a
 * line that does not parse is skipped.
 */
function logLines(stdout: string): { msg?: string; level?: number }[] {
  const out: { msg?: string; level?: number }[] = [];
  for (const line of stdout.split('\n')) {
    try {
      out.push(JSON.parse(line) as { msg?: string; level?: number });
    } catch {
      // not a log line, or a cut one
    }
  }
  return out;
}

describe.each(dialects())('graceful shutdown under write load (%s)', (dialect) => {
  let db: Target;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('loses no acknowledged write and refuses new work once SIGTERM is received', async () => {
    const server = await startServer(db.url);
    const acked = new Map<string, string>(); // team id → name
    const outcomes = { created: 0, unavailable: 0, connectionErrors: 0, other: [] as string[] };
    let signalled = false;
    let ackedAfterSignal = 0;
    const stopBy = Date.now() + 45_000;

    const worker = async (w: number) => {
      for (let i = 0; !server.isExited() && Date.now() < stopBy; i++) {
        const name = `shutdown-${w}-${i}`;
        let status: number;
        let text: string;
        try {
          const res = await fetch(`${server.base}/api/v1/teams`, {
            method: 'POST',
            headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name }),
            signal: AbortSignal.timeout(10_000),
          });
          status = res.status;
          text = await res.text();
        } catch {
          // Connection refused/reset or a response cut off: the write was never acknowledged.
          outcomes.connectionErrors++;
          await sleep(5);
          continue;
        }
        if (status === 201) {
          const team = JSON.parse(text) as { id: string; name: string };
          expect(team.name).toBe(name);
          expect(acked.has(team.id)).toBe(false);
          acked.set(team.id, name);
          outcomes.created++;
          if (signalled) ackedAfterSignal++;
        } else if (status === 503) {
          outcomes.unavailable++;
        } else {
          outcomes.other.push(`${status} ${text}`);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    // Let the load build up; then hold one request open so the server is, for certain, still
    // draining while the probes below run; then signal while the workers' requests are in flight.
    await waitFor('the first acknowledged writes', () => acked.size >= BEFORE_SIGNAL, stopBy);
    const heldName = `held-${dialect}`;
    const held = heldCreate(server.base, heldName, `held-${dialect}`);
    await waitFor(
      'the held request to reach the server',
      () => server.stdout().includes(`"reqId":"held-${dialect}"`),
      stopBy,
    );
    signalled = true;
    const ackedAtSignal = acked.size;
    server.child.kill('SIGTERM');

    // Once it says it is shutting down, a new connection is refused or answered 503.
    await waitFor('the shutdown to begin', () => server.stdout().includes('shutting down'), stopBy);
    const probes: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      probes.push(await probe(`${server.base}/health/liveliness`));
      await sleep(20);
    }
    expect(server.isExited(), 'exited with a request still in flight').toBe(false);

    // The request accepted before the signal is still served, and acknowledged.
    held.finish();
    const heldResult = await held.result;
    expect(heldResult.status, heldResult.text).toBe(201);
    const heldTeam = JSON.parse(heldResult.text) as { id: string; name: string };
    expect(heldTeam.name).toBe(heldName);
    acked.set(heldTeam.id, heldName);
    outcomes.created++;

    const { code, signal } = await server.exited;
    probes.push(await probe(`${server.base}/health/liveliness`)); // and after it has gone
    await Promise.all(workers);

    expect({ code, signal }, server.stderr()).toEqual({ code: 0, signal: null });
    const lines = logLines(server.stdout());
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('shutting down: no new connections, finishing in-flight requests');
    expect(messages).toContain('shutdown complete');
    expect(lines.filter((l) => (l.level ?? 0) >= 50)).toEqual([]); // no error logged
    expect(outcomes.other).toEqual([]);
    const refused: (number | string)[] = ['ECONNREFUSED', 'ECONNRESET', 503];
    expect(
      probes.filter((p) => !refused.includes(p)),
      'probes answered after SIGTERM',
    ).toEqual([]);
    expect(acked.size).toBe(outcomes.created);
    expect(acked.size).toBeGreaterThan(20);

    const check = await connect(db.url);
    try {
      const ids = [...acked.keys()];
      const found = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await check.kysely
          .selectFrom('teams')
          .select(['id', 'name'])
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const r of rows) found.set(r.id, r.name);
      }
      const missing = ids.filter((id) => found.get(id) !== acked.get(id));
      expect(missing, 'acknowledged teams missing after shutdown').toEqual([]);
    } finally {
      await check.close();
    }
    console.info(
      `[shutdown ${dialect}] acknowledged ${acked.size} (${ackedAtSignal} before SIGTERM, ` +
        `${ackedAfterSignal} after), 503: ${outcomes.unavailable}, ` +
        `connection errors: ${outcomes.connectionErrors}, probes: ${probes.join(' ')}`,
    );
  }, 90_000);
});
