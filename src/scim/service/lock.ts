import { sql } from 'kysely';
import type { Dialect } from '../../db/connect.js';
import type { WriteScope } from '../../identity/write.js';

/**
 * Serialises writes to one user or team for the rest of the transaction. Entra sends PATCHes
 * for one group in parallel: each reads the current state (version, members) and must see the
 * other's result, so on PostgreSQL the row is locked before it is read. SQLite has one writer
 * at a time already.
 */
export async function lockRow(
  s: WriteScope,
  dialect: Dialect,
  table: 'users' | 'teams',
  id: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select 1 from ${sql.table(table)} where id = ${id} for update`.execute(s.trx);
}
