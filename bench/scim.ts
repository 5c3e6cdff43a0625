// SCIM provisioning benchmark (`npm run bench:scim`): Gatehouse on a loopback port, driven over
// HTTP as an IdP drives it. Per database (SQLite file; PostgreSQL when BENCH_DATABASE_URL or
// TEST_DATABASE_URL is set, in a schema of its own):
//   1. provision 10,000 users, one POST /Users each, 8 in flight (Okta and Entra send in parallel);
//   2. a 10,000-member group: members added 100 per PATCH (as Entra batches them), then one PATCH
//      that replaces them all, then a GET of the whole group (streamed);
//   3. `userName eq` lookups (Entra's and Okta's per-user query) with 100,000 users in the table
//      (the 90,000 beyond phase 1 are inserted directly, as rows SCIM would have written).
// Prints a Markdown table; BENCH_JSON=path also writes the numbers as JSON.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Pool } from 'undici';
import { buildApp } from '../src/app.js';
import { fromObject } from '../src/config/load.js';
import { connect, type Db } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';

const MASTER = 'sk-bench-master-0123456789abcdef';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const DIRECTORY = Number(process.env.BENCH_DIRECTORY ?? 100_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 5_000);
const IN_FLIGHT = 8;
const BATCH = 100;

interface Row {
  dialect: string;
  step: string;
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);

/** Runs `n` calls with at most `inFlight` at once; returns per-call latencies (ms) and wall time. */
async function drive(n: number, inFlight: number, call: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return {
    latencies: latencies.sort((a, b) => a - b),
    seconds: (performance.now() - started) / 1000,
  };
}

function row(dialect: string, step: string, r: { latencies: number[]; seconds: number }): Row {
  return {
    dialect,
    step,
    requests: r.latencies.length,
    seconds: r.seconds,
    perSecond: r.latencies.length / r.seconds,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
  };
}

async function openDb(
  dialect: 'sqlite' | 'postgres',
): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const db = await connect(
      `file:${join(mkdtempSync(join(tmpdir(), 'gh-scim-bench-')), 'bench.db')}`,
    );
    return { db, drop: () => db.close() };
  }
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? '';
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db = await connect(url, { schema });
  return {
    db,
    drop: async () => {
      await db.close();
      const admin = await connect(url);
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
      await admin.close();
    },
  };
}

