import { randomUUID } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { GlobalRole } from '../config/roles.js';
import { isUniqueViolation } from '../db/errors.js';
import { int } from '../db/json.js';
import type { UsersTable } from '../db/schema.js';
import { conflict, invalid } from '../errors/catalogue.js';
import { type BudgetInput, budgetPatch, withDefaults } from './budget.js';
import { setActiveIn } from './deprovision.js';
import { afterPosition, decodeCursor, type Page, toPage } from './pagination.js';
import {
  claimLoginNames,
  loginTaken,
  normalizeLogin,
  type RoleSource,
  requireUserRow,
  toUser,
  type User,
} from './user-rows.js';
import type { Visibility } from './visibility.js';
import type { ServiceContext, WriteScope } from './write.js';

export type { RoleSource, User } from './user-rows.js';

export interface CreateUserInput extends BudgetInput {
  id?: string | undefined;
  email?: string | null | undefined;
  user_name?: string | null | undefined;
  display_name?: string | null | undefined;
  given_name?: string | null | undefined;
  family_name?: string | null | undefined;
  role?: GlobalRole | undefined;
  role_source?: RoleSource | undefined;
  active?: boolean | undefined;
  /** `manual` (API/UI), `sso:<connection>`, `scim:<directory>`, `bootstrap`. */
  source?: string | undefined;
  external_id?: string | null | undefined;
  password_hash?: string | null | undefined;
}

export type UpdateUserInput = Omit<CreateUserInput, 'id' | 'source' | 'password_hash'>;

/** What an IdP asserts about a person (SSO sign-in, SCIM): attributes, never access. */
export interface ProfilePatch {
  email?: string | null | undefined;
  user_name?: string | null | undefined;
  display_name?: string | null | undefined;
  given_name?: string | null | undefined;
  family_name?: string | null | undefined;
  external_id?: string | null | undefined;
}

export interface ProfileOptions {
  /** Who asserts it: `sso:<connection>`, `scim:<token>`; recorded in the audit event. */
  source: string;
  /**
   * An email or user name someone else holds: `refuse` (409, SCIM must be told) or `keep` the
   * old value (a sign-in must not fail, nor take another person's address).
   */
  onTaken: 'refuse' | 'keep';
}

export interface PasswordRehash {
  from: string;
  to: string;
  /** What each hash is made with (algorithm and cost, nothing secret), for the audit log. */
  fromParams: string;
  toParams: string;
}

export interface UserQuery {
  limit: number;
  cursor?: string | undefined;
  email?: string | undefined;
  user_name?: string | undefined;
  role?: GlobalRole | undefined;
  active?: boolean | undefined;
  team_id?: string | undefined;
}

/** Users: the only code that writes the `users` table. Mutations run in the caller's scope. */
export interface UsersService {
  create(s: WriteScope, input: CreateUserInput): Promise<User>;
  get(id: string): Promise<User>;
  list(q: UserQuery, visible?: Visibility | null): Promise<Page<User>>;
  update(s: WriteScope, id: string, patch: UpdateUserInput): Promise<User>;
  /** The one profile-update path SSO and SCIM share; audited with before/after of what changed. */
  updateProfile(
    s: WriteScope,
    id: string,
    patch: ProfilePatch,
    opts: ProfileOptions,
  ): Promise<{ user: User; changed: string[] }>;
  /** Sets or clears the local (break-glass) password; every session of the user ends. */
  setPassword(s: WriteScope, id: string, passwordHash: string | null): Promise<void>;
  /**
   * Swaps a password hash for a stronger hash of the same password (after a successful login):
   * sessions stay. Only while the stored hash is still `from`, so a password changed meanwhile
   * is never overwritten; returns whether it swapped.
   */
  rehashPassword(s: WriteScope, id: string, rehash: PasswordRehash): Promise<boolean>;
  setActive(s: WriteScope, id: string, active: boolean): Promise<User>;
  remove(s: WriteScope, id: string): Promise<void>;
}

const PROFILE_FIELDS = [
  'email',
  'user_name',
  'display_name',
  'given_name',
  'family_name',
  'external_id',
] as const;

const trimmed = (v: string | null | undefined): string | null | undefined =>
  v === undefined ? undefined : v === null ? null : v.trim() || null;

