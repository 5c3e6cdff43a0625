import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { guardedDialect } from './tx-guard.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Human-readable target without credentials, for logs. */
  describe: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** PostgreSQL only: use (and create) this schema instead of `public`. Tests isolate themselves with it. */
  schema?: string;
}

function sqlitePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

/** Keeps the user name, drops any password, for log lines. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = u.password ? '***' : '';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export async function connect(url: string, opts: ConnectOptions = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    // int8 (audit ids, counts) as JS numbers; our values stay far below 2^53.
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
    };
    const schema = opts.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new Error(`invalid schema name ${schema}`);
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      types,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // A pool error (e.g. server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const kysely = new Kysely<Database>({ dialect: guardedDialect(new PostgresDialect({ pool })) });
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(kysely);
    return {
      kysely,
      dialect: 'postgres',
      describe: redactUrl(url) + (schema ? ` (schema ${schema})` : ''),
      close: () => kysely.destroy(),
    };
  }
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  // FULL: a write acknowledged to a client survives power loss, not just a process crash.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: guardedDialect(new SqliteDialect({ database })) });
  return { kysely, dialect: 'sqlite', describe: `sqlite:${path}`, close: () => kysely.destroy() };
}
