import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Visibility } from '../access/guard.js';
import type { GlobalRole } from '../access/roles.js';
import { isUniqueViolation } from '../db/errors.js';
import { bool, int, readJson, readList } from '../db/json.js';
import type { UsersTable } from '../db/schema.js';
import { conflict, invalid, notFound } from '../errors/catalogue.js';
import { type BudgetInput, budgetPatch, withDefaults } from './budget.js';
import {
  type Actor,
  type Reader,
  type ServiceContext,
  type Tx,
  type WriteScope,
  write,
} from './context.js';
import { afterPosition, decodeCursor, type Page, toPage } from './pagination.js';

export type RoleSource = 'default' | 'manual' | 'idp';

export interface User {
  id: string;
  email: string | null;
  user_name: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  role: GlobalRole;
  role_source: RoleSource;
  role_explanation: unknown;
  active: boolean;
  source: string;
  external_id: string | null;
  has_password: boolean;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string[];
  rpm_limit: number | null;
  tpm_limit: number | null;
  created_at: string;
  updated_at: string;
  deactivated_at: string | null;
}

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

export interface UserQuery {
  limit: number;
  cursor?: string | undefined;
  email?: string | undefined;
  role?: GlobalRole | undefined;
  active?: boolean | undefined;
  team_id?: string | undefined;
}

/** Why keys were blocked by deactivation, so reactivation unblocks exactly those and no others. */
export const DEACTIVATION_REASON = 'user_deactivated';

const norm = (s: string | null | undefined): string | null | undefined =>
  s === undefined ? undefined : s === null ? null : s.trim().toLowerCase();

export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    email: r.email,
    user_name: r.user_name,
    display_name: r.display_name,
    given_name: r.given_name,
    family_name: r.family_name,
    role: r.role as GlobalRole,
    role_source: r.role_source as RoleSource,
    role_explanation: readJson(r.role_explanation, 'users.role_explanation'),
    active: bool(r.active),
    source: r.source,
    external_id: r.external_id,
    has_password: r.password_hash !== null,
    max_budget: r.max_budget,
    budget_duration: r.budget_duration,
    budget_reset_at: r.budget_reset_at,
    spend: r.spend,
    models: readList(r.models, 'users.models'),
    rpm_limit: r.rpm_limit,
    tpm_limit: r.tpm_limit,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deactivated_at: r.deactivated_at,
  };
}

