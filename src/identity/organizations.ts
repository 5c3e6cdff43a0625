import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { readList } from '../db/json.js';
import type { OrganizationsTable } from '../db/schema.js';
import { conflict, invalid, notFound } from '../errors/catalogue.js';
import type { Reader } from './actor.js';
import { budgetPatch, resetAt } from './budget.js';
import { afterPosition, decodeCursor, type Page, toPage } from './pagination.js';
import type { Visibility } from './visibility.js';
import type { ServiceContext, WriteScope } from './write.js';

export interface Organization {
  id: string;
  name: string;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string[];
  created_at: string;
  updated_at: string;
}

export interface OrganizationInput {
  name: string;
  max_budget?: number | null | undefined;
  budget_duration?: string | null | undefined;
  models?: string[] | undefined;
}

export function toOrganization(r: Selectable<OrganizationsTable>): Organization {
  return {
    id: r.id,
    name: r.name,
    max_budget: r.max_budget,
    budget_duration: r.budget_duration,
    budget_reset_at: r.budget_reset_at,
    spend: r.spend,
    models: readList(r.models, 'organizations.models'),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export async function requireOrgRow(db: Reader, id: string) {
  const row = await db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('organization', id);
  return row;
}

/** Organizations. Mutations run in the caller's scope. */
export interface OrganizationsService {
  create(s: WriteScope, input: OrganizationInput): Promise<Organization>;
  get(id: string): Promise<Organization>;
  list(
    q: { limit: number; cursor?: string | undefined },
    visible?: Visibility | null,
  ): Promise<Page<Organization>>;
  update(s: WriteScope, id: string, patch: Partial<OrganizationInput>): Promise<Organization>;
  /** Teams of a deleted organization stay, detached (organization_id set to null). */
  remove(s: WriteScope, id: string): Promise<void>;
}

export function organizationsService(ctx: ServiceContext): OrganizationsService {
  const db = ctx.db.kysely;

  async function create(s: WriteScope, input: OrganizationInput): Promise<Organization> {
    const name = input.name.trim();
    if (!name)
      throw invalid('organization name must not be empty', [{ path: 'name', message: 'empty' }]);
    const row = {
      id: randomUUID(),
      name,
      max_budget: input.max_budget ?? null,
      budget_duration: input.budget_duration ?? null,
      budget_reset_at: resetAt(input.budget_duration ?? null, new Date(s.now)),
      spend: 0,
      models: JSON.stringify(input.models ?? []),
      created_at: s.now,
      updated_at: s.now,
    };
    try {
      await s.trx.insertInto('organizations').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`an organization named '${name}' already exists`);
      throw e;
    }
    const org = toOrganization(row);
    await s.audit({
      action: 'organization.created',
      targetType: 'organization',
      targetId: row.id,
      after: org,
    });
    s.changed({ kind: 'org', id: row.id });
    return org;
  }

  async function get(id: string): Promise<Organization> {
    return toOrganization(await requireOrgRow(db, id));
  }

  async function list(
    q: { limit: number; cursor?: string | undefined },
    visible?: Visibility | null,
  ): Promise<Page<Organization>> {
    const after = decodeCursor(q.cursor);
    let query = db
      .selectFrom('organizations')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(q.limit + 1);
    if (after) query = query.where(afterPosition(after));
    if (visible) query = query.where('id', 'in', ['', ...visible.orgIds]);
    return toPage(await query.execute(), q.limit, toOrganization);
  }

  async function update(
    s: WriteScope,
    id: string,
    patch: Partial<OrganizationInput>,
  ): Promise<Organization> {
    const before = await requireOrgRow(s.trx, id);
    const { rpm_limit: _r, tpm_limit: _t, ...budget } = budgetPatch(patch, new Date(s.now));
    const set: Updateable<OrganizationsTable> = { ...budget, updated_at: s.now };
    if (patch.name !== undefined) {
      const name = patch.name.trim();
      if (!name)
        throw invalid('organization name must not be empty', [{ path: 'name', message: 'empty' }]);
      set.name = name;
    }
    try {
      await s.trx.updateTable('organizations').set(set).where('id', '=', id).execute();
    } catch (e) {
      if (isUniqueViolation(e))
        throw conflict(`an organization named '${set.name}' already exists`);
      throw e;
    }
    const after = toOrganization(await requireOrgRow(s.trx, id));
    await s.audit({
      action: 'organization.updated',
      targetType: 'organization',
      targetId: id,
      before: toOrganization(before),
      after,
    });
    s.changed({ kind: 'org', id });
    return after;
  }

  async function remove(s: WriteScope, id: string): Promise<void> {
    const before = await requireOrgRow(s.trx, id);
    const teams = await s.trx
      .selectFrom('teams')
      .select('id')
      .where('organization_id', '=', id)
      .execute();
    await s.trx.deleteFrom('organizations').where('id', '=', id).execute();
    for (const t of teams) s.changed({ kind: 'team', id: t.id });
    s.changed({ kind: 'org', id });
    await s.audit({
      action: 'organization.deleted',
      targetType: 'organization',
      targetId: id,
      before: toOrganization(before),
      after: { teams_detached: teams.length },
    });
  }

  return { create, get, list, update, remove };
}