export function usersService(ctx: ServiceContext): UsersService {
  const db = ctx.db.kysely;
  const dialect = ctx.db.dialect;

  /** Columns for the profile fields present in the patch, with login names checked. */
  async function profileColumns(
    s: WriteScope,
    id: string,
    before: { email_normalized: string | null; user_name_normalized: string | null },
    patch: ProfilePatch,
  ): Promise<Updateable<UsersTable>> {
    const email = trimmed(patch.email);
    const userName = trimmed(patch.user_name);
    const finalEmail = email === undefined ? before.email_normalized : email;
    const finalName = userName === undefined ? before.user_name_normalized : userName;
    if (!finalEmail && !finalName) throw invalid('a user needs an email or a user_name');
    await claimLoginNames(
      s,
      dialect,
      {
        email: email ? normalizeLogin(email) : undefined,
        userName: userName ? normalizeLogin(userName) : undefined,
      },
      id,
    );
    const set: Updateable<UsersTable> = {};
    if (email !== undefined) {
      set.email = email;
      set.email_normalized = email === null ? null : normalizeLogin(email);
    }
    if (userName !== undefined) {
      set.user_name = userName;
      set.user_name_normalized = userName === null ? null : normalizeLogin(userName);
    }
    for (const k of ['display_name', 'given_name', 'family_name', 'external_id'] as const) {
      if (patch[k] !== undefined) set[k] = patch[k];
    }
    return set;
  }

  async function writeRow(s: WriteScope, id: string, set: Updateable<UsersTable>) {
    try {
      await s.trx.updateTable('users').set(set).where('id', '=', id).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('the email or user name is already in use');
      throw e;
    }
  }

  return {
    async create(s, input) {
      const email = trimmed(input.email) ?? null;
      const userName = trimmed(input.user_name) ?? null;
      if (!email && !userName) throw invalid('a user needs an email or a user_name');
      const emailNorm = email ? normalizeLogin(email) : null;
      const nameNorm = userName ? normalizeLogin(userName) : null;
      // One person may use the same value as both email and user name.
      await claimLoginNames(s, dialect, {
        email: emailNorm,
        userName: nameNorm === emailNorm ? null : nameNorm,
      });
      const d = ctx.config.defaultUserParams;
      if (input.id !== undefined) {
        const taken = await s.trx
          .selectFrom('users')
          .select('id')
          .where('id', '=', input.id)
          .executeTakeFirst();
        if (taken) throw conflict(`a user with id '${input.id}' already exists`);
      }
      const id = input.id ?? randomUUID();
      const active = input.active ?? true;
      const row = {
        id,
        email,
        email_normalized: emailNorm,
        user_name: userName,
        user_name_normalized: nameNorm,
        display_name: input.display_name ?? null,
        given_name: input.given_name ?? null,
        family_name: input.family_name ?? null,
        role: input.role ?? d.user_role ?? 'internal_user_viewer',
        role_source: input.role_source ?? (input.role !== undefined ? 'manual' : 'default'),
        role_explanation: null,
        active: int(active),
        source: input.source ?? 'manual',
        external_id: input.external_id ?? null,
        password_hash: input.password_hash ?? null,
        spend: 0,
        ...withDefaults(input, d, new Date(s.now)),
        created_at: s.now,
        updated_at: s.now,
        deactivated_at: active ? null : s.now,
      };
      try {
        await s.trx.insertInto('users').values(row).execute();
      } catch (e) {
        // Checked above; only a concurrent writer gets here, on the id, email or user name.
        if (isUniqueViolation(e))
          throw conflict(
            'another request took this id, email or user name at the same moment; try again',
          );
        throw e;
      }
      const user = toUser(row);
      await s.audit({ action: 'user.created', targetType: 'user', targetId: id, after: user });
      s.changed({ kind: 'user', id });
      return user;
    },

    async get(id) {
      return toUser(await requireUserRow(db, id));
    },

    async list(q, visible) {
      const after = decodeCursor(q.cursor);
      let query = db
        .selectFrom('users')
        .selectAll('users')
        .orderBy('created_at')
        .orderBy('id')
        .limit(q.limit + 1);
      if (after) query = query.where(afterPosition(after));
      if (visible) {
        const { userId, orgIds } = visible;
        query = query.where((eb) =>
          eb.or([
            eb('id', '=', userId ?? ''),
            ...(orgIds.length
              ? [
                  eb(
                    'id',
                    'in',
                    eb
                      .selectFrom('org_memberships')
                      .select('user_id')
                      .where('organization_id', 'in', orgIds),
                  ),
                ]
              : []),
          ]),
        );
      }
      if (q.email) query = query.where('users.email_normalized', '=', normalizeLogin(q.email));
      if (q.user_name)
        query = query.where('users.user_name_normalized', '=', normalizeLogin(q.user_name));
      if (q.role) query = query.where('users.role', '=', q.role);
      if (q.active !== undefined) query = query.where('users.active', '=', int(q.active));
      if (q.team_id) {
        const teamId = q.team_id;
        query = query.where('users.id', 'in', (eb) =>
          eb.selectFrom('team_memberships').select('user_id').where('team_id', '=', teamId),
        );
      }
      return toPage(await query.execute(), q.limit, toUser);
    },

    async update(s, id, patch) {
      const before = await requireUserRow(s.trx, id);
      const set: Updateable<UsersTable> = {
        ...(await profileColumns(s, id, before, patch)),
        ...budgetPatch(patch, new Date(s.now)),
        updated_at: s.now,
      };
      if (patch.role !== undefined) {
        set.role = patch.role;
        set.role_source = patch.role_source ?? 'manual';
        set.role_explanation = null;
      } else if (patch.role_source !== undefined) {
        set.role_source = patch.role_source;
      }
      await writeRow(s, id, set);
      if (patch.active !== undefined) await setActiveIn(s, before, patch.active);
      const after = toUser(await requireUserRow(s.trx, id));
      await s.audit({
        action: 'user.updated',
        targetType: 'user',
        targetId: id,
        before: toUser(before),
        after,
      });
      s.changed({ kind: 'user', id });
      return after;
    },

    async updateProfile(s, id, patch, opts) {
      const before = await requireUserRow(s.trx, id);
      const beforeUser = toUser(before);
      // Only fields whose value really changes; a sign-in that repeats the profile writes nothing.
      const changes: ProfilePatch = {};
      for (const k of PROFILE_FIELDS) {
        const v = patch[k];
        if (v !== undefined && trimmed(v) !== (beforeUser[k] ?? null)) changes[k] = v;
      }
      if (opts.onTaken === 'keep') {
        for (const k of ['email', 'user_name'] as const) {
          const v = trimmed(changes[k]);
          if (v && (await loginTaken(s, dialect, normalizeLogin(v), id))) delete changes[k];
        }
      }
      const changed = Object.keys(changes);
      if (changed.length === 0) return { user: beforeUser, changed };
      const set = await profileColumns(s, id, before, changes);
      await writeRow(s, id, { ...set, updated_at: s.now });
      const user = toUser(await requireUserRow(s.trx, id));
      const pick = (u: User) => Object.fromEntries(changed.map((k) => [k, u[k as keyof User]]));
      await s.audit({
        action: 'user.profile_updated',
        targetType: 'user',
        targetId: id,
        before: pick(beforeUser),
        after: { ...pick(user), by: opts.source },
      });
      s.changed({ kind: 'user', id });
      return { user, changed };
    },

    async setPassword(s, id, passwordHash) {
      const row = await requireUserRow(s.trx, id);
      await s.trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: s.now })
        .where('id', '=', id)
        .execute();
      const revoked = await s.trx
        .updateTable('sessions')
        .set({ revoked_at: s.now })
        .where('user_id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      await s.audit({
        action: passwordHash ? 'user.password_set' : 'user.password_cleared',
        targetType: 'user',
        targetId: id,
        before: { has_password: row.password_hash !== null },
        after: {
          has_password: passwordHash !== null,
          sessions_revoked: Number(revoked.numUpdatedRows),
        },
      });
    },

    async rehashPassword(s, id, rehash) {
      const swapped = await s.trx
        .updateTable('users')
        .set({ password_hash: rehash.to })
        .where('id', '=', id)
        .where('password_hash', '=', rehash.from)
        .executeTakeFirst();
      if (Number(swapped.numUpdatedRows) === 0) return false;
      await s.audit({
        action: 'user.password_rehashed',
        targetType: 'user',
        targetId: id,
        before: { hashing: rehash.fromParams },
        after: { hashing: rehash.toParams },
      });
      return true;
    },

    async setActive(s, id, active) {
      const row = await requireUserRow(s.trx, id);
      await setActiveIn(s, row, active);
      return toUser(await requireUserRow(s.trx, id));
    },

    async remove(s, id) {
      const row = await requireUserRow(s.trx, id);
      const keys = await s.trx
        .selectFrom('api_keys')
        .select('id')
        .where('user_id', '=', id)
        .execute();
      await s.trx.deleteFrom('users').where('id', '=', id).execute();
      for (const k of keys) s.changed({ kind: 'key', id: k.id });
      s.changed({ kind: 'user', id });
      await s.audit({
        action: 'user.deleted',
        targetType: 'user',
        targetId: id,
        before: toUser(row),
        after: { keys_deleted: keys.length },
      });
    },
  };
}
