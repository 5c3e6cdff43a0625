import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { connect, type Db, type Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/**
 * SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). Suites run once per
 * entry with `describe.each(dialects())`.
 */
export function dialects(): Dialect[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDb extends Db {
  /** Drops what the test created (the PostgreSQL schema) and closes the pool. */
  dispose(): Promise<void>;
}

/**
 * Kysely's migrator reads the catalog of every schema (`has_schema_privilege(nspname, …)`), so
 * another test file dropping its own schema at that moment fails our migration with
 * "schema t_… does not exist" (3F000) naming *their* schema. Only that race is retried.
 */
async function migrateWhileOthersDrop(db: Db, ours: string | undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db);
      return;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const theirs = cause?.code === '3F000' && !cause.message?.includes(`"${ours}"`);
      if (!theirs || attempt >= 5) throw e;
    }
  }
}

/** A fresh, migrated database: in-memory SQLite, or a PostgreSQL schema of its own. */
export async function testDb(dialect: Dialect, opts: { migrate?: boolean } = {}): Promise<TestDb> {
  let db: Db;
  let schema: string | undefined;
  if (dialect === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_DATABASE_URL is not set');
    schema = `t_${randomBytes(6).toString('hex')}`;
    db = await connect(url, { schema });
  } else {
    db = await connect(':memory:');
  }
  if (opts.migrate !== false) await migrateWhileOthersDrop(db, schema);
  return {
    ...db,
    async dispose() {
      await db.close().catch(() => undefined); // a test may already have closed it
      if (schema) {
        // A separate connection, so clean-up works even when the test broke its own pool.
        const admin = await connect(process.env.TEST_DATABASE_URL ?? '');
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
        await admin.close();
      }
    },
  };
}