async function bench(dialect: 'sqlite' | 'postgres'): Promise<Row[]> {
  const { db, drop } = await openDb(dialect);
  await migrateToLatest(db);
  const { config } = fromObject(
    // Far above what the benchmark sends: it measures the work, not the limiter.
    { scim: { rate_limit: { requests_per_second: 100_000, burst: 100_000 } } },
    '(bench)',
    undefined,
    { env: { GATEHOUSE_MASTER_KEY: MASTER, DATABASE_URL: ':memory:' } },
  );
  const gh = await buildApp({
    config,
    db,
    logger: { level: 'warn', stream: createWriteStream('/dev/null') },
  });
  await gh.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = gh.app.server.address() as AddressInfo;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT });
  const made = await gh.app.inject({
    method: 'POST',
    url: '/api/v1/scim/tokens',
    headers: { authorization: `Bearer ${MASTER}` },
    payload: { name: 'bench' },
  });
  const { id: tokenId, token } = JSON.parse(made.body) as { id: string; token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  async function send(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<string> {
    const res = await pool.request({
      method,
      path: `/scim/v2${path}`,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300)
      throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
    return text;
  }
  const rows: Row[] = [];
  const ids: string[] = new Array(USERS);

  rows.push(
    row(
      dialect,
      `provision ${USERS} users (POST /Users, ${IN_FLIGHT} in flight)`,
      await drive(USERS, IN_FLIGHT, async (i) => {
        const text = await send('POST', '/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `user${i}@bench.example.com`,
          externalId: `ext-${i}`,
          name: { givenName: `Given${i}`, familyName: `Family${i}` },
          emails: [{ value: `user${i}@bench.example.com`, type: 'work', primary: true }],
          displayName: `User ${i}`,
          active: true,
        });
        ids[i] = (JSON.parse(text) as { id: string }).id;
      }),
    ),
  );

  const group = JSON.parse(
    await send('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Everyone',
    }),
  ) as { id: string };
  const patchOp = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
  rows.push(
    row(
      dialect,
      `add ${USERS} members, ${BATCH} per PATCH (sequential)`,
      await drive(Math.ceil(USERS / BATCH), 1, async (b) => {
        await send('PATCH', `/Groups/${group.id}`, {
          schemas: [patchOp],
          Operations: [
            {
              op: 'Add',
              path: 'members',
              value: ids.slice(b * BATCH, (b + 1) * BATCH).map((value) => ({ value })),
            },
          ],
        });
      }),
    ),
  );
  rows.push(
    row(
      dialect,
      `replace all ${USERS} members in one PATCH`,
      await drive(1, 1, async () => {
        await send('PATCH', `/Groups/${group.id}`, {
          schemas: [patchOp],
          Operations: [{ op: 'replace', path: 'members', value: ids.map((value) => ({ value })) }],
        });
      }),
    ),
  );
  rows.push(
    row(
      dialect,
      `GET the ${USERS}-member group (streamed)`,
      await drive(5, 1, async () => {
        const text = await send('GET', `/Groups/${group.id}`);
        if ((JSON.parse(text) as { members: unknown[] }).members.length !== USERS)
          throw new Error('group read back incomplete');
      }),
    ),
  );

  // Grow the directory to DIRECTORY users, as rows SCIM writes (users + scim_user_attributes).
  const at = new Date().toISOString();
  for (let start = USERS; start < DIRECTORY; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, DIRECTORY - start) }, (_, k) => {
      const i = start + k;
      return {
        id: `bulk-${i}`,
        user_name: `user${i}@bench.example.com`,
        user_name_normalized: `user${i}@bench.example.com`,
        email: `user${i}@bench.example.com`,
        email_normalized: `user${i}@bench.example.com`,
        display_name: `User ${i}`,
        given_name: `Given${i}`,
        family_name: `Family${i}`,
        external_id: `ext-${i}`,
        role: 'internal_user_viewer',
        role_source: 'default',
        source: `scim:${tokenId}`,
        active: 1,
        models: '[]',
        spend: 0,
        created_at: at,
        updated_at: at,
      };
    });
    await db.kysely.insertInto('users').values(batch).execute();
    await db.kysely
      .insertInto('scim_user_attributes')
      .values(
        batch.map((u) => ({
          user_id: u.id,
          attributes: JSON.stringify({ emails: [{ value: u.email, type: 'work', primary: true }] }),
          updated_at: at,
        })),
      )
      .execute();
  }
  if (dialect === 'postgres') await sql`analyze`.execute(db.kysely);
  else await sql`analyze`.execute(db.kysely);
  rows.push(
    row(
      dialect,
      `userName eq lookups at ${DIRECTORY} users (${IN_FLIGHT} in flight)`,
      await drive(LOOKUPS, IN_FLIGHT, async (i) => {
        const n = (i * 7919) % DIRECTORY;
        const text = await send(
          'GET',
          `/Users?filter=${encodeURIComponent(`userName eq "USER${n}@bench.example.com"`)}`,
        );
        if (!text.includes('"totalResults":1')) throw new Error(`lookup ${n} missed`);
      }),
    ),
  );
  await pool.close();
  await gh.app.close();
  await drop();
  return rows;
}

const dialects: ('sqlite' | 'postgres')[] = ['sqlite'];
if (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL) dialects.push('postgres');
const all: Row[] = [];
for (const d of dialects) all.push(...(await bench(d)));

const f = (n: number, digits = 1) => n.toFixed(digits);
console.log('| database | step | requests | seconds | requests/s | p50 ms | p99 ms |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of all)
  console.log(
    `| ${r.dialect} | ${r.step} | ${r.requests} | ${f(r.seconds)} | ${f(r.perSecond, 0)} | ${f(r.p50)} | ${f(r.p99)} |`,
  );
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(all, null, 2));
