import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Selectable, Updateable } from 'kysely';
import { bool, int, readList } from '../db/json.js';
import type { ApiKeysTable, Database } from '../db/schema.js';
import { invalid, notFound } from '../errors/catalogue.js';
import type { Reader } from '../identity/actor.js';
import { resetAt } from '../identity/budget.js';
import { afterPosition, decodeCursor, type Page, toPage } from '../identity/pagination.js';
import type { Visibility } from '../identity/visibility.js';
import type { ServiceContext, WriteScope } from '../identity/write.js';
import type { KeyPurpose } from './purpose.js';
import { generateKey, hashSecret, previewKey } from './secret.js';

export interface ApiKey {
  id: string;
  key_preview: string;
  name: string | null;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  rpm_limit: number | null;
  tpm_limit: number | null;
  expires_at: string | null;
  blocked: boolean;
  blocked_reason: string | null;
  /** `inference` (calls /v1 only), `read_only` (also reads /api/v1), `management`. */
  purpose: KeyPurpose;
  /** Who made the key: a user id, `master`, `bootstrap`. */
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface CreateKeyInput {
  purpose: KeyPurpose;
  user_id?: string | null | undefined;
  team_id?: string | null | undefined;
  name?: string | null | undefined;
  models?: string[] | undefined;
  max_budget?: number | null | undefined;
  budget_duration?: string | null | undefined;
  rpm_limit?: number | null | undefined;
  tpm_limit?: number | null | undefined;
  expires_at?: string | null | undefined;
}

export interface UpdateKeyInput extends Omit<CreateKeyInput, 'user_id' | 'team_id' | 'purpose'> {
  blocked?: boolean | undefined;
}

export interface KeyQuery {
  limit: number;
  cursor?: string | undefined;
  user_id?: string | undefined;
  team_id?: string | undefined;
}

/** Set when an admin blocks a key by hand; deactivation uses its own reason. */
export const MANUAL_BLOCK_REASON = 'blocked_by_admin';
/** Set when the owner blocks their own key (they cannot unblock it: an admin must). */
export const OWNER_BLOCK_REASON = 'blocked_by_owner';

export function toApiKey(r: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: r.id,
    key_preview: r.key_preview,
    name: r.name,
    user_id: r.user_id,
    team_id: r.team_id,
    models: readList(r.models, 'api_keys.models'),
    max_budget: r.max_budget,
    budget_duration: r.budget_duration,
    budget_reset_at: r.budget_reset_at,
    spend: r.spend,
    rpm_limit: r.rpm_limit,
    tpm_limit: r.tpm_limit,
    expires_at: r.expires_at,
    blocked: bool(r.blocked),
    blocked_reason: r.blocked_reason,
    purpose: r.purpose as KeyPurpose,
    created_by: r.created_by,
    created_at: r.created_at,
    updated_at: r.updated_at,
    last_used_at: r.last_used_at,
  };
}

async function requireKeyRow(db: Reader, id: string) {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('key', id);
  return row;
}

/** A key can never reach more models than its team allows. */
async function checkModels(
  db: Reader,
  teamId: string | null | undefined,
  models: string[] | undefined,
) {
  if (!teamId || !models?.length) return;
  const team = await db
    .selectFrom('teams')
    .select('models')
    .where('id', '=', teamId)
    .executeTakeFirst();
  const allowed = team ? readList(team.models, 'teams.models') : [];
  if (allowed.length === 0) return;
  const extra = models.filter((m) => !allowed.includes(m));
  if (extra.length > 0) {
    throw invalid(`models not allowed for team '${teamId}': ${extra.join(', ')}`, [
      { path: 'models', message: `team allows only ${allowed.join(', ')}` },
    ]);
  }
}

function checkExpiry(expiresAt: string | null | undefined, now: string) {
  if (expiresAt && expiresAt <= now) {
    throw invalid('expires_at must be in the future', [
      { path: 'expires_at', message: 'in the past' },
    ]);
  }
}

/** Virtual keys: the only code that writes `api_keys`. Mutations run in the caller's scope. */
export interface KeysService {
  /** Returns the key record plus the secret, which exists only in this response. */
  create(s: WriteScope, input: CreateKeyInput): Promise<ApiKey & { key: string }>;
  get(id: string): Promise<ApiKey>;
  list(q: KeyQuery, visible?: Visibility | null): Promise<Page<ApiKey>>;
  update(
    s: WriteScope,
    id: string,
    patch: UpdateKeyInput,
    opts?: { byOwner?: boolean },
  ): Promise<ApiKey>;
  remove(s: WriteScope, id: string): Promise<void>;
  selfServiceModels(
    userId: string,
    teamId: string | null,
    requested: string[] | undefined,
  ): Promise<string[]>;
}

