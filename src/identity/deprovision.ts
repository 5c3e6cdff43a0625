import type { Selectable } from 'kysely';
import { bool, int } from '../db/json.js';
import type { UsersTable } from '../db/schema.js';
import type { WriteScope } from './write.js';

/** Why keys were blocked by deactivation, so reactivation unblocks exactly those and no others. */
export const DEACTIVATION_REASON = 'user_deactivated';

/**
 * Deactivation and reactivation, inside the caller's transaction, whichever path asks (SCIM,
 * the API, the UI): the user's flag, their keys (blocked with a reason of their own, so that
 * reactivation restores exactly what deactivation blocked), their sessions (ended; they do not
 * come back), the caches (every affected key), and one audit event.
 */
export async function setActiveIn(
  s: WriteScope,
  row: Selectable<UsersTable>,
  active: boolean,
): Promise<void> {
  if (bool(row.active) === active) return;
  const affected = active
    ? await s.trx
        .updateTable('api_keys')
        .set({ blocked: 0, blocked_reason: null, updated_at: s.now })
        .where('user_id', '=', row.id)
        .where('blocked_reason', '=', DEACTIVATION_REASON)
        .returning('id')
        .execute()
    : await s.trx
        .updateTable('api_keys')
        .set({ blocked: 1, blocked_reason: DEACTIVATION_REASON, updated_at: s.now })
        .where('user_id', '=', row.id)
        .where('blocked', '=', 0)
        .returning('id')
        .execute();
  await s.trx
    .updateTable('users')
    .set({ active: int(active), deactivated_at: active ? null : s.now, updated_at: s.now })
    .where('id', '=', row.id)
    .execute();
  const sessions = active
    ? 0
    : Number(
        (
          await s.trx
            .updateTable('sessions')
            .set({ revoked_at: s.now })
            .where('user_id', '=', row.id)
            .where('revoked_at', 'is', null)
            .executeTakeFirst()
        ).numUpdatedRows,
      );
  // The owner's state is part of every cached key of theirs, blocked or not.
  s.changed({ kind: 'user', id: row.id });
  await s.audit({
    action: active ? 'user.reactivated' : 'user.deactivated',
    targetType: 'user',
    targetId: row.id,
    before: { active: bool(row.active) },
    after: {
      active,
      // Only keys this change blocked or unblocked: ones already blocked for another reason stay out.
      keys_affected: affected.length,
      sessions_revoked: sessions,
    },
  });
}
