import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { type SqlBool, sql } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { bool, int, readList } from '../db/json.js';
import type { TeamsTable } from '../db/schema.js';
import { conflict, invalid, notFound } from '../errors/catalogue.js';
import type { Reader } from './actor.js';
import { type BudgetInput, budgetPatch, withDefaults } from './budget.js';
import { afterPosition, decodeCursor, type Page, toPage } from './pagination.js';
import type { Visibility } from './visibility.js';
import type { ServiceContext, WriteScope } from './write.js';

export interface Team {
  id: string;
  name: string;
  organization_id: string | null;
  source: string;
  external_id: string | null;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string[];
  rpm_limit: number | null;
  tpm_limit: number | null;
  blocked: boolean;
  created_at: string;
  updated_at: string;
}

export interface CreateTeamInput extends BudgetInput {
  /** Entra-synced teams take the group's object id as their id. */
  id?: string | undefined;
  name: string;
  organization_id?: string | null | undefined;
  source?: string | undefined;
  external_id?: string | null | undefined;
  blocked?: boolean | undefined;
}

export type UpdateTeamInput = Partial<Omit<CreateTeamInput, 'id' | 'source'>>;

export interface TeamQuery {
  limit: number;
  cursor?: string | undefined;
  name?: string | undefined;
  organization_id?: string | undefined;
  external_id?: string | undefined;
}

