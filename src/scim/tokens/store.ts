import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, ScimTokensTable } from '../../db/schema.js';
import { notFound } from '../../errors/catalogue.js';
import type { WriteScope } from '../../identity/write.js';
import { hashSecret } from '../../keys/secret.js';
import { LAST_USED_EVERY_MS, lastUsedDue, newScimSecret, previewScimSecret } from './rules.js';

/** A SCIM token as the management API shows it: never the secret, nor its hash. */
export interface ScimToken {
  id: string;
  name: string;
  /** Users and memberships it provisions have the source `scim:<directory_id>`. */
  directory_id: string;
  token_preview: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Who a SCIM request acts as, once its token is known. */
export interface ScimPrincipal {
  tokenId: string;
  directoryId: string;
  name: string;
}

export type ScimAuthResult =
  | { ok: true; principal: ScimPrincipal }
  | { ok: false; reason: 'unknown' | 'revoked' };

export interface CreateTokenInput {
  name: string;
  /** The id of a token this one replaces: the new one provisions for the same directory. */
  rotates?: string | undefined;
}

export interface ScimTokenStore {
  create(s: WriteScope, input: CreateTokenInput): Promise<{ token: ScimToken; secret: string }>;
  list(): Promise<ScimToken[]>;
  /** Revoked at once: the next request with it is a 401. Already revoked: nothing happens. */
  revoke(s: WriteScope, id: string): Promise<void>;
  /** One indexed lookup by the secret's SHA-256; moves `last_used_at` at most once a minute. */
  authenticate(secret: string): Promise<ScimAuthResult>;
}

const view = (r: Selectable<ScimTokensTable>): ScimToken => ({
  id: r.id,
  name: r.name,
  directory_id: r.directory_id,
  token_preview: r.token_preview,
  created_by: r.created_by,
  created_at: r.created_at,
  last_used_at: r.last_used_at,
  revoked_at: r.revoked_at,
});

export function scimTokenStore(db: Kysely<Database>, now: () => Date): ScimTokenStore {
  return {
    async create(s, input) {
      let directory: string | undefined;
      if (input.rotates !== undefined) {
        const old = await s.trx
          .selectFrom('scim_tokens')
          .select('directory_id')
          .where('id', '=', input.rotates)
          .executeTakeFirst();
        if (!old) throw notFound('SCIM token', input.rotates);
        directory = old.directory_id;
      }
      const id = randomUUID();
      const secret = newScimSecret();
      const row = {
        id,
        directory_id: directory ?? id,
        name: input.name,
        token_hash: hashSecret(secret),
        token_preview: previewScimSecret(secret),
        created_by: s.actor.id,
        created_at: s.now,
        last_used_at: null,
        revoked_at: null,
      };
      await s.trx.insertInto('scim_tokens').values(row).execute();
      const token = view(row);
      await s.audit({
        action: 'scim_token.created',
        targetType: 'scim_token',
        targetId: id,
        after: { ...token, ...(input.rotates ? { rotates: input.rotates } : {}) },
      });
      return { token, secret };
    },

    async list() {
      const rows = await db
        .selectFrom('scim_tokens')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(view);
    },

    async revoke(s, id) {
      const row = await s.trx
        .selectFrom('scim_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('SCIM token', id);
      if (row.revoked_at !== null) return;
      await s.trx
        .updateTable('scim_tokens')
        .set({ revoked_at: s.now })
        .where('id', '=', id)
        .execute();
      await s.audit({
        action: 'scim_token.revoked',
        targetType: 'scim_token',
        targetId: id,
        before: view(row),
        after: { revoked_at: s.now },
      });
    },

    async authenticate(secret) {
      // The lookup is by the secret's hash: equal hashes are the only match, so no comparison of
      // the secret itself can leak how much of it was right.
      const row = await db
        .selectFrom('scim_tokens')
        .select(['id', 'directory_id', 'name', 'last_used_at', 'revoked_at'])
        .where('token_hash', '=', hashSecret(secret))
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
      const at = now();
      if (lastUsedDue(row.last_used_at, at)) {
        // Conditional, so instances racing on one token write it once a minute between them.
        const cutoff = new Date(at.getTime() - LAST_USED_EVERY_MS).toISOString();
        await db
          .updateTable('scim_tokens')
          .set({ last_used_at: at.toISOString() })
          .where('id', '=', row.id)
          .where((eb) =>
            eb.or([
              eb('last_used_at', 'is', null),
              eb('last_used_at', '<=', cutoff),
              eb('last_used_at', '>', at.toISOString()),
            ]),
          )
          .execute();
      }
      return {
        ok: true,
        principal: { tokenId: row.id, directoryId: row.directory_id, name: row.name },
      };
    },
  };
}
