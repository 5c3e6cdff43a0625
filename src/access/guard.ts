import type { Kysely } from 'kysely';
import type { GlobalRole } from '../config/roles.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors/catalogue.js';
import type { Visibility } from '../identity/visibility.js';
import {
  type Action,
  assignableRoles,
  delegableOwnerRoles,
  type Scope,
  scopesFor,
} from './matrix.js';
import { type Subject, teamIdsWhere } from './subject.js';

/** What a request acts on, as far as authorization cares. */
export type Target =
  | { kind: 'self' }
  | { kind: 'list' }
  | { kind: 'user'; id: string }
  | { kind: 'team'; id: string }
  | { kind: 'org'; id: string }
  | { kind: 'key'; id: string }
  | { kind: 'new_user'; organizationId: string | null }
  | { kind: 'new_team'; organizationId: string | null }
  | { kind: 'new_key'; userId: string | null; teamId: string | null };

const forbidden = (action: Action) =>
  new AppError('forbidden', `Your role does not allow ${action} on this object.`);

/**
 * The refusal for a request whose fix is the caller's to make: an org admin creating a user or a
 * team must name one of their organizations. Other refusals stay generic.
 */
function refusal(s: Subject, scopes: readonly Scope[], action: Action, t: Target): AppError {
  if ((t.kind !== 'new_user' && t.kind !== 'new_team') || !scopes.includes('org')) {
    return forbidden(action);
  }
  const what = t.kind === 'new_user' ? 'users' : 'teams';
  const mine = [...s.adminOrgs].map((o) => `'${o}'`).join(', ');
  if (!mine) {
    return new AppError(
      'forbidden',
      `You administer no organization yet, so you cannot create ${what}; ask a proxy admin to make you an organization admin.`,
    );
  }
  if (t.organizationId === null) {
    return new AppError(
      'forbidden',
      `Org admins create ${what} inside an organization they administer: send organization_id (${mine}).`,
    );
  }
  return new AppError(
    'forbidden',
    `You do not administer organization '${t.organizationId}': send the organization_id of one you do (${mine}).`,
  );
}

async function inAdminOrg(db: Kysely<Database>, s: Subject, userId: string): Promise<boolean> {
  if (s.adminOrgs.size === 0) return false;
  const hit = await db
    .selectFrom('org_memberships')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('organization_id', 'in', [...s.adminOrgs])
    .executeTakeFirst();
  return hit !== undefined;
}

/** Whether the person also belongs to an organization the caller does not administer. */
async function inOtherOrg(db: Kysely<Database>, s: Subject, userId: string): Promise<boolean> {
  const elsewhere = await db
    .selectFrom('org_memberships')
    .select('organization_id')
    .where('user_id', '=', userId)
    .where('organization_id', 'not in', [...s.adminOrgs, ''])
    .executeTakeFirst();
  return elsewhere !== undefined;
}

/**
 * Whether the caller may hold or manage keys that act as this person. A key carries its
 * owner's role, so a key for someone stronger would be an escalation: only people whose role
 * the caller could hand out qualify, and for org admins only people wholly inside their orgs.
 */
async function mayActFor(
  db: Kysely<Database>,
  s: Subject,
  scope: Scope,
  userId: string | null,
): Promise<boolean> {
  if (userId === null || userId === s.userId) return true;
  const u = await db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
  if (u === undefined) return true; // the service refuses unknown owners with a clear 422
  if (!delegableOwnerRoles(s.role).includes(u.role as GlobalRole)) return false;
  return scope !== 'org' || !(await inOtherOrg(db, s, userId));
}

async function teamOrg(db: Kysely<Database>, teamId: string): Promise<string | null | undefined> {
  const t = await db
    .selectFrom('teams')
    .select('organization_id')
    .where('id', '=', teamId)
    .executeTakeFirst();
  return t === undefined ? undefined : t.organization_id;
}

/**
 * The one guard. Returns the scope under which the action is allowed, or throws 403. An object
 * that does not exist yields 404 only for callers who could have seen it with scope `all`.
 */
export async function authorize(
  db: Kysely<Database>,
  s: Subject,
  action: Action,
  target: Target,
): Promise<Scope> {
  const scopes = scopesFor(s.role, action);
  if (scopes.length === 0) throw forbidden(action);
  if (scopes.includes('all')) return 'all';
  for (const scope of scopes) {
    if (await within(db, s, scope, action, target)) return scope;
  }
  throw refusal(s, scopes, action, target);
}

