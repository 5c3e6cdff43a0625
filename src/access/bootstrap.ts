import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../db/errors.js';
import { isAppError } from '../errors/catalogue.js';
import { SYSTEM } from '../identity/actor.js';
import type { UsersService } from '../identity/users.js';
import { type ServiceContext, write } from '../identity/write.js';
import type { KeysService } from '../keys/keys.js';
import { generatePassword, hashPassword } from './passwords.js';

const FLAG = 'bootstrap.completed';

export interface BootstrapCredentials {
  userName: string;
  userId: string;
  /** For the break-glass login (POST /auth/login, the UI). */
  password: string;
  key: string;
}

/**
 * First start with no master key: create one proxy_admin with an API key, printed once by the
 * caller. Never runs again once done (or once any proxy_admin exists), so a restart cannot mint
 * a second admin.
 */
export async function bootstrapAdmin(deps: {
  ctx: ServiceContext;
  users: Pick<UsersService, 'create'>;
  keys: Pick<KeysService, 'create'>;
}): Promise<BootstrapCredentials | null> {
  const { ctx } = deps;
  if (ctx.config.masterKey) return null;
  const db = ctx.db.kysely;
  const done = await db
    .selectFrom('settings')
    .select('key')
    .where('key', '=', FLAG)
    .executeTakeFirst();
  if (done) return null;
  const admin = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'proxy_admin')
    .executeTakeFirst();
  if (admin) return null;
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const userId = randomUUID();
  try {
    return await write(ctx, { ...SYSTEM, id: 'bootstrap' }, async (s) => {
      // The flag goes in first: when two instances bootstrap at once, the second one's insert
      // of the same key fails and it backs off, instead of minting a second admin.
      await s.trx
        .insertInto('settings')
        .values({
          key: FLAG,
          value: JSON.stringify({ user_id: userId }),
          updated_at: s.now,
          updated_by: 'bootstrap',
        })
        .execute();
      await deps.users.create(s, {
        id: userId,
        user_name: 'admin',
        display_name: 'Bootstrap admin',
        role: 'proxy_admin',
        source: 'bootstrap',
        password_hash: passwordHash,
        // The admin is not an ordinary user: default_internal_user_params must not narrow it.
        models: [],
        max_budget: null,
        budget_duration: null,
      });
      const key = await deps.keys.create(s, {
        user_id: userId,
        name: 'bootstrap admin key',
        purpose: 'management',
      });
      return { userName: 'admin', userId, password, key: key.key };
    });
  } catch (e) {
    if (isUniqueViolation(e) || (isAppError(e) && e.code === 'conflict')) return null;
    throw e;
  }
}