async function findUserRow(db: Reader, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

async function requireUserRow(db: Reader, id: string) {
  const row = await findUserRow(db, id);
  if (!row) throw notFound('user', id);
  return row;
}

async function assertUnique(
  trx: Tx,
  email: string | null | undefined,
  userName: string | null | undefined,
  exceptId?: string,
) {
  if (email) {
    const q = trx.selectFrom('users').select('id').where('email_normalized', '=', email);
    const hit = await (exceptId ? q.where('id', '!=', exceptId) : q).executeTakeFirst();
    if (hit) throw conflict(`a user with email '${email}' already exists`);
  }
  if (userName) {
    const q = trx.selectFrom('users').select('id').where('user_name_normalized', '=', userName);
    const hit = await (exceptId ? q.where('id', '!=', exceptId) : q).executeTakeFirst();
    if (hit) throw conflict(`a user with user_name '${userName}' already exists`);
  }
}

/** Blocks or unblocks a user's keys as part of (de)activation, inside the caller's transaction. */
async function setActiveIn(
  s: WriteScope,
  row: Selectable<UsersTable>,
  active: boolean,
): Promise<void> {
  if (bool(row.active) === active) return;
  const keys = await s.trx
    .selectFrom('api_keys')
    .select('id')
    .where('user_id', '=', row.id)
    .execute();
  if (active) {
    await s.trx
      .updateTable('api_keys')
      .set({ blocked: 0, blocked_reason: null, updated_at: s.now })
      .where('user_id', '=', row.id)
      .where('blocked_reason', '=', DEACTIVATION_REASON)
      .execute();
  } else {
    await s.trx
      .updateTable('api_keys')
      .set({ blocked: 1, blocked_reason: DEACTIVATION_REASON, updated_at: s.now })
      .where('user_id', '=', row.id)
      .where('blocked', '=', 0)
      .execute();
  }
  await s.trx
    .updateTable('users')
    .set({ active: int(active), deactivated_at: active ? null : s.now, updated_at: s.now })
    .where('id', '=', row.id)
    .execute();
  // Sessions do not come back on reactivation: the person signs in again.
  const sessions = active
    ? { numUpdatedRows: 0n }
    : await s.trx
        .updateTable('sessions')
        .set({ revoked_at: s.now })
        .where('user_id', '=', row.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
  for (const k of keys) s.changed({ kind: 'key', id: k.id });
  await s.audit({
    action: active ? 'user.reactivated' : 'user.deactivated',
    targetType: 'user',
    targetId: row.id,
    before: { active: bool(row.active) },
    after: {
      active,
      keys_affected: keys.length,
      sessions_revoked: Number(sessions.numUpdatedRows),
    },
  });
}

export function usersService(ctx: ServiceContext) {
  const db = ctx.db.kysely;

  async function create(input: CreateUserInput, actor: Actor, scope?: WriteScope): Promise<User> {
    const run = async (s: WriteScope) => {
      const email = norm(input.email);
      const userName = norm(input.user_name);
      if (!email && !userName) throw invalid('a user needs an email or a user_name');
      await assertUnique(s.trx, email, userName);
      const d = ctx.config.defaultUserParams;
      const roleGiven = input.role !== undefined;
      const id = input.id ?? randomUUID();
      const active = input.active ?? true;
      const row = {
        id,
        email: input.email?.trim() ?? null,
        email_normalized: email ?? null,
        user_name: input.user_name?.trim() ?? null,
        user_name_normalized: userName ?? null,
        display_name: input.display_name ?? null,
        given_name: input.given_name ?? null,
        family_name: input.family_name ?? null,
        role: input.role ?? d.user_role ?? 'internal_user_viewer',
        role_source: input.role_source ?? (roleGiven ? 'manual' : 'default'),
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
        if (isUniqueViolation(e))
          throw conflict(`user '${id}' or its email/user_name already exists`);
        throw e;
      }
      const user = toUser(row);
      await s.audit({ action: 'user.created', targetType: 'user', targetId: id, after: user });
      s.changed({ kind: 'user', id });
      return user;
    };
    return scope ? run(scope) : write(ctx, actor, run);
  }

  async function get(id: string): Promise<User> {
    return toUser(await requireUserRow(db, id));
  }

  async function list(q: UserQuery, visible?: Visibility | null): Promise<Page<User>> {
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
    if (q.email) query = query.where('users.email_normalized', '=', q.email.trim().toLowerCase());
    if (q.role) query = query.where('users.role', '=', q.role);
    if (q.active !== undefined) query = query.where('users.active', '=', int(q.active));
    if (q.team_id) {
      const teamId = q.team_id;
      query = query.where('users.id', 'in', (eb) =>
        eb.selectFrom('team_memberships').select('user_id').where('team_id', '=', teamId),
      );
    }
    return toPage(await query.execute(), q.limit, toUser);
  }

  async function update(id: string, patch: UpdateUserInput, actor: Actor): Promise<User> {
    return write(ctx, actor, async (s) => {
      const before = await requireUserRow(s.trx, id);
      const email = norm(patch.email);
      const userName = norm(patch.user_name);
      const finalEmail = email === undefined ? before.email_normalized : email;
      const finalName = userName === undefined ? before.user_name_normalized : userName;
      if (!finalEmail && !finalName) {
        throw invalid('a user needs an email or a user_name');
      }
      await assertUnique(s.trx, email, userName, id);
      const set: Record<string, unknown> = {
        ...budgetPatch(patch, new Date(s.now)),
        updated_at: s.now,
      };
      if (patch.email !== undefined) {
        set.email = patch.email?.trim() ?? null;
        set.email_normalized = email ?? null;
      }
      if (patch.user_name !== undefined) {
        set.user_name = patch.user_name?.trim() ?? null;
        set.user_name_normalized = userName ?? null;
      }
      for (const k of ['display_name', 'given_name', 'family_name', 'external_id'] as const) {
        if (patch[k] !== undefined) set[k] = patch[k];
      }
      if (patch.role !== undefined) {
        set.role = patch.role;
        set.role_source = patch.role_source ?? 'manual';
        set.role_explanation = null;
      } else if (patch.role_source !== undefined) {
        set.role_source = patch.role_source;
      }
      try {
        await s.trx.updateTable('users').set(set).where('id', '=', id).execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict('email or user_name already in use');
        throw e;
      }
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
    });
  }

  /** Sets or clears the local (break-glass) password; every session of the user ends. */
  async function setPassword(id: string, passwordHash: string | null, actor: Actor): Promise<void> {
    await write(ctx, actor, async (s) => {
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
    });
  }

  async function setActive(id: string, active: boolean, actor: Actor): Promise<User> {
    return write(ctx, actor, async (s) => {
      const row = await requireUserRow(s.trx, id);
      await setActiveIn(s, row, active);
      s.changed({ kind: 'user', id });
      return toUser(await requireUserRow(s.trx, id));
    });
  }

  async function remove(id: string, actor: Actor): Promise<void> {
    await write(ctx, actor, async (s) => {
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
    });
  }

  return { create, get, list, update, setPassword, setActive, remove };
}

export type UsersService = ReturnType<typeof usersService>;