export function toTeam(r: Selectable<TeamsTable>): Team {
  return {
    id: r.id,
    name: r.name,
    organization_id: r.organization_id,
    source: r.source,
    external_id: r.external_id,
    max_budget: r.max_budget,
    budget_duration: r.budget_duration,
    budget_reset_at: r.budget_reset_at,
    spend: r.spend,
    models: readList(r.models, 'teams.models'),
    rpm_limit: r.rpm_limit,
    tpm_limit: r.tpm_limit,
    blocked: bool(r.blocked),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export async function requireTeamRow(db: Reader, id: string) {
  const row = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('team', id);
  return row;
}

/**
 * A 409 that names the value really in use, checked before writing: on PostgreSQL a failed
 * insert aborts the transaction, so the constraint error cannot be looked into afterwards.
 */
async function assertTeamFree(
  db: Reader,
  id: string | undefined,
  externalId: string | null | undefined,
  exceptId?: string,
) {
  if (id !== undefined) {
    const row = await db.selectFrom('teams').select('id').where('id', '=', id).executeTakeFirst();
    if (row) throw conflict(`a team with id '${id}' already exists`);
  }
  if (externalId) {
    let q = db.selectFrom('teams').select('id').where('external_id', '=', externalId);
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    const row = await q.executeTakeFirst();
    if (row) throw conflict(`external_id '${externalId}' is already used by team '${row.id}'`);
  }
}

/** Two writers took the same value at once; the check above saw neither. */
const TEAM_RACE = 'another request took this team id or external_id at the same moment; try again';

async function assertOrgExists(db: Reader, id: string | null | undefined) {
  if (!id) return;
  const org = await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!org)
    throw invalid(`organization '${id}' does not exist`, [
      { path: 'organization_id', message: 'unknown organization' },
    ]);
}

/** Teams: the only code that writes the `teams` table. Mutations run in the caller's scope. */
export interface TeamsService {
  /** The one way a team comes to exist, whichever path asks (API, UI, SSO group sync, SCIM). */
  create(s: WriteScope, input: CreateTeamInput): Promise<Team>;
  get(id: string): Promise<Team>;
  list(q: TeamQuery, visible?: Visibility | null): Promise<Page<Team>>;
  update(s: WriteScope, id: string, patch: UpdateTeamInput): Promise<Team>;
  /** Deleting a team deletes its team keys and memberships (FK cascade). */
  remove(s: WriteScope, id: string): Promise<void>;
}

export function teamsService(ctx: ServiceContext): TeamsService {
  const db = ctx.db.kysely;

  async function create(s: WriteScope, input: CreateTeamInput): Promise<Team> {
    const name = input.name.trim();
    if (!name) throw invalid('team name must not be empty', [{ path: 'name', message: 'empty' }]);
    await assertOrgExists(s.trx, input.organization_id);
    await assertTeamFree(s.trx, input.id, input.external_id);
    const id = input.id ?? randomUUID();
    const d = ctx.config.defaultTeamParams;
    const row = {
      id,
      name,
      organization_id: input.organization_id ?? null,
      source: input.source ?? 'manual',
      external_id: input.external_id ?? null,
      spend: 0,
      ...withDefaults(input, d, new Date(s.now)),
      blocked: int(input.blocked ?? false),
      created_at: s.now,
      updated_at: s.now,
    };
    try {
      await s.trx.insertInto('teams').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(TEAM_RACE);
      throw e;
    }
    const team = toTeam(row);
    await s.audit({ action: 'team.created', targetType: 'team', targetId: id, after: team });
    s.changed({ kind: 'team', id });
    return team;
  }

  async function get(id: string): Promise<Team> {
    return toTeam(await requireTeamRow(db, id));
  }

  async function list(q: TeamQuery, visible?: Visibility | null): Promise<Page<Team>> {
    const after = decodeCursor(q.cursor);
    let query = db
      .selectFrom('teams')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(q.limit + 1);
    if (after) query = query.where(afterPosition(after));
    if (visible) {
      const teamIds = [...visible.memberTeamIds, ...visible.adminTeamIds];
      const { orgIds } = visible;
      query = query.where((eb) =>
        eb.or([
          ...(teamIds.length ? [eb('id', 'in', teamIds)] : []),
          ...(orgIds.length ? [eb('organization_id', 'in', orgIds)] : []),
          sql<SqlBool>`1 = 0`,
        ]),
      );
    }
    if (q.name) query = query.where('name', '=', q.name);
    if (q.organization_id) query = query.where('organization_id', '=', q.organization_id);
    if (q.external_id) query = query.where('external_id', '=', q.external_id);
    return toPage(await query.execute(), q.limit, toTeam);
  }

  async function update(s: WriteScope, id: string, patch: UpdateTeamInput): Promise<Team> {
    const before = await requireTeamRow(s.trx, id);
    const set: Updateable<TeamsTable> = {
      ...budgetPatch(patch, new Date(s.now)),
      updated_at: s.now,
    };
    if (patch.name !== undefined) {
      const name = patch.name.trim();
      if (!name) throw invalid('team name must not be empty', [{ path: 'name', message: 'empty' }]);
      set.name = name;
    }
    if (patch.organization_id !== undefined) {
      await assertOrgExists(s.trx, patch.organization_id);
      set.organization_id = patch.organization_id;
    }
    if (patch.external_id !== undefined) {
      await assertTeamFree(s.trx, undefined, patch.external_id, id);
      set.external_id = patch.external_id;
    }
    if (patch.blocked !== undefined) set.blocked = int(patch.blocked);
    try {
      await s.trx.updateTable('teams').set(set).where('id', '=', id).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(TEAM_RACE);
      throw e;
    }
    const after = toTeam(await requireTeamRow(s.trx, id));
    await s.audit({
      action: 'team.updated',
      targetType: 'team',
      targetId: id,
      before: toTeam(before),
      after,
    });
    s.changed({ kind: 'team', id });
    return after;
  }

  async function remove(s: WriteScope, id: string): Promise<void> {
    const before = await requireTeamRow(s.trx, id);
    const keys = await s.trx
      .selectFrom('api_keys')
      .select('id')
      .where('team_id', '=', id)
      .execute();
    await s.trx.deleteFrom('teams').where('id', '=', id).execute();
    for (const k of keys) s.changed({ kind: 'key', id: k.id });
    s.changed({ kind: 'team', id });
    await s.audit({
      action: 'team.deleted',
      targetType: 'team',
      targetId: id,
      before: toTeam(before),
      after: { keys_deleted: keys.length },
    });
  }

  return { create, get, list, update, remove };
}