async function within(
  db: Kysely<Database>,
  s: Subject,
  scope: Scope,
  action: Action,
  t: Target,
): Promise<boolean> {
  const me = s.userId;
  switch (t.kind) {
    case 'self':
      // Everyone is themselves; a key with no owner is "itself" (its /me says so).
      return scope === 'own';
    case 'list':
      return true; // narrowed by visibility()
    case 'user': {
      if (scope === 'own') return me !== null && t.id === me;
      if (scope !== 'org' || !(await inAdminOrg(db, s, t.id))) return false;
      if (action === 'users:read') return true;
      // Writing a user requires being allowed to hand out that user's current role, and the
      // user must belong to no organization outside the caller's: an org admin cannot reach
      // into another organization by adding its people to their own.
      const u = await db
        .selectFrom('users')
        .select('role')
        .where('id', '=', t.id)
        .executeTakeFirst();
      if (u === undefined || !assignableRoles(s.role).includes(u.role as GlobalRole)) return false;
      return !(await inOtherOrg(db, s, t.id));
    }
    case 'team': {
      if (scope === 'team_member') return s.teams.has(t.id);
      if (scope === 'team_admin') return s.teams.get(t.id) === 'admin';
      if (scope === 'org') {
        const org = await teamOrg(db, t.id);
        return !!org && s.adminOrgs.has(org);
      }
      return false;
    }
    case 'org':
      return scope === 'org' && s.adminOrgs.has(t.id);
    case 'key': {
      const k = await db
        .selectFrom('api_keys')
        .select(['user_id', 'team_id'])
        .where('id', '=', t.id)
        .executeTakeFirst();
      if (!k) return false;
      if (scope === 'own') return me !== null && k.user_id === me;
      if (!(await mayActFor(db, s, scope, k.user_id))) return false;
      if (scope === 'team_admin') return k.team_id !== null && s.teams.get(k.team_id) === 'admin';
      if (scope === 'org') {
        if (k.team_id) {
          const org = await teamOrg(db, k.team_id);
          if (org && s.adminOrgs.has(org)) return true;
        }
        return k.user_id !== null && (await inAdminOrg(db, s, k.user_id));
      }
      return false;
    }
    case 'new_user':
      return scope === 'org' && t.organizationId !== null && s.adminOrgs.has(t.organizationId);
    case 'new_team':
      return scope === 'org' && t.organizationId !== null && s.adminOrgs.has(t.organizationId);
    case 'new_key': {
      if (scope === 'own') return me !== null && t.userId === me;
      if (!(await mayActFor(db, s, scope, t.userId))) return false;
      if (scope === 'team_admin') return t.teamId !== null && s.teams.get(t.teamId) === 'admin';
      if (scope === 'org') {
        if (t.teamId) {
          const org = await teamOrg(db, t.teamId);
          return !!org && s.adminOrgs.has(org);
        }
        return t.userId !== null && (await inAdminOrg(db, s, t.userId));
      }
      return false;
    }
  }
}

/** For list routes: `null` when the caller sees everything, else the ids each scope opens. */
export function visibility(s: Subject, action: Action): Visibility | null {
  const scopes = scopesFor(s.role, action);
  if (scopes.includes('all')) return null;
  return {
    userId: scopes.includes('own') ? s.userId : null,
    delegableRoles: delegableOwnerRoles(s.role),
    memberTeamIds: scopes.includes('team_member') ? teamIdsWhere(s, false) : [],
    adminTeamIds: scopes.includes('team_admin') ? teamIdsWhere(s, true) : [],
    orgIds: scopes.includes('org') ? [...s.adminOrgs] : [],
  };
}

/**
 * Team and org admins manage ordinary people only: adding someone stronger (or, for org
 * admins, someone from another organization) to what they run would give them reach over
 * that person. Proxy admins may add anyone.
 */
export async function assertMayManagePerson(
  db: Kysely<Database>,
  s: Subject,
  scope: Scope,
  userId: string,
): Promise<void> {
  if (scope === 'all') return;
  if (!(await mayActFor(db, s, scope, userId))) {
    throw new AppError(
      'forbidden',
      'You may add or manage only people with the internal_user or internal_user_viewer role.',
    );
  }
}

/**
 * Changing or ending someone's team or organization membership: team and org admins may do it
 * to themselves and to people whose role they could have added, never to someone stronger (an
 * org admin stripping a fellow org admin of the organization, a team admin demoting a proxy
 * admin). Unlike adding, another organization does not matter: taking a person out of what
 * the caller runs only narrows the caller's reach.
 */
export async function assertMayChangeMembership(
  db: Kysely<Database>,
  s: Subject,
  scope: Scope,
  userId: string,
): Promise<void> {
  if (scope === 'all' || userId === s.userId) return;
  const u = await db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
  if (u === undefined) return; // the memberships service answers 404
  if (!delegableOwnerRoles(s.role).includes(u.role as GlobalRole)) {
    throw new AppError(
      'forbidden',
      'You may change or remove only the memberships of people with the internal_user or internal_user_viewer role, and your own.',
    );
  }
}

/** Refuses to hand out a role above what the caller may grant. */
export function assertAssignable(s: Subject, role: GlobalRole | undefined): void {
  if (role === undefined) return;
  if (!assignableRoles(s.role).includes(role)) {
    throw new AppError('forbidden', `Your role may not assign the role ${role}.`);
  }
}