/** What `created_by` records for an actor. */
const maker = (s: WriteScope): string => s.actor.id ?? s.actor.type;

export function keysService(ctx: ServiceContext): KeysService {
  const db = ctx.db.kysely;

  async function create(s: WriteScope, input: CreateKeyInput): Promise<ApiKey & { key: string }> {
    if (input.user_id) {
      const u = await s.trx
        .selectFrom('users')
        .select(['id', 'active'])
        .where('id', '=', input.user_id)
        .executeTakeFirst();
      if (!u)
        throw invalid(`user '${input.user_id}' does not exist`, [
          { path: 'user_id', message: 'unknown user' },
        ]);
      if (!bool(u.active))
        throw invalid(`user '${input.user_id}' is deactivated`, [
          { path: 'user_id', message: 'deactivated' },
        ]);
    }
    if (input.team_id) {
      const t = await s.trx
        .selectFrom('teams')
        .select(['id', 'blocked'])
        .where('id', '=', input.team_id)
        .executeTakeFirst();
      if (!t)
        throw invalid(`team '${input.team_id}' does not exist`, [
          { path: 'team_id', message: 'unknown team' },
        ]);
      if (bool(t.blocked))
        throw invalid(`team '${input.team_id}' is blocked`, [
          { path: 'team_id', message: 'blocked' },
        ]);
      if (input.user_id) {
        const m = await s.trx
          .selectFrom('team_memberships')
          .select('user_id')
          .where('team_id', '=', input.team_id)
          .where('user_id', '=', input.user_id)
          .executeTakeFirst();
        if (!m) {
          throw invalid(`user '${input.user_id}' is not a member of team '${input.team_id}'`, [
            { path: 'team_id', message: 'user is not a member' },
          ]);
        }
      }
    }
    await checkModels(s.trx, input.team_id, input.models);
    checkExpiry(input.expires_at, s.now);
    const secret = generateKey();
    const row = {
      id: randomUUID(),
      key_hash: hashSecret(secret),
      key_preview: previewKey(secret),
      name: input.name ?? null,
      user_id: input.user_id ?? null,
      team_id: input.team_id ?? null,
      models: JSON.stringify(input.models ?? []),
      max_budget: input.max_budget ?? null,
      budget_duration: input.budget_duration ?? null,
      budget_reset_at: resetAt(input.budget_duration ?? null, new Date(s.now)),
      spend: 0,
      rpm_limit: input.rpm_limit ?? null,
      tpm_limit: input.tpm_limit ?? null,
      expires_at: input.expires_at ?? null,
      blocked: 0,
      blocked_reason: null,
      purpose: input.purpose,
      created_by: maker(s),
      created_at: s.now,
      updated_at: s.now,
      last_used_at: null,
    };
    await s.trx.insertInto('api_keys').values(row).execute();
    const key = toApiKey(row);
    await s.audit({ action: 'key.created', targetType: 'key', targetId: row.id, after: key });
    s.changed({ kind: 'key', id: row.id });
    return { ...key, key: secret };
  }

  async function get(id: string): Promise<ApiKey> {
    return toApiKey(await requireKeyRow(db, id));
  }

  async function list(q: KeyQuery, visible?: Visibility | null): Promise<Page<ApiKey>> {
    const after = decodeCursor(q.cursor);
    let query = db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(q.limit + 1);
    if (after) query = query.where(afterPosition(after));
    if (visible) {
      const { userId, adminTeamIds, orgIds, delegableRoles } = visible;
      // Someone else's key is listed only when its owner is a person the caller may manage.
      const manageable = (eb: ExpressionBuilder<Database, 'api_keys'>) =>
        eb.or([
          eb('user_id', 'is', null),
          eb(
            'user_id',
            'in',
            eb
              .selectFrom('users')
              .select('id')
              .where('role', 'in', ['', ...delegableRoles]),
          ),
        ]);
      query = query.where((eb) =>
        eb.or([
          eb('user_id', '=', userId ?? ''),
          ...(adminTeamIds.length
            ? [eb.and([eb('team_id', 'in', adminTeamIds), manageable(eb)])]
            : []),
          ...(orgIds.length
            ? [
                eb.and([
                  eb.or([
                    eb(
                      'team_id',
                      'in',
                      eb.selectFrom('teams').select('id').where('organization_id', 'in', orgIds),
                    ),
                    eb(
                      'user_id',
                      'in',
                      eb
                        .selectFrom('org_memberships')
                        .select('user_id')
                        .where('organization_id', 'in', orgIds),
                    ),
                  ]),
                  manageable(eb),
                  // Not someone who also belongs to an organization the caller does not run.
                  eb.or([
                    eb('user_id', 'is', null),
                    eb(
                      'user_id',
                      'not in',
                      eb
                        .selectFrom('org_memberships')
                        .select('user_id')
                        .where('organization_id', 'not in', orgIds),
                    ),
                  ]),
                ]),
              ]
            : []),
        ]),
      );
    }
    if (q.user_id) query = query.where('user_id', '=', q.user_id);
    if (q.team_id) query = query.where('team_id', '=', q.team_id);
    return toPage(await query.execute(), q.limit, toApiKey);
  }

  async function update(
    s: WriteScope,
    id: string,
    patch: UpdateKeyInput,
    opts: { byOwner?: boolean } = {},
  ): Promise<ApiKey> {
    const before = await requireKeyRow(s.trx, id);
    await checkModels(s.trx, before.team_id, patch.models);
    checkExpiry(patch.expires_at, s.now);
    const set: Updateable<ApiKeysTable> = { updated_at: s.now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.max_budget !== undefined) set.max_budget = patch.max_budget;
    if (patch.rpm_limit !== undefined) set.rpm_limit = patch.rpm_limit;
    if (patch.tpm_limit !== undefined) set.tpm_limit = patch.tpm_limit;
    if (patch.expires_at !== undefined) set.expires_at = patch.expires_at;
    if (patch.models !== undefined) set.models = JSON.stringify(patch.models);
    if (patch.budget_duration !== undefined) {
      set.budget_duration = patch.budget_duration;
      set.budget_reset_at = resetAt(patch.budget_duration, new Date(s.now));
    }
    if (patch.blocked !== undefined) {
      set.blocked = int(patch.blocked);
      set.blocked_reason = patch.blocked
        ? opts.byOwner
          ? OWNER_BLOCK_REASON
          : MANUAL_BLOCK_REASON
        : null;
    }
    await s.trx.updateTable('api_keys').set(set).where('id', '=', id).execute();
    const after = toApiKey(await requireKeyRow(s.trx, id));
    const action =
      patch.blocked === true
        ? 'key.blocked'
        : patch.blocked === false
          ? 'key.unblocked'
          : 'key.updated';
    await s.audit({ action, targetType: 'key', targetId: id, before: toApiKey(before), after });
    s.changed({ kind: 'key', id });
    return after;
  }

  async function remove(s: WriteScope, id: string): Promise<void> {
    const before = await requireKeyRow(s.trx, id);
    await s.trx.deleteFrom('api_keys').where('id', '=', id).execute();
    await s.audit({
      action: 'key.deleted',
      targetType: 'key',
      targetId: id,
      before: toApiKey(before),
    });
    s.changed({ kind: 'key', id });
  }

  /**
   * The models a person may put on a key they make for themselves: those of the given team, or
   * for a personal key those of all their teams plus their own grant. An empty list at team
   * level means "every model", as in LiteLLM. Omitted models become the allowed list, so the
   * key never silently reaches more.
   */
  async function selfServiceModels(
    userId: string,
    teamId: string | null,
    requested: string[] | undefined,
  ): Promise<string[]> {
    const user = await db
      .selectFrom('users')
      .select('models')
      .where('id', '=', userId)
      .executeTakeFirst();
    const teams = await db
      .selectFrom('team_memberships as m')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .select(['t.id', 't.models'])
      .where('m.user_id', '=', userId)
      .execute();
    // Not a member: let create() refuse with the precise reason.
    if (teamId && !teams.some((t) => t.id === teamId)) return requested ?? [];
    const lists = (teamId ? teams.filter((t) => t.id === teamId) : teams).map((t) =>
      readList(t.models, 'teams.models'),
    );
    if (lists.some((l) => l.length === 0)) return requested ?? [];
    const allowed = new Set(lists.flat());
    if (!teamId) for (const m of readList(user?.models ?? '[]', 'users.models')) allowed.add(m);
    if (allowed.size === 0) {
      throw invalid(
        'You belong to no team that grants models; ask an admin to add you to a team.',
        [{ path: 'models', message: 'no models available' }],
      );
    }
    if (requested === undefined || requested.length === 0) return [...allowed].sort();
    const extra = requested.filter((m) => !allowed.has(m));
    if (extra.length > 0) {
      throw invalid(`models not available to you: ${extra.join(', ')}`, [
        { path: 'models', message: `you may use ${[...allowed].sort().join(', ')}` },
      ]);
    }
    return requested;
  }

  return { create, get, list, update, remove, selfServiceModels };
}
