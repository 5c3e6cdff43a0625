import type { Kysely } from 'kysely';
import { readJson } from '../db/json.js';
import type { Database } from '../db/schema.js';
import type { WriteScope } from '../identity/write.js';
import type { Json } from './connection-secrets.js';

/** One row of `sso_connections`: settings in clear, secrets sealed (see connection-secrets.ts). */
export interface StoredConnection {
  id: string;
  type: string;
  settings: Json;
  /** Secret field path → sealed value. */
  sealed: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
}

type Row = Database['sso_connections'];

function fromRow(r: Row): StoredConnection {
  return {
    id: r.id,
    type: r.type,
    settings: readJson<Json>(r.settings, 'sso_connections.settings') ?? {},
    sealed: readJson<Record<string, string>>(r.secrets, 'sso_connections.secrets') ?? {},
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    createdBy: r.created_by,
    updatedBy: r.updated_by,
  };
}

/** SQL for connections made through the API. Reads on the pool; writes in the caller's scope. */
export function connectionStore(db: Kysely<Database>) {
  return {
    async list(): Promise<StoredConnection[]> {
      const rows = await db
        .selectFrom('sso_connections')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(fromRow);
    },

    async get(id: string): Promise<StoredConnection | null> {
      const row = await db
        .selectFrom('sso_connections')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    /** The row as the caller's transaction sees it (for updates and their audit trail). */
    async getIn(s: WriteScope, id: string): Promise<StoredConnection | null> {
      const row = await s.trx
        .selectFrom('sso_connections')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    /** Every sealed value, for the start-up check that they can be opened. */
    async sealedValues(): Promise<{ id: string; path: string; value: string }[]> {
      const rows = await db.selectFrom('sso_connections').select(['id', 'secrets']).execute();
      return rows.flatMap((r) =>
        Object.entries(
          readJson<Record<string, string>>(r.secrets, 'sso_connections.secrets') ?? {},
        ).map(([path, value]) => ({ id: r.id, path, value })),
      );
    },

    /** Throws the driver's unique violation when the id is taken. */
    async insert(
      s: WriteScope,
      c: { id: string; type: string; settings: Json; sealed: Record<string, string> },
    ): Promise<void> {
      const by = s.actor.id ?? s.actor.type;
      await s.trx
        .insertInto('sso_connections')
        .values({
          id: c.id,
          type: c.type,
          settings: JSON.stringify(c.settings),
          secrets: JSON.stringify(c.sealed),
          created_at: s.now,
          updated_at: s.now,
          created_by: by,
          updated_by: by,
        })
        .execute();
    },

    async update(
      s: WriteScope,
      id: string,
      c: { settings: Json; sealed: Record<string, string> },
    ): Promise<boolean> {
      const r = await s.trx
        .updateTable('sso_connections')
        .set({
          settings: JSON.stringify(c.settings),
          secrets: JSON.stringify(c.sealed),
          updated_at: s.now,
          updated_by: s.actor.id ?? s.actor.type,
        })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async remove(s: WriteScope, id: string): Promise<boolean> {
      const r = await s.trx.deleteFrom('sso_connections').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type ConnectionStore = ReturnType<typeof connectionStore>;
